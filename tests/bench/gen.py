#!/usr/bin/python3
"""Benchmark traffic and tables for menjin-fp.

  gen.py mix OUTDIR NAME --pool P [--random] [--blocks N]
      NAME_lan.pcap  frames arriving on the LAN port
      NAME_up.pcap   the same conversations' replies, arriving on the uplink
      NAME.json      what one block of frames must do (fate per direction),
                     distinct MACs, frame count
  gen.py tables OUTDIR [--devices S...] [--prefixes N...] [--swaps N] [--dev-updates N]
      acl.fpctl            50 roles x 20 rules = 1,000 role ACL rules
      blocklist_N.txt      N prefixes (PREFIX=ID); every larger list contains the 1k list
      devices_S.txt        the first S known devices of the device universe
      devices_pool_P.txt   the known devices among indexes 0..P-1
      swaps.fpctl          N table swaps (acl-set + blocklist-load replace + commit)
      dev_updates.txt      device-load lines re-setting known devices to their state
  gen.py selftest         parse one frame of every kind with scapy and compare

The device universe: index i has MAC 02:6d:6a:ii:ii:ii and a class fixed by
i % 20 (0-1 admitted role 0, 2-11 admitted with role 1 + (i // 20) % 50,
12-14 quarantined, 15-16 blocked, 17-19 unknown: never in a table).

Frames come in blocks of 200 with the same sequence of kinds in every
block, so any window of L consecutive frames holds L/200 blocks' worth of
each fate give or take one block: the hitless check relies on that. The
kinds and their fates are the table KINDS below, read it as the
specification (written by hand from configs/menjin.conf and
dataplane/decide.c, not computed by a second implementation).

Raw bytes with struct, not scapy: 40,000 frames in a couple of seconds.
"""
import argparse
import json
import os
import random
import struct
import sys

ROUTER_MAC = bytes.fromhex("02000000ff01")
BCAST = b"\xff" * 6
EAPOL_GROUP = bytes.fromhex("0180c2000003")
RESOLVER = "10.10.0.53"
REMEDIATION = "10.10.0.80"
DHCP_SERVER = "10.10.0.1"
NROLES = 50
RULES_PER_ROLE = 20
BLOCK = 200

# ---------------------------------------------------------------- devices


def dev_mac(i):
    return bytes([0x02, 0x6D, 0x6A, (i >> 16) & 255, (i >> 8) & 255, i & 255])


def mac_text(b):
    return ":".join("%02x" % x for x in b)


def dev_class(i):
    m = i % 20
    if m < 2:
        return "adm_free"
    if m < 12:
        return "adm_role"
    if m < 15:
        return "quar"
    if m < 17:
        return "blk"
    return "unk"


def dev_role(i):
    return 1 + (i // 20) % NROLES if dev_class(i) == "adm_role" else 0


def dev_line(i):
    c = dev_class(i)
    if c == "adm_free":
        return "%s admitted role 0" % mac_text(dev_mac(i))
    if c == "adm_role":
        return "%s admitted role %d" % (mac_text(dev_mac(i)), dev_role(i))
    if c == "quar":
        return "%s quarantined" % mac_text(dev_mac(i))
    if c == "blk":
        return "%s blocked" % mac_text(dev_mac(i))
    return None


def known_indexes(count=None, pool=None):
    """The first `count` known devices, or the known ones below `pool`."""
    i = n = 0
    while (count is None or n < count) and (pool is None or i < pool):
        if dev_class(i) != "unk":
            yield i
            n += 1
        i += 1


def pool_for(count):
    """Smallest pool (indexes 0..P-1) holding `count` known devices."""
    last = 0
    for last in known_indexes(count=count):
        pass
    return last + 1

# ---------------------------------------------------------------- role ACLs
# Role r: rules 0-9 permit tcp to 10.(100+r).k.0/24 ports 8000+10k..+9;
# 10-15 permit udp to 2001:db8:r:k::/64 port 5000+k; 16 permit icmp to
# 10.(100+r).16.0/24; 17 permit icmpv6 to 2001:db8:r:11::/64; 18 deny tcp
# port 23 anywhere; 19 permit tcp to 10.(100+r).0.0/16 port 443; default deny.


def role_rules(r):
    out = []
    for k in range(RULES_PER_ROLE):
        rid = r * 100 + k
        if k < 10:
            out.append("rule permit proto tcp to 10.%d.%d.0/24 port %d-%d id %d"
                       % (100 + r, k, 8000 + 10 * k, 8009 + 10 * k, rid))
        elif k < 16:
            out.append("rule permit proto udp to 2001:db8:%x:%x::/64 port %d id %d"
                       % (r, k, 5000 + k, rid))
        elif k == 16:
            out.append("rule permit proto icmp to 10.%d.16.0/24 id %d" % (100 + r, rid))
        elif k == 17:
            out.append("rule permit proto icmpv6 to 2001:db8:%x:b::/64 id %d" % (r, rid))
        elif k == 18:
            out.append("rule deny proto tcp port 23 id %d" % rid)
        else:
            out.append("rule permit proto tcp to 10.%d.0.0/16 port 443 id %d" % (100 + r, rid))
    return out


def acl_line(r):
    return "acl-set %d default deny %s" % (r, " ".join(role_rules(r)))

# ---------------------------------------------------------------- blocklists
# The 1k list: 600 IPv4 /32 in 198.18.0.0/15 (256 distinct /24), 200 IPv4 /24
# in 198.19.0.0/16, 150 IPv6 /48 in 2001:db8:8000::/33, 50 IPv6 /128.
# Larger lists add prefixes that no benchmark frame can match: IPv4 outside
# 10/8, 100.64/10, 198.18/15 (/32s clustered 14 to a /24: the fast path takes
# at most 65,536 distinct /24 holding longer prefixes, blocklist.h), /24s,
# some /16-/22; IPv6 /48 under 2a00:1000::/24 and /128 under 2a01:2000::/32.


def blocklist_1k(rng):
    out = []
    seen = set()
    while len(out) < 600:
        a = "198.18.%d.%d" % (rng.randrange(256), rng.randrange(1, 255))
        if a not in seen:
            seen.add(a)
            out.append(a + "/32")
    nets = rng.sample(range(256), 200)
    out += ["198.19.%d.0/24" % n for n in nets]
    nets = rng.sample(range(0x8000, 0x10000), 150)
    out += ["2001:db8:%x::/48" % n for n in nets]
    seen = set()
    while len(out) < 1000:
        a = "2001:db8:7fff:%x::%x" % (rng.randrange(65536), rng.randrange(1, 65536))
        if a not in seen:
            seen.add(a)
            out.append(a + "/128")
    return out


def v4_ok(first):
    return first not in (0, 10, 100, 127, 198) and first < 224


def blocklist_extra(rng, n):
    """n prefixes outside every benchmark address."""
    out = []
    n32 = int(n * 0.70)
    n24 = int(n * 0.20)
    nshort = int(n * 0.02)
    n48 = int(n * 0.05)
    n128 = n - n32 - n24 - nshort - n48
    nets = set()
    while len(nets) < max(1, (n32 + 13) // 14):
        a = rng.randrange(1 << 24)
        if v4_ok(a >> 16):
            nets.add(a)
    nets = sorted(nets)
    hosts = set()
    while len(hosts) < n32:
        hosts.add((rng.choice(nets) << 8) | rng.randrange(1, 255))
    out += ["%d.%d.%d.%d/32" % (h >> 24, (h >> 16) & 255, (h >> 8) & 255, h & 255) for h in hosts]
    s24 = set()
    while len(s24) < n24:
        a = rng.randrange(1 << 24)
        if v4_ok(a >> 16):
            s24.add(a)
    out += ["%d.%d.%d.0/24" % (a >> 16, (a >> 8) & 255, a & 255) for a in s24]
    for _ in range(nshort):
        plen = rng.randrange(16, 23)
        while True:
            a = rng.randrange(1 << 32) & ~((1 << (32 - plen)) - 1) & 0xFFFFFFFF
            if v4_ok(a >> 24):
                break
        out.append("%d.%d.%d.%d/%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, plen))
    s48 = set()
    while len(s48) < n48:
        s48.add((rng.randrange(256), rng.randrange(65536)))
    out += ["2a00:10%02x:%x::/48" % (a, b) for a, b in s48]
    s128 = set()
    while len(s128) < n128:
        s128.add((rng.randrange(65536), rng.randrange(1 << 32)))
    out += ["2a01:2000:%x::%x:%x/128" % (a, b >> 16, b & 0xFFFF) for a, b in s128]
    rng.shuffle(out)
    return out

# ---------------------------------------------------------------- frames


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def eth(dst, src, etype, payload, vlan=None):
    if vlan is not None:
        return dst + src + struct.pack("!HHH", 0x8100, vlan, etype) + payload
    return dst + src + struct.pack("!H", etype) + payload


def l4(proto, sport, dport, payload, src, dst, v6, tcp_flags=0x02):
    if proto == 6:
        hdr = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, tcp_flags, 65535, 0, 0)
    else:
        hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    seg = hdr + payload
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), proto)
    else:
        pseudo = src + dst + struct.pack("!xBH", proto, len(seg))
    c = csum(pseudo + seg)
    if proto == 17 and c == 0:
        c = 0xFFFF
    off = 16 if proto == 6 else 6
    return seg[:off] + struct.pack("!H", c) + seg[off + 2:]


def ipv4(src, dst, proto, payload, ident=1):
    s, d = ip4(src), ip4(dst)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0, 64, proto, 0, s, d)
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64, ip6(src), ip6(dst)) + payload


def v4_l4(proto, src, dst, sport, dport, payload, ident=1, flags=0x02):
    return ipv4(src, dst, proto, l4(proto, sport, dport, payload, ip4(src), ip4(dst), False, flags), ident)


def v6_l4(proto, src, dst, sport, dport, payload, flags=0x02):
    return ipv6(src, dst, proto, l4(proto, sport, dport, payload, ip6(src), ip6(dst), True, flags))


def icmp4(src, dst, typ, ident):
    body = struct.pack("!BBHHH", typ, 0, 0, ident & 0xFFFF, 1) + b"menjin-bench...."
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    return ipv4(src, dst, 1, body, ident)


def dns_query(ident):
    return struct.pack("!HHHHHH", ident & 0xFFFF, 0x0100, 1, 0, 0, 0) + \
        b"\x03gcb\x07example\x02tw\x00" + struct.pack("!HH", 1, 1)


def dhcp(mac, op, xid):
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4,
                        b"\0" * 4, b"\0" * 4, b"\0" * 4, mac + b"\0" * 10, b"", b"")
    opts = b"\x63\x82\x53\x63" + bytes([53, 1, 1 if op == 1 else 2]) + \
        bytes([12, 6]) + b"pc-001" + b"\xff"
    return bootp + opts


def arp(op, smac, sip, tmac, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, smac, ip4(sip), tmac, ip4(tip))


def pad(f):
    return f + b"\0" * (60 - len(f)) if len(f) < 60 else f


# Every kind: count per block of 200, class of device, and the fate of the
# LAN frame and of its reply on the uplink ("fwd" or the drop counter).
# Punts are not listed: they are copies, counted apart, rate-dependent.
KINDS = [
    # kind               n   class       LAN fate           uplink fate
    ("adm_v4_permit",   54, "adm_role", "fwd",             "fwd"),
    ("adm_v4_vlan",      4, "adm_role", "fwd",             "fwd"),
    ("adm_v4_443",       4, "adm_role", "fwd",             "fwd"),
    ("adm_v6_permit",   20, "adm_role", "fwd",             "fwd"),
    ("adm_icmp",         4, "adm_role", "fwd",             "fwd"),
    ("adm_v4_deny",     12, "adm_role", "drop.acl",        "drop.acl"),
    ("adm_v6_deny",      4, "adm_role", "drop.acl",        "drop.acl"),
    ("adm_telnet",       2, "adm_role", "drop.acl",        "drop.acl"),
    ("adm_v4_bl",        4, "adm_role", "drop.blocklist",  "drop.blocklist"),
    ("adm_v6_bl",        2, "adm_role", "drop.blocklist",  "drop.blocklist"),
    ("adm_dhcp",         1, "adm_role", "fwd",             "fwd"),
    ("adm_eapol",        1, "adm_role", "drop.eapol_consumed", "drop.link_local"),
    ("free_v4",         24, "adm_free", "fwd",             "fwd"),
    ("free_v6_udp",     10, "adm_free", "fwd",             "fwd"),
    ("free_v4_bl",       2, "adm_free", "drop.blocklist",  "drop.blocklist"),
    ("q_dns",            6, "quar",     "fwd",             "fwd"),
    ("q_remed",          6, "quar",     "fwd",             "fwd"),
    ("q_other",          8, "quar",     "drop.quarantine", "drop.quarantine"),
    ("q_dhcp",           1, "quar",     "fwd",             "fwd"),
    ("q_arp",            1, "quar",     "fwd",             "fwd"),
    ("blk_v4",           8, "blk",      "drop.blocked",    "drop.blocked"),
    ("blk_v6",           2, "blk",      "drop.blocked",    "drop.blocked"),
    ("unk_v4",          16, "unk",      "drop.unknown",    "drop.unknown"),
    ("unk_dns",          4, "unk",      "fwd",             "fwd"),
]
assert sum(k[1] for k in KINDS) == BLOCK


def frames_for(kind, i, n, bl, rng):
    """(LAN frame, uplink reply) for device i; n numbers frames; bl the
    1k blocklist (blocklisted destinations are taken from it)."""
    mac = dev_mac(i)
    r = dev_role(i)
    pc4 = "10.10.%d.%d" % ((i >> 8) & 255, i & 255 or 1)
    pc6 = "2001:db8:ffff::%x:%x" % (i >> 16, (i & 0xFFFF) + 1)
    size = 6 + (n * 37) % 170
    data = bytes([0x61 + n % 26]) * size
    sport = 20000 + n % 40000
    k = n % 10

    def tcp4(dst, dport, vlan=None, src_ip=pc4):
        lan = eth(ROUTER_MAC, mac, 0x0800, v4_l4(6, src_ip, dst, sport, dport, data, n), vlan)
        up = eth(mac, ROUTER_MAC, 0x0800, v4_l4(6, dst, src_ip, dport, sport, data, n, 0x12), vlan)
        return lan, up

    def udp4(dst, dport, payload=data):
        return (eth(ROUTER_MAC, mac, 0x0800, v4_l4(17, pc4, dst, sport, dport, payload, n)),
                eth(mac, ROUTER_MAC, 0x0800, v4_l4(17, dst, pc4, dport, sport, payload, n)))

    def l4v6(proto, dst, dport):
        return (eth(ROUTER_MAC, mac, 0x86DD, v6_l4(proto, pc6, dst, sport, dport, data)),
                eth(mac, ROUTER_MAC, 0x86DD, v6_l4(proto, dst, pc6, dport, sport, data, 0x12)))

    def bl_addr(v6):
        while True:
            p = rng.choice(bl)
            if (":" in p) == v6:
                break
        a, plen = p.split("/")
        if v6:
            return a.replace("::", ":%x::" % (n % 65535 + 1)) if plen == "48" else a
        if plen == "24":
            return a[:-1] + str(1 + n % 254)
        return a

    if kind == "adm_v4_permit":
        return tcp4("10.%d.%d.%d" % (100 + r, k, 1 + n % 250), 8000 + 10 * k + n % 10)
    if kind == "adm_v4_vlan":
        return tcp4("10.%d.%d.%d" % (100 + r, k, 1 + n % 250), 8000 + 10 * k, vlan=30)
    if kind == "adm_v4_443":
        return tcp4("10.%d.%d.%d" % (100 + r, 200 + k, 1 + n % 250), 443)
    if kind == "adm_v6_permit":
        kk = 10 + n % 6
        return l4v6(17, "2001:db8:%x:%x::%x" % (r, kk, 1 + n % 999), 5000 + kk)
    if kind == "adm_icmp":
        dst = "10.%d.16.%d" % (100 + r, 1 + n % 250)
        return (eth(ROUTER_MAC, mac, 0x0800, icmp4(pc4, dst, 8, n)),
                eth(mac, ROUTER_MAC, 0x0800, icmp4(dst, pc4, 0, n)))
    if kind == "adm_v4_deny":
        return tcp4("10.%d.%d.%d" % (100 + r, k, 1 + n % 250), 9999)
    if kind == "adm_v6_deny":
        return l4v6(6, "2001:db8:%x:%x::%x" % (r, 10 + n % 6, 1 + n % 999), 8443)
    if kind == "adm_telnet":
        return tcp4("10.%d.%d.%d" % (100 + r, k, 1 + n % 250), 23)
    if kind in ("adm_v4_bl", "free_v4_bl"):
        return tcp4(bl_addr(False), 8000 + 10 * k)
    if kind == "adm_v6_bl":
        return l4v6(17, bl_addr(True), 5010)
    if kind in ("adm_dhcp", "q_dhcp"):
        lan = eth(BCAST, mac, 0x0800, v4_l4(17, "0.0.0.0", "255.255.255.255", 68, 67, dhcp(mac, 1, n), n))
        up = eth(mac, ROUTER_MAC, 0x0800, v4_l4(17, DHCP_SERVER, "255.255.255.255", 67, 68, dhcp(mac, 2, n), n))
        return lan, up
    if kind == "adm_eapol":
        return (pad(eth(EAPOL_GROUP, mac, 0x888E, b"\x02\x01\x00\x00")),
                pad(eth(EAPOL_GROUP, ROUTER_MAC, 0x888E, b"\x02\x00\x00\x04\x01\x01\x00\x04")))
    if kind == "free_v4":
        return tcp4("100.%d.%d.%d" % (64 + n % 64, (n >> 6) & 255, 1 + n % 250), 443)
    if kind == "free_v6_udp":
        return l4v6(17, "2001:db8:1:%x::%x" % (n % 4096, 1 + n % 999), 443)
    if kind == "q_dns":
        return udp4(RESOLVER, 53, dns_query(n))
    if kind == "unk_dns":
        return udp4(RESOLVER, 53, dns_query(n))
    if kind == "q_remed":
        return tcp4(REMEDIATION, 443 if n % 2 else 80)
    if kind == "q_other":
        return tcp4("10.%d.%d.%d" % (100 + n % 50, k, 1 + n % 250), 8000)
    if kind == "q_arp":
        return (pad(eth(BCAST, mac, 0x0806, arp(1, mac, pc4, b"\0" * 6, "10.10.0.1"))),
                pad(eth(mac, ROUTER_MAC, 0x0806, arp(2, ROUTER_MAC, "10.10.0.1", mac, pc4))))
    if kind == "blk_v4":
        return tcp4(REMEDIATION, 443)
    if kind == "blk_v6":
        return l4v6(6, "2001:db8:1::1", 443)
    if kind == "unk_v4":
        return tcp4("10.%d.0.%d" % (100 + n % 50, 1 + n % 250), 8000)
    raise ValueError(kind)


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + n // 1000000, n % 1000000, len(fr), len(fr)))
            f.write(fr)


def block_order(rng):
    order = [k for k in KINDS for _ in range(k[1])]
    rng.shuffle(order)
    return order


def cmd_mix(a):
    rng = random.Random(8)
    bl = blocklist_1k(random.Random(1))
    order = block_order(random.Random(2))
    classes = {}
    for i in range(a.pool):
        classes.setdefault(dev_class(i), []).append(i)
    cursor = {c: 0 for c in classes}
    lan, up, macs = [], [], set()
    n = 0
    for _ in range(a.blocks):
        for kind, _, cls, _, _ in order:
            members = classes[cls]
            if a.random:
                i = members[rng.randrange(len(members))]
            else:
                i = members[cursor[cls] % len(members)]
                cursor[cls] += 1
            macs.add(i)
            fl, fu = frames_for(kind, i, n, bl, rng)
            lan.append(fl)
            up.append(fu)
            n += 1
    write_pcap(os.path.join(a.outdir, a.name + "_lan.pcap"), lan)
    write_pcap(os.path.join(a.outdir, a.name + "_up.pcap"), up)
    fates = {"lan": {}, "up": {}}
    for kind, cnt, cls, fl, fu in KINDS:
        fates["lan"][fl] = fates["lan"].get(fl, 0) + cnt
        fates["up"][fu] = fates["up"].get(fu, 0) + cnt
    known = sum(1 for i in macs if dev_class(i) != "unk")
    info = {"frames": n, "block": BLOCK, "blocks": a.blocks, "pool": a.pool, "random": a.random,
            "distinct_macs": len(macs), "distinct_known": known,
            "bytes_lan": sum(len(f) for f in lan), "fates_per_block": fates}
    with open(os.path.join(a.outdir, a.name + ".json"), "w") as f:
        json.dump(info, f, indent=1)
    print("%s: %d frames, %d distinct MACs (%d known), pool %d" % (a.name, n, len(macs), known, a.pool))


def cmd_tables(a):
    out = a.outdir
    with open(os.path.join(out, "acl.fpctl"), "w") as f:
        for r in range(1, NROLES + 1):
            f.write(acl_line(r) + "\n")
    bl1k = blocklist_1k(random.Random(1))
    for n in a.prefixes:
        path = os.path.join(out, "blocklist_%d.txt" % n)
        lst = list(bl1k) + (blocklist_extra(random.Random(3 + n), n - len(bl1k)) if n > len(bl1k) else [])
        with open(path, "w") as f:
            for j, p in enumerate(lst[:n]):
                f.write("%s=%d\n" % (p, j + 1))
    for s in a.devices:
        with open(os.path.join(out, "devices_%d.txt" % s), "w") as f:
            for i in known_indexes(count=s):
                f.write(dev_line(i) + "\n")
    for p in a.pools:
        with open(os.path.join(out, "devices_pool_%d.txt" % p), "w") as f:
            for i in known_indexes(pool=p):
                f.write(dev_line(i) + "\n")
    if a.swaps:
        bl = os.path.join(out, "blocklist_1000.txt")
        with open(os.path.join(out, "swaps.fpctl"), "w") as f:
            for s in range(a.swaps):
                f.write(acl_line(1 + s % NROLES) + "\n")
                f.write("blocklist-load replace %s\n" % bl)
                f.write("commit %d\n" % (1000 + s))
    if a.dev_updates:
        lines = [dev_line(i) for i in known_indexes(pool=a.update_pool)]
        with open(os.path.join(out, "dev_updates.txt"), "w") as f:
            for j in range(a.dev_updates):
                f.write(lines[j % len(lines)] + "\n")


def cmd_selftest(_):
    """Every kind's frames, rebuilt by scapy with its own checksums and
    lengths, must come out byte for byte the same."""
    from scapy.all import Ether, raw
    bl = blocklist_1k(random.Random(1))
    rng = random.Random(0)
    bad = 0
    for n, (kind, _, cls, _, _) in enumerate(KINDS):
        i = next(j for j in range(100) if dev_class(j) == cls)
        for fr in frames_for(kind, i, n, bl, rng):
            p = Ether(fr)
            for layer in p.iterpayloads():
                for field in ("chksum", "len", "plen"):
                    if field in layer.fields and layer.name not in ("Ethernet", "EAPOL", "EAP"):
                        delattr(layer, field)
            if raw(p) != fr:
                print("selftest: %s: %s\n  scapy: %s" % (kind, fr.hex(), raw(p).hex()))
                bad += 1
    print("selftest: %d kinds, %d frames differ from scapy's" % (len(KINDS), bad))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mix")
    m.add_argument("outdir")
    m.add_argument("name")
    m.add_argument("--pool", type=int, required=True)
    m.add_argument("--random", action="store_true")
    m.add_argument("--blocks", type=int, default=200)
    t = sub.add_parser("tables")
    t.add_argument("outdir")
    t.add_argument("--devices", type=int, nargs="*", default=[])
    t.add_argument("--pools", type=int, nargs="*", default=[])
    t.add_argument("--prefixes", type=int, nargs="*", default=[1000])
    t.add_argument("--swaps", type=int, default=0)
    t.add_argument("--dev-updates", type=int, default=0)
    t.add_argument("--update-pool", type=int, default=10000)
    sub.add_parser("selftest")
    a = ap.parse_args()
    if a.cmd != "selftest":
        os.makedirs(a.outdir, exist_ok=True)
    return {"mix": cmd_mix, "tables": cmd_tables, "selftest": cmd_selftest}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
