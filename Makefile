# menjin — build, test and run.
#
#   make deps           install every Debian package the build and tests need
#   make                build menjin-fp, menjin-fpctl, menjind, unit tests
#   make test           deps + build + unit tests + golden pcap + lab tests
#   make test SANITIZE=1  the same under ASan + UBSan
#   make fuzz           build the libFuzzer targets (clang)
#   make run            start the simulated office (network namespaces)
#
# Sources are found by convention, so adding a file needs no Makefile edit:
#   dataplane/*.c     -> build/libfp.a   (main.c and fpctl.c are programs)
#   controlplane/*.c  -> build/libcp.a   (main.c is the program)
#   tests/unit/X_test.c -> build/tests/X_test, linked with both libraries
#   tests/fuzz/X_fuzz.c -> build/fuzz/X_fuzz, built with clang

BUILD      ?= build
CC         ?= gcc
SANITIZE   ?= 0
PKGS       := libdpdk libpcap libnl-3.0 libconfig sqlite3 libevent jansson openssl cmocka libxml-2.0 libcurl ldap libsystemd
# AD sync: SASL GSSAPI bind with a keytab (MIT Kerberos)
PKGS       += mit-krb5 mit-krb5-gssapi

ifeq ($(SANITIZE),1)
BUILD      := build-san
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -fno-strict-aliasing -Idataplane -Icontrolplane -Imgmt \
            $(PKG_CFLAGS) $(SANFLAGS)
LDFLAGS  += $(SANFLAGS)
LDLIBS   := $(PKG_LIBS) -lpthread -lm

FP_MAINS := dataplane/main.c dataplane/fpctl.c
CP_MAINS := controlplane/main.c
FP_SRCS  := $(filter-out $(FP_MAINS),$(wildcard dataplane/*.c))
CP_SRCS  := $(filter-out $(CP_MAINS),$(wildcard controlplane/*.c))
FP_OBJS  := $(FP_SRCS:%.c=$(BUILD)/%.o)
CP_OBJS  := $(CP_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/*_fuzz.c)

PROGS := $(BUILD)/menjin-fp $(BUILD)/menjin-fpctl
ifneq ($(wildcard controlplane/main.c),)
PROGS += $(BUILD)/menjind
endif
ifneq ($(wildcard mgmt/cli.c),)
PROGS += $(BUILD)/menjin-cli
endif
ifneq ($(wildcard controlplane/tools/menjin-bundle.c),)
PROGS += $(BUILD)/menjin-bundle
endif

.PHONY: all deps test lint unit golden lab fuzz fuzz-run bench bench-auth run stop clean check-deps
all: $(PROGS) $(UNIT_BINS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

$(BUILD)/%.o: %.c $(wildcard dataplane/*.h controlplane/*.h mgmt/*.h)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libfp.a: $(FP_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libcp.a: $(CP_OBJS) $(BUILD)/dataplane/fpmsg.o
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/menjin-fp: $(BUILD)/dataplane/main.o $(BUILD)/libfp.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/menjin-fpctl: $(BUILD)/dataplane/fpctl.o $(BUILD)/libfp.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/menjind: $(BUILD)/controlplane/main.o $(BUILD)/libcp.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/menjin-bundle: controlplane/tools/menjin-bundle.c $(BUILD)/libcp.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcp.a $(LDLIBS)

$(BUILD)/menjin-cli: $(wildcard mgmt/*.c) $(BUILD)/libcp.a
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(wildcard mgmt/*.c) $(BUILD)/libcp.a $(LDLIBS) -ledit

$(BUILD)/tests/%_test: tests/unit/%_test.c $(BUILD)/libfp.a $(BUILD)/libcp.a
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcp.a $(BUILD)/libfp.a $(LDLIBS)

# Install every package the build, the tests and `make run` need. Idempotent:
# apt-get is only called when a package is missing. The servers the tests
# start themselves (FreeRADIUS, Samba, nginx, rsyslog, sshd) must not be
# started by their packages: policy-rc.d says no while apt runs.
DEB_PKGS := build-essential pkg-config clang llvm libclang-rt-14-dev \
            libdpdk-dev dpdk dpdk-dev libpcap-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev \
            libssl-dev libconfig-dev libcmocka-dev libevent-dev libjansson-dev libsqlite3-dev \
            sqlite3 libedit-dev libldap2-dev libxml2-dev libcurl4-openssl-dev \
            iproute2 iputils-ping netcat-openbsd tcpdump tshark python3 python3-scapy \
            isc-dhcp-client procps psmisc socat ethtool
# Packages of later features: one line each, added by the change that needs them.
DEB_PKGS += python3-matplotlib
DEB_PKGS += cppcheck
DEB_PKGS += shellcheck
DEB_PKGS += libsystemd-dev
DEB_PKGS += openssh-server
DEB_PKGS += openssh-client
DEB_PKGS += tmux
DEB_PKGS += wpasupplicant
DEB_PKGS += hostapd
DEB_PKGS += nginx-light
DEB_PKGS += rsyslog
DEB_PKGS += rsyslog-gnutls
DEB_PKGS += openssl
DEB_PKGS += freeradius
DEB_PKGS += freeradius-utils
DEB_PKGS += openssl
DEB_PKGS += python3-libconf
DEB_PKGS += samba
DEB_PKGS += samba-ad-provision
DEB_PKGS += samba-dsdb-modules
DEB_PKGS += samba-vfs-modules
DEB_PKGS += ldap-utils
DEB_PKGS += openscap-scanner
DEB_PKGS += libkrb5-dev
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$(echo $$missing | tr '\n' ' ')"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  guard=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; guard=1; fi; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; rc=$$?; \
	  [ -n "$$guard" ] && rm -f /usr/sbin/policy-rc.d; exit $$rc; \
	else echo "deps: all installed"; fi

test: deps
	$(MAKE) all
	$(MAKE) lint
	$(MAKE) fuzz
	bash tests/run.sh $(BUILD)

# Static analysis of the project's own code. System headers are not read
# (too slow, and not ours), so the few macros cppcheck must know are given.
CPPCHECK_DEFS := -D__x86_64__ \
	'-Djson_array_foreach(a,i,v)=for(i=0;i<json_array_size(a)&&(v=json_array_get(a,i));i++)' \
	'-Djson_object_foreach(o,k,v)=for(k=json_object_iter_key(json_object_iter(o));k&&(v=json_object_iter_value(json_object_key_to_iter(k)));k=json_object_iter_key(json_object_iter_next(o,json_object_key_to_iter(k))))' \
	'-DLIST_HEAD(name,type)=struct name{struct type*lh_first;}' \
	'-DLIST_ENTRY(type)=struct{struct type*le_next;struct type**le_prev;}' \
	'-DTAILQ_HEAD(name,type)=struct name{struct type*tqh_first;struct type**tqh_last;}' \
	'-DTAILQ_ENTRY(type)=struct{struct type*tqe_next;struct type**tqe_prev;}'
lint:
	cppcheck -q --std=c11 --enable=warning,portability --inline-suppr --error-exitcode=1 -j2 \
	  $(CPPCHECK_DEFS) -Idataplane -Icontrolplane -Imgmt dataplane controlplane mgmt

unit: all
	bash tests/run.sh $(BUILD) unit

golden: all
	bash tests/run.sh $(BUILD) golden

lab: all
	bash tests/run.sh $(BUILD) lab

# libFuzzer targets: the parsers compiled again with clang and the fuzzer runtime.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
               -Idataplane -Icontrolplane $(PKG_CFLAGS)
fuzz: deps
	@mkdir -p build-fuzz
	@set -e; for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
	  srcs=$$(sed -n 's/^ \* fuzz-sources: //p' $$f); \
	  echo "  FUZZ $$n"; \
	  clang $(FUZZ_CFLAGS) -o build-fuzz/$$n $$f $$srcs $(PKG_LIBS) -lpthread -lm; done

fuzz-run: fuzz
	bash tests/run.sh build-fuzz fuzz

bench: deps all
	bash tests/bench/run.sh $(BUILD)

# The 802.1X authentication storm: menjin against hostapd (docs/bench.md).
bench-auth: deps all
	bash tests/bench/run.sh $(BUILD) auth

run: deps all
	bash tests/lab/office.sh start $(BUILD)

stop:
	bash tests/lab/office.sh stop $(BUILD)

clean:
	rm -rf build build-san build-fuzz

# ---- appliance image (hw/, docs/appliance.md) -------------------------------
# make deb         build-image/menjin_VERSION_amd64.deb from the built tree
# make image       build-image/menjin.img: bootable Debian 12 appliance disk
#                  (PROFILE=qemu-virt|mj-a2|mj-r8, SITE=, ADMIN_KEY=, MAINT_KEY=)
# make test-image  boot it in qemu (no KVM), SSH in, `menjin-cli show stats`,
#                  upgrade, failed upgrade, rollback; about 5 minutes (plus
#                  2-5 when the Debian base is made), so not part of `make test`
IMAGE_DIR   ?= build-image
DEB_VERSION ?= 0.1.$(shell git rev-list --count HEAD 2>/dev/null || echo 0)
IMAGE_PKGS  := debootstrap qemu-system-x86 qemu-utils syslinux syslinux-common mtools dosfstools \
               e2fsprogs fdisk openssh-client dpkg-dev python3-libconf
.PHONY: deps-image deb image test-image
deps-image:
	@missing=$$(for p in $(IMAGE_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "deps-image: installing$$(echo $$missing | tr '\n' ' ')"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	else echo "deps-image: all installed"; fi

deb: all
	bash hw/image/mkdeb.sh $(BUILD) $(IMAGE_DIR) $(DEB_VERSION)

image: deps deps-image
	$(MAKE) deb
	bash hw/image/build-image.sh $(IMAGE_DIR)/menjin_$(DEB_VERSION)_amd64.deb $(IMAGE_DIR)

test-image: deps deps-image
	$(MAKE) deb
	bash hw/image/test-image.sh $(BUILD) $(IMAGE_DIR) $(DEB_VERSION)
