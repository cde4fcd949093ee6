# tests/lab/adlab.sh — a Samba AD DC of our own, for the AD sync lab test and
# benchmark. Source it after lib.sh; needs root and the packages samba,
# samba-ad-provision, samba-dsdb-modules, samba-vfs-modules, ldap-utils and
# openssl.
#
# The DC lives in its own network namespace and listens on that namespace's
# 127.0.0.1 only: Samba's LDAP ports (389, 636, 3268, 3269) are fixed, and a
# namespace keeps them from meeting anything else on this machine. Its TLS
# certificate is issued by a CA made here for the run (Samba's self-made one
# names DC1.menjin.test, which 127.0.0.1 cannot be verified against).
#
#   ad_lab_start DIR      provision into DIR, start samba, wait for LDAPS
#   ad_lab_stop           stop samba, remove the namespace (idempotent)
#   ad_ns CMD...          run CMD in the DC's namespace
#   ad_ldap CMD...        ldapmodify/ldapadd/ldapsearch as Administrator, over LDAPS
#   ad_tool ARGS...       samba-tool on the DC's database
#   ad_conf FILE [CA] [URIS]   an ad {} configuration for the service account
#   ad_keytab_conf FILE   the same with a keytab (SASL GSSAPI bind) instead of the password;
#                         writes $AD_DIR/krb5.conf (use KRB5_CONFIG) and $AD_DIR/svc.keytab
#
# Inside the namespace dc1.menjin.test is 127.0.0.1 (/etc/netns/NS/hosts,
# which `ip netns exec` mounts over /etc/hosts): Kerberos names the DC's
# LDAP service ldap/dc1.menjin.test, and the certificate names it too.

AD_REALM=MENJIN.TEST
AD_DOMAIN=MENJIN
AD_NC="DC=menjin,DC=test"
AD_ADMIN_PW='Menjin-Adm1n-Pw!'
AD_SVC=svc-menjin
AD_SVC_PW='Svc-Menjin-Pw-2026!'
AD_COMPUTERS="OU=Computers,OU=Office,$AD_NC"
AD_GROUPS="OU=Groups,OU=Office,$AD_NC"
AD_MAX_RUNTIME=1800          # samba ends itself after this many seconds, whatever happens to us
AD_NS=""
AD_PID=""
AD_DIR=""

ad_ns() { ip netns exec "$AD_NS" "$@"; }

ad_tool() { samba-tool "$@" -s "$AD_DIR/dc/etc/smb.conf"; }

ad_ldap() {
	local cmd=$1; shift
	ad_ns env LDAPTLS_CACERT="$AD_DIR/tls/ca.pem" LDAPTLS_REQCERT=demand \
		"$cmd" -H ldaps://127.0.0.1 -x -D "Administrator@menjin.test" -w "$AD_ADMIN_PW" "$@"
}

ad_lab_stop() {
	if [ -n "$AD_PID" ]; then
		kill "$AD_PID" 2>/dev/null
		for ((i = 0; i < 100; i++)); do kill -0 "$AD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$AD_PID" 2>/dev/null
		wait "$AD_PID" 2>/dev/null
		AD_PID=""
	fi
	[ -n "$AD_NS" ] && ip netns del "$AD_NS" 2>/dev/null
	[ -n "$AD_NS" ] && rm -rf "/etc/netns/$AD_NS"
	AD_NS=""
	true
}

# Start (again) the samba of an already provisioned DIR.
ad_lab_run() {
	# Not through ad_ns: $! must be samba itself (ip netns exec execs it),
	# not a subshell, or stopping it would leave samba running.
	ip netns exec "$AD_NS" samba -i -M single --maximum-runtime=$AD_MAX_RUNTIME \
		-s "$AD_DIR/dc/etc/smb.conf" >>"$AD_DIR/samba.log" 2>&1 &
	AD_PID=$!
	if ! wait_for 600 ad_ns bash -c 'exec 3<>/dev/tcp/127.0.0.1/636'; then
		echo "# samba did not listen on 636 within 60 s; its log:"
		tail -n 30 "$AD_DIR/samba.log" | sed 's/^/#   /'
		return 1
	fi
}

ad_lab_start() {
	AD_DIR=$1
	AD_NS=mjad$$
	mkdir -p "$AD_DIR/tls" "$AD_DIR/dc/run" "$AD_DIR/dc/log"
	ip netns add "$AD_NS" || return 1
	ad_ns ip link set lo up
	mkdir -p "/etc/netns/$AD_NS"
	printf '127.0.0.1 localhost dc1.%s dc1\n' "${AD_REALM,,}" >"/etc/netns/$AD_NS/hosts"

	# A CA for this run, the DC's certificate for 127.0.0.1, and an unrelated
	# CA that must not be trusted.
	(
		cd "$AD_DIR/tls" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=menjin lab CA" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other-ca.pem -days 2 \
			-subj "/CN=menjin lab CA" &&
		openssl req -newkey rsa:2048 -nodes -keyout dc.key -out dc.csr -subj "/CN=127.0.0.1" &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:dc1.menjin.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext &&
		openssl x509 -req -in dc.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out dc.pem -days 2 \
			-extfile ext &&
		chmod 600 dc.key ca.key other.key
	) >"$AD_DIR/tls.log" 2>&1 || { echo "# openssl failed:"; sed 's/^/#   /' "$AD_DIR/tls.log"; return 1; }

	# Only the LDAP server and the KDC (for the keytab bind): no DNS, no SMB,
	# no winbindd is needed to read the directory, and none of them should
	# open ports here. A test DC needs no fsync per write (Samba's own
	# selftest runs so too). A GSSAPI bind inside TLS carries no SASL
	# security layer (Windows DCs refuse one there); Samba wants
	# allow_sasl_over_tls for that.
	samba-tool domain provision --realm=$AD_REALM --domain=$AD_DOMAIN --server-role=dc \
		--dns-backend=NONE --use-rfc2307 --adminpass="$AD_ADMIN_PW" --targetdir="$AD_DIR/dc" \
		--host-name=dc1 \
		--option="interfaces = 127.0.0.1" --option="bind interfaces only = yes" \
		--option="server services = ldap kdc" --option="ldb:nosync = true" \
		--option="ldap server require strong auth = allow_sasl_over_tls" \
		--option="tls enabled = yes" --option="tls keyfile = $AD_DIR/tls/dc.key" \
		--option="tls certfile = $AD_DIR/tls/dc.pem" --option="tls cafile = $AD_DIR/tls/ca.pem" \
		--option="pid directory = $AD_DIR/dc/run" --option="log file = $AD_DIR/dc/log/log.%m" \
		--option="ncalrpc dir = $AD_DIR/dc/run/ncalrpc" \
		--option="winbindd socket directory = $AD_DIR/dc/run/winbindd" \
		>"$AD_DIR/provision.log" 2>&1 ||
		{ echo "# provision failed:"; tail -n 20 "$AD_DIR/provision.log" | sed 's/^/#   /'; return 1; }
	ad_lab_run
}

# The service account the sync binds as: an ordinary user, and the right to
# list the Deleted Objects container (AD lets only administrators list it by
# default, [MS-ADTS] 3.1.1.5.5.5.1), so deletions show in incremental syncs.
ad_service_account() {
	ad_tool user create "$AD_SVC" "$AD_SVC_PW" >/dev/null || return 1
	printf '%s\n' "$AD_SVC_PW" >"$AD_DIR/ad.pass"
	chmod 600 "$AD_DIR/ad.pass"
}

ad_conf() { # file [ca] [uris]
	local ca=${2:-$AD_DIR/tls/ca.pem} uris=${3:-'"ldaps://127.0.0.1"'}
	cat >"$1" <<-EOF
	ad = {
	  uris = [ $uris ];
	  bind_dn = "$AD_SVC@menjin.test";
	  password_file = "$AD_DIR/ad.pass";
	  ca_file = "$ca";
	  computer_base = "$AD_COMPUTERS";
	  group_base = "$AD_GROUPS";
	  poll_interval = 60;
	  full_interval = 3600;
	  timeout = 20;
	};
	EOF
}

# A krb5.conf for the DC's realm (KDC on the namespace's 127.0.0.1, no DNS
# lookups) and the service account's keys exported from the DC.
ad_keytab_conf() { # file
	cat >"$AD_DIR/krb5.conf" <<-EOF
	[libdefaults]
	  default_realm = $AD_REALM
	  dns_lookup_kdc = false
	  dns_lookup_realm = false
	  dns_canonicalize_hostname = false
	  rdns = false
	[realms]
	  $AD_REALM = {
	    kdc = 127.0.0.1
	  }
	[domain_realm]
	  .${AD_REALM,,} = $AD_REALM
	EOF
	rm -f "$AD_DIR/svc.keytab"
	# A Windows DC registers ldap/<its FQDN>; Samba does it in samba_spnupdate,
	# which runs with the DNS service this DC does not start.
	if ! ad_tool spn list 'DC1$' | grep -qi "ldap/dc1.${AD_REALM,,}$"; then
		ad_tool spn add "ldap/dc1.${AD_REALM,,}" 'DC1$' >/dev/null || return 1
	fi
	ad_tool domain exportkeytab "$AD_DIR/svc.keytab" --principal="$AD_SVC@$AD_REALM" >/dev/null || return 1
	chmod 600 "$AD_DIR/svc.keytab"
	ad_conf "$1" "$AD_DIR/tls/ca.pem" "\"ldaps://dc1.${AD_REALM,,}\""
	sed -i -e "s|bind_dn = .*|bind_dn = \"$AD_SVC@$AD_REALM\";|" \
	       -e "s|password_file = .*|keytab_file = \"$AD_DIR/svc.keytab\";|" "$1"
}
