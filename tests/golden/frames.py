#!/usr/bin/python3
"""Golden frames for menjin-fp: writes lan_in.pcap and up_in.pcap (what the
ports receive), lan_expected.pcap and up_expected.pcap (what must leave
them), tables.fpctl (the device table and policy loaded before traffic) and
counters.txt (drop counters that must result).

Every input frame carries its expected fate by hand, not by a second
implementation of the policy: read the table below as the specification.

usage: frames.py OUTDIR
"""
import os
import sys

from scapy.all import (ARP, DNS, DNSQR, ICMP, IP, TCP, UDP, BOOTP, DHCP, Dot1Q, Ether, IPv6,
                       ICMPv6ND_NS, Raw, wrpcap)
from scapy.layers.eap import EAPOL

ADMITTED = "02:00:00:00:00:01"      # role 10: tcp 8080 to 10.10.0.100, icmp anywhere
ADMIT_FREE = "02:00:00:00:00:02"    # role 0: unrestricted
QUARANTINED = "02:00:00:00:00:03"
BLOCKED = "02:00:00:00:00:04"
NO_ROLE = "02:00:00:00:00:05"       # admitted with role 99, which has no ACL
UNKNOWN = "02:00:00:00:00:66"
ROUTER = "02:00:00:00:ff:01"
BCAST = "ff:ff:ff:ff:ff:ff"

TABLES = """\
acl-set 10 default deny rule permit proto tcp to 10.10.0.100/32 port 8080 id 1 rule permit proto icmp id 2
blocklist-set replace 203.0.113.0/24=77 2001:db8:bad::/48=78
device-set {a} admitted role 10
device-set {f} admitted role 0
device-set {q} quarantined
device-set {b} blocked
device-set {n} admitted role 99
commit 5
""".format(a=ADMITTED, f=ADMIT_FREE, q=QUARANTINED, b=BLOCKED, n=NO_ROLE)

PC_IP = "10.10.1.11"


def tcp(src, dst_ip, dport, vlan=None, dst=ROUTER, payload=b"x" * 10):
    e = Ether(src=src, dst=dst)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan)
    return e / IP(src=PC_IP, dst=dst_ip) / TCP(sport=40000, dport=dport, flags="S") / Raw(payload)


def udp(src, dst_ip, dport, dst=ROUTER):
    return Ether(src=src, dst=dst) / IP(src=PC_IP, dst=dst_ip) / UDP(sport=5353, dport=dport) / Raw(b"q" * 8)


def dns(src, resolver):
    return Ether(src=src, dst=ROUTER) / IP(src=PC_IP, dst=resolver) / UDP(sport=3333, dport=53) / \
        DNS(rd=1, qd=DNSQR(qname="gcb.example.tw"))


def dhcp_discover(src):
    return Ether(src=src, dst=BCAST) / IP(src="0.0.0.0", dst="255.255.255.255") / \
        UDP(sport=68, dport=67) / BOOTP(chaddr=bytes.fromhex(src.replace(":", ""))) / \
        DHCP(options=[("message-type", "discover"), ("hostname", b"pc-001"), "end"])


def arp(src):
    return Ether(src=src, dst=BCAST) / ARP(hwsrc=src, psrc=PC_IP, pdst="10.10.0.1")


def ping(src, dst_ip):
    return Ether(src=src, dst=ROUTER) / IP(src=PC_IP, dst=dst_ip) / ICMP()


# (frame, forwarded?) — frames received on the LAN port
LAN = [
    (tcp(ADMITTED, "10.10.0.100", 8080), True),            # role ACL permits
    (tcp(ADMITTED, "10.10.0.100", 9090), False),           # acl: port outside the rule
    (tcp(ADMITTED, "10.10.0.101", 8080), False),           # acl: address outside the rule
    (ping(ADMITTED, "192.168.5.5"), True),                 # acl: icmp anywhere
    (ping(ADMITTED, "203.0.113.9"), False),                # blocklist 77
    (tcp(ADMITTED, "10.10.0.100", 8080, vlan=30), True),   # VLAN tag kept
    (tcp(ADMIT_FREE, "8.8.4.4", 443), True),               # role 0 unrestricted
    (tcp(ADMIT_FREE, "203.0.113.200", 443), False),        # blocklist applies to role 0
    (Ether(src=ADMIT_FREE, dst=ROUTER) / IPv6(src="2001:db8:1::5", dst="2001:db8:bad::1") /
     TCP(sport=1, dport=443), False),                      # blocklist 78, IPv6
    (Ether(src=ADMIT_FREE, dst=ROUTER) / IPv6(src="2001:db8:1::5", dst="2001:db8:1::1") /
     TCP(sport=1, dport=443), True),                       # IPv6 forwarded
    (tcp(QUARANTINED, "10.10.0.100", 8080), False),        # quarantine
    (tcp(QUARANTINED, "10.10.0.80", 443), True),           # remediation server port 443
    (tcp(QUARANTINED, "10.10.0.80", 22), False),           # remediation, wrong port
    (dns(QUARANTINED, "10.10.0.53"), True),                # configured resolver
    (dns(QUARANTINED, "8.8.8.8"), False),                  # other resolver
    (dhcp_discover(QUARANTINED), True),                    # DHCP always
    (arp(QUARANTINED), True),                              # ARP always
    (tcp(BLOCKED, "10.10.0.80", 443), False),              # blocked: nothing
    (arp(BLOCKED), False),
    (dhcp_discover(BLOCKED), False),
    (tcp(UNKNOWN, "10.10.0.100", 8080), False),            # unknown -> quarantine
    (dns(UNKNOWN, "10.10.0.53"), True),
    (tcp(NO_ROLE, "10.10.0.100", 8080), False),            # admitted, role without ACL
    (Ether(src=ADMITTED, dst="01:80:c2:00:00:03") / EAPOL(version=2, type=1), False),  # consumed
    (Ether(src=ADMITTED, dst="01:80:c2:00:00:0e", type=0x88cc) / Raw(b"\x02" * 20), False),  # LLDP
    (Ether(src=ADMITTED, dst=ROUTER, type=0x0800) / Raw(b"\x45\x00\x00"), False),  # truncated IPv4
    (Ether(src="03:00:00:00:00:01", dst=ROUTER) / IP(dst="10.10.0.1") / ICMP(), False),  # multicast src
    (Ether(src=ADMITTED, dst=ROUTER) / Dot1Q(vlan=1) / Dot1Q(vlan=2) / IP(dst="10.10.0.1"), False),  # QinQ
    (Ether(src=ADMITTED, dst=ROUTER) / IPv6(src="fe80::1", dst="ff02::1:ff00:1") /
     ICMPv6ND_NS(tgt="fe80::2"), True),                    # ND from an admitted host
]

# frames received on the uplink port (to the LAN devices)
UP = [
    (Ether(src=ROUTER, dst=ADMITTED) / IP(src="10.10.0.100", dst=PC_IP) / TCP(sport=8080, dport=40000, flags="SA"), True),
    (Ether(src=ROUTER, dst=ADMITTED) / IP(src="10.10.0.100", dst=PC_IP) / TCP(sport=9090, dport=40000, flags="SA"), False),
    (Ether(src=ROUTER, dst=ADMITTED) / IP(src="203.0.113.9", dst=PC_IP) / ICMP(type=0), False),  # blocklisted source
    (Ether(src=ROUTER, dst=QUARANTINED) / IP(src="10.10.0.53", dst=PC_IP) / UDP(sport=53, dport=3333) / DNS(qr=1), True),
    (Ether(src=ROUTER, dst=QUARANTINED) / IP(src="10.10.0.100", dst=PC_IP) / TCP(sport=8080, dport=40000), False),
    (Ether(src=ROUTER, dst=QUARANTINED) / IP(src="10.10.0.80", dst=PC_IP) / TCP(sport=443, dport=40000), True),
    (Ether(src=ROUTER, dst=BLOCKED) / IP(src="10.10.0.80", dst=PC_IP) / TCP(sport=443, dport=40000), False),
    (Ether(src=ROUTER, dst=BCAST) / ARP(op=1, psrc="10.10.0.1", pdst=PC_IP), True),  # broadcast flooded
    (Ether(src=ROUTER, dst=UNKNOWN) / IP(src="10.10.0.100", dst=PC_IP) / TCP(sport=8080, dport=40000), False),
    (Ether(src=ROUTER, dst=UNKNOWN) / IP(src="10.10.0.1", dst=PC_IP) / UDP(sport=67, dport=68) / BOOTP(op=2), True),
    (Ether(src=ROUTER, dst="01:80:c2:00:00:03") / EAPOL(version=2, type=0), False),  # EAPOL from uplink
]

# drop counters the run must end with (exact)
COUNTERS = {
    "drop.acl": 3,
    "drop.blocklist": 4,
    "drop.quarantine": 4,
    "drop.blocked": 4,
    "drop.unknown": 2,
    "drop.no_role": 1,
    "drop.eapol_consumed": 1,
    "drop.link_local": 2,
    "drop.malformed": 3,
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    wrpcap(os.path.join(out, "lan_in.pcap"), [f for f, _ in LAN])
    wrpcap(os.path.join(out, "up_in.pcap"), [f for f, _ in UP])
    wrpcap(os.path.join(out, "up_expected.pcap"), [f for f, fwd in LAN if fwd])
    wrpcap(os.path.join(out, "lan_expected.pcap"), [f for f, fwd in UP if fwd])
    with open(os.path.join(out, "tables.fpctl"), "w") as f:
        f.write(TABLES)
    with open(os.path.join(out, "counters.txt"), "w") as f:
        for k, v in COUNTERS.items():
            f.write("%s %d\n" % (k, v))
    with open(os.path.join(out, "counts.txt"), "w") as f:
        f.write("%d %d\n" % (len(LAN), len(UP)))


if __name__ == "__main__":
    main()
