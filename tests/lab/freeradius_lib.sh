# tests/lab/freeradius_lib.sh — a FreeRADIUS for the lab tests, on loopback,
# with a generated configuration (source after lib.sh). The same server as
# radius_freeradius_test.sh's (EAP-MD5, PAP for MAB, accounting to a detail
# file, Message-Authenticator on every reply), plus PEAP-MSCHAPv2 with an
# inner tunnel whose reply (Filter-Id) reaches the outer Access-Accept.
#
#   fr_pki DIR                      a CA and a server certificate in DIR/pki
#   fr_config DIR AUTH ACCT SECRET  DIR/radiusd.conf (users file: DIR/users)
#   fr_start DIR / fr_stop          FreeRADIUS in the foreground, log DIR/radiusd.log
#   fr_alive AUTH SECRET            it answers Status-Server

fr_pki() (
	mkdir -p "$1/pki" && cd "$1/pki" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
		-days 2 -subj "/CN=menjin lab CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" || exit 1
	printf 'subjectAltName=IP:127.0.0.1,DNS:radius.lab\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' >leaf.ext
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
		-subj "/CN=radius.lab" || exit 1
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
		-extfile leaf.ext || exit 1
) >"$1/openssl.log" 2>&1

fr_config() {
	local dir=$1 authport=$2 acctport=$3 secret=$4
	mkdir -p "$dir/log" "$dir/run" "$dir/acct"
	cat >"$dir/radiusd.conf" <<EOF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = $dir/log
raddbdir = $dir
radacctdir = $dir/acct
name = freeradius
confdir = \${raddbdir}
modconfdir = \${confdir}
certdir = \${confdir}
cadir = \${confdir}
run_dir = $dir/run
db_dir = $dir
libdir = /usr/lib/freeradius
pidfile = \${run_dir}/radiusd.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 4096
hostname_lookups = no
log {
	destination = stderr
	auth = yes
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = yes
}
thread pool {
	start_servers = 4
	max_servers = 8
	min_spare_servers = 1
	max_spare_servers = 8
	max_requests_per_server = 0
}
client menjin {
	ipaddr = 127.0.0.1
	secret = $secret
	require_message_authenticator = yes
}
modules {
	eap {
		default_eap_type = md5
		timer_expire = 60
		ignore_unknown_eap_types = no
		max_sessions = 4096
		md5 {
		}
		tls-config tls-common {
			private_key_file = $dir/pki/server.key
			certificate_file = $dir/pki/server.pem
			ca_file = $dir/pki/ca.pem
			cipher_list = "DEFAULT"
			tls_min_version = "1.2"
			tls_max_version = "1.2"
		}
		peap {
			tls = tls-common
			default_eap_type = mschapv2
			virtual_server = "inner-tunnel"
		}
		mschapv2 {
		}
	}
	mschap {
	}
	pap {
	}
	files {
		filename = \${confdir}/users
	}
	detail {
		filename = \${radacctdir}/detail
		header = "%t"
	}
}
server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $authport
	}
	listen {
		type = acct
		ipaddr = 127.0.0.1
		port = $acctport
	}
	authorize {
		files
		eap {
			ok = return
		}
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
		eap
	}
	accounting {
		detail
		update reply {
			Message-Authenticator := 0x00
		}
	}
	post-auth {
		# The inner tunnel's reply (Filter-Id of a PEAP user) goes out here.
		update {
			&reply: += &session-state:
		}
		update reply {
			Message-Authenticator := 0x00
		}
		Post-Auth-Type REJECT {
			update reply {
				Message-Authenticator := 0x00
			}
		}
	}
}
server inner-tunnel {
	authorize {
		files
		mschap
		eap {
			ok = return
		}
	}
	authenticate {
		Auth-Type MS-CHAP {
			mschap
		}
		eap
	}
	post-auth {
		update outer.session-state {
			Filter-Id := &reply:Filter-Id
		}
	}
}
EOF
}

fr_start() {
	freeradius -f -xx -l stdout -d "$1" -n radiusd >>"$1/radiusd.log" 2>&1 9>&- &
	FR_PID=$!
}

fr_stop() {
	[ -n "${FR_PID:-}" ] || return 0
	kill "$FR_PID" 2>/dev/null
	wait "$FR_PID" 2>/dev/null
	FR_PID=
}

fr_alive() {
	echo "Message-Authenticator = 0x00" | radclient -r 1 -t 1 "127.0.0.1:$1" status "$2" 2>/dev/null | grep -q Access-Accept
}
