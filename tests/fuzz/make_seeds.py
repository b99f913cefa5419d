#!/usr/bin/python3
"""Writes the hand-made seed inputs of the DNS fuzz targets into tests/fuzz/corpus/<target>/seed-*.

Each seed is one DNS message (as process_query receives it: no TCP length prefix) chosen to reach
a part of the parser or the answer path that random bytes would take long to find: every query
type the zones of fuzz_zones.cpp answer differently, EDNS in all its forms, and the malformed
messages the issue names (truncation, compression loops, forward pointers, huge counts, bad OPT,
TSIG, transfers, UPDATE and NOTIFY). Run it again after changing the list; the other files of the
corpus come from fuzzing runs (see README.md)."""

import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = ["parse_query", "process_query"]

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "NAPTR": 35, "DNAME": 39, "OPT": 41, "DS": 43, "SSHFP": 44, "RRSIG": 46, "NSEC": 47,
         "DNSKEY": 48, "NSEC3PARAM": 51, "TLSA": 52, "HTTPS": 65, "CAA": 257, "TSIG": 250, "IXFR": 251,
         "AXFR": 252, "MAILB": 253, "MAILA": 254, "ANY": 255}
RD = 0x0100
OP_NOTIFY, OP_UPDATE = 4, 5


def name(dotted: str) -> bytes:
    out = b""
    for label in dotted.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(id_=0x4242, flags=RD, qd=1, an=0, ns=0, ar=0, opcode=0) -> bytes:
    return struct.pack("!6H", id_, flags | (opcode << 11), qd, an, ns, ar)


def question(qname: str, qtype="A", qclass=1) -> bytes:
    return name(qname) + struct.pack("!HH", TYPES[qtype] if isinstance(qtype, str) else qtype, qclass)


def rr(owner: bytes, rtype: int, rclass: int, ttl: int, rdata: bytes) -> bytes:
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def opt(size=1232, version=0, flags=0, options=b"", ext_rcode=0, owner=b"\0") -> bytes:
    ttl = (ext_rcode << 24) | (version << 16) | flags
    return rr(owner, 41, size, ttl, options)


def edns_option(code: int, data: bytes) -> bytes:
    return struct.pack("!HH", code, len(data)) + data


def soa_rdata(serial: int) -> bytes:
    return name("ns1.example.com") + name("hostmaster.example.com") + struct.pack("!5I", serial, 7200, 3600, 1209600, 300)


def tsig(key="key.example.", mac_size=32) -> bytes:
    rdata = name("hmac-sha256") + struct.pack("!HIH", 0, 1767225600, 300) + struct.pack("!H", mac_size)
    rdata += bytes(range(mac_size)) + struct.pack("!HHH", 0x4242, 0, 0)
    return rr(name(key), 250, 255, 0, rdata)


def query(qname, qtype="A", *, id_=0x4242, flags=RD, edns=None, qclass=1):
    ar = 1 if edns is not None else 0
    return header(id_, flags, 1, 0, 0, ar) + question(qname, qtype, qclass) + (edns or b"")


def seeds() -> dict[str, bytes]:
    s: dict[str, bytes] = {}
    # Good queries: one per shape of answer in fuzz_zones.cpp. An odd ID asks for minimal responses.
    good = [
        ("a-www", "www.example.com", "A"), ("aaaa-www", "www.example.com", "AAAA"),
        ("mx-apex", "example.com", "MX"), ("ns-apex", "example.com", "NS"), ("soa-apex", "example.com", "SOA"),
        ("txt-apex", "example.com", "TXT"), ("caa-apex", "example.com", "CAA"), ("any-apex", "example.com", "ANY"),
        ("https-www", "www.example.com", "HTTPS"), ("tlsa", "_25._tcp.mail.example.com", "TLSA"),
        ("sshfp", "mail.example.com", "SSHFP"), ("naptr", "_sip._udp.example.com", "NAPTR"),
        ("srv", "_sip._tcp.example.com", "SRV"), ("ptr", "10.2.0.192.in-addr.arpa", "PTR"),
        ("cname-chain", "alias3.example.com", "A"), ("cname-loop", "loop1.example.com", "A"),
        ("cname-self", "self.example.com", "AAAA"), ("cname-out", "out.example.com", "A"),
        ("cname-dangling", "dangling.example.com", "A"), ("cname-cross-zone", "cross.example.com", "A"),
        ("cname-to-dname", "todname.example.com", "A"), ("cname-to-wildcard", "towild.example.com", "MX"),
        ("cname-to-referral", "toref.example.com", "A"), ("cname-qtype", "alias.example.com", "CNAME"),
        ("wildcard-a", "foo.wild.example.com", "A"), ("wildcard-mx", "a.b.wild.example.com", "MX"),
        ("wildcard-nodata", "foo.wild.example.com", "AAAA"), ("wildcard-beside", "exists.wild.example.com", "A"),
        ("wildcard-cname", "x.cname.example.com", "A"), ("wildcard-under-ent", "z.ent.example.com", "A"),
        ("ent-nodata", "c.example.com", "A"), ("ent-deep", "y.ent.example.com", "TXT"),
        ("star-middle", "a.*.star.example.com", "TXT"), ("dname", "host.d.example.com", "A"),
        ("dname-owner", "d.example.com", "DNAME"), ("dname-chain-back", "www.dn.example.net", "A"),
        ("dname-yxdomain", ("q" * 63) + "." + ("r" * 20) + ".long.example.com", "A"),
        ("dname-fits", ("q" * 60) + "." + ("r" * 10) + ".long.example.com", "A"),
        ("referral", "www.sub.example.com", "A"), ("referral-apex-ns", "sub.example.com", "NS"),
        ("ds-at-cut", "sub.example.com", "DS"), ("referral-noglue", "x.noglue.example.com", "A"),
        ("child-zone", "www.child.example.com", "A"), ("child-cname-up", "up.child.example.com", "A"),
        ("nxdomain", "nothing-here.example.com", "A"), ("refused", "www.example.org", "A"),
        ("refused-root", ".", "NS"), ("long-labels", ("a" * 63) + "." + ("m" * 63) + ".example.com", "A"),
        ("generic-type", "generic.example.com", 65280), ("empty-rdata", "empty-rdata.example.com", 65281),
        ("big-txt", "big.example.com", "TXT"), ("many-mx", "manymx.example.com", "MX"),
        ("mx-to-cname", "mxalias.example.com", "MX"), ("signed-dnskey", "signed.org", "DNSKEY"),
        ("signed-nsec3param", "signed.org", "NSEC3PARAM"), ("signed-nxdomain", "nope.signed.org", "A"),
        ("signed-secure-ds", "secure.signed.org", "DS"), ("signed-referral", "www.secure.signed.org", "A"),
        ("maila", "www.example.com", "MAILA"), ("rrsig-qtype", "www.signed.org", "RRSIG"),
    ]
    for i, (tag, qname, qtype) in enumerate(good):
        s[f"q-{tag}"] = query(qname, qtype, id_=0x4200 + 2 * i)
    s["q-case-kept"] = query("WwW.ExAmPlE.CoM", "A")
    s["q-minimal-mx"] = query("example.com", "MX", id_=0x4243)
    s["q-class-ch"] = query("version.bind", "TXT", qclass=3)
    s["q-class-any"] = query("www.example.com", "A", qclass=255)
    s["q-no-rd"] = query("www.example.com", "A", flags=0)
    s["q-cd-ad"] = query("www.signed.org", "A", flags=RD | 0x0030)
    # 255 octets exactly: a wildcard answer with the longest owner there is.
    s["q-max-name"] = query(".".join(["abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0"] * 3
                                     + ["b" * 44, "wild.example.com"]), "MX")

    # DNSSEC (DO set): each kind of answer and proof from the NSEC-signed and the NSEC3-signed zone.
    signed = [("answer", "www", "A"), ("nxdomain", "nope", "A"), ("nodata", "www", "TXT"),
              ("wildcard", "x.w", "A"), ("wildcard-nodata", "x.w", "MX"), ("ent", "b.ent", "A"),
              ("below-ent-nxdomain", "c.b.ent", "A"), ("secure-referral", "www.secure", "A"),
              ("insecure-referral", "www.insecure", "A"), ("ds", "secure", "DS"), ("no-ds", "insecure", "DS"),
              ("cname", "alias", "A"), ("apex-dnskey", "", "DNSKEY"), ("mx", "", "MX"), ("any", "", "ANY")]
    for zone, tag in (("signed.org", "nsec"), ("nsec3.org", "nsec3")):
        for kind, prefix, qtype in signed:
            qname = f"{prefix}.{zone}" if prefix else zone
            s[f"do-{tag}-{kind}"] = query(qname, qtype, edns=opt(1232, flags=0x8000))
    s["do-nsec3-nxdomain-512"] = query("nope.nsec3.org", "A", edns=opt(512, flags=0x8000))

    # EDNS.
    s["edns-1232"] = query("big.example.com", "TXT", edns=opt(1232))
    s["edns-4096-do"] = query("www.signed.org", "A", edns=opt(4096, flags=0x8000))
    s["edns-do-nxdomain"] = query("nope.signed.org", "A", edns=opt(1232, flags=0x8000))
    s["edns-small-size"] = query("manymx.example.com", "MX", edns=opt(100))
    s["edns-512"] = query("big.example.com", "TXT", edns=opt(512))
    s["edns-65535"] = query("manymx.example.com", "MX", edns=opt(65535))
    s["edns-badvers"] = query("www.example.com", "A", edns=opt(1232, version=1))
    s["edns-options"] = query("www.example.com", "A", edns=opt(1232, options=edns_option(10, bytes(8)) +
                                                             edns_option(65001, b"unknown") + edns_option(8, b"")))
    s["edns-ext-rcode"] = query("www.example.com", "A", edns=opt(1232, ext_rcode=1))
    s["opt-not-root"] = query("www.example.com", "A", edns=opt(1232, owner=name("example.com")))
    s["opt-option-overrun"] = query("www.example.com", "A", edns=opt(1232, options=struct.pack("!HH", 10, 40) + b"x"))
    s["opt-two"] = header(ar=2) + question("www.example.com") + opt() + opt()
    s["opt-in-answer"] = header(an=1) + question("www.example.com") + opt()
    s["opt-truncated"] = query("www.example.com", "A", edns=opt()[:-3])

    # Truncated and malformed messages.
    s["short-header"] = header()[:11]
    s["header-only"] = header(qd=0)
    s["header-qd1-nothing"] = header()
    s["question-cut-in-name"] = header() + name("www.example.com")[:7]
    s["question-no-type"] = header() + name("www.example.com")
    s["question-half-class"] = header() + name("www.example.com") + b"\0\1\0"
    s["qdcount-0"] = header(qd=0) + question("www.example.com")
    s["qdcount-2"] = header(qd=2) + question("www.example.com") + question("mail.example.com", "MX")
    s["qdcount-2-compressed"] = header(qd=2) + question("www.example.com") + b"\xc0\x0c\0\1\0\1"
    s["huge-counts"] = header(qd=1, an=0xffff, ns=0xffff, ar=0xffff) + question("www.example.com")
    s["huge-qdcount"] = header(qd=0xffff) + question("www.example.com")
    s["trailing-garbage"] = query("www.example.com") + b"\xde\xad\xbe\xef"
    s["compression-loop"] = header() + b"\xc0\x0c\0\1\0\1"
    s["compression-loop-2"] = header() + b"\x03www\xc0\x10\0\1\0\1"
    s["pointer-forward"] = header() + b"\xc0\x12\0\1\0\1" + name("www.example.com")
    s["pointer-into-header"] = header() + b"\x03www\xc0\x04\0\1\0\1"
    s["pointer-truncated"] = header() + b"\x03www\xc0"
    s["pointer-back-valid"] = (header(ar=1) + question("www.example.com")
                               + rr(b"\xc0\x0c", 1, 1, 300, bytes([192, 0, 2, 1])))
    s["label-type-01"] = header() + b"\x43abc\0\0\1\0\1"
    s["label-type-10"] = header() + b"\x83abc\0\0\1\0\1"
    s["name-too-long"] = header() + (b"\x3f" + b"x" * 63) * 4 + b"\0\0\1\0\1"
    s["response-qr"] = header(flags=0x8000 | RD) + question("www.example.com")
    s["record-rdlength-overrun"] = (header(ar=1) + question("www.example.com")
                                    + name("x.example.com") + struct.pack("!HHIH", 1, 1, 0, 200) + b"\1\2\3\4")

    # Opcodes and messages for the control path.
    s["axfr"] = query("example.com", "AXFR", flags=0)
    s["ixfr"] = (header(flags=0, ns=1) + question("example.com", "IXFR")
                 + rr(name("example.com"), 6, 1, 3600, soa_rdata(2026010100)))
    s["axfr-tsig"] = header(flags=0, ar=1) + question("example.com", "AXFR") + tsig()
    s["tsig-query"] = header(ar=1) + question("www.example.com") + tsig()
    s["tsig-then-opt"] = header(ar=2) + question("www.example.com") + tsig() + opt()
    s["opt-then-tsig"] = header(ar=2) + question("www.example.com") + opt() + tsig()
    s["tsig-in-answer"] = header(an=1) + question("www.example.com") + tsig()
    s["tsig-two"] = header(ar=2) + question("www.example.com") + tsig() + tsig()
    s["notify"] = (header(flags=0x0400, an=1, opcode=OP_NOTIFY) + question("example.com", "SOA")
                   + rr(name("example.com"), 6, 1, 3600, soa_rdata(2026010102)))
    update = (header(flags=0, qd=1, an=1, ns=2, opcode=OP_UPDATE) + question("example.com", "SOA")
              + rr(name("www.example.com"), 1, 255, 0, b"")                                 # prerequisite: name in use
              + rr(name("new.example.com"), 1, 1, 300, bytes([192, 0, 2, 99]))              # add
              + rr(name("old.example.com"), 255, 255, 0, b""))                              # delete all RRsets
    s["update"] = update
    s["update-tsig"] = update[:10] + struct.pack("!H", 1) + update[12:] + tsig()
    s["opcode-iquery"] = query("www.example.com", "A", flags=(1 << 11))
    s["opcode-status"] = query("www.example.com", "A", flags=(2 << 11))
    s["opcode-15"] = query("www.example.com", "A", flags=(15 << 11))
    s["opcode-15-badvers"] = query("www.example.com", "A", flags=(15 << 11), edns=opt(version=2))
    s["notify-badvers"] = (header(flags=0, ar=1, opcode=OP_NOTIFY) + question("example.com", "SOA")
                           + opt(version=1))
    return s


def main() -> int:
    made = seeds()
    for target in TARGETS:
        folder = HERE / "corpus" / target
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("seed-*"):
            old.unlink()
        for tag, data in made.items():
            (folder / f"seed-{tag}").write_bytes(data)
    print(f"{len(made)} seeds written for {', '.join(TARGETS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
