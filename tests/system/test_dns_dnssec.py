"""A zone imported already signed is served signed. BIND's dnssec-keygen and dnssec-signzone sign
a small zone (once with NSEC, once with NSEC3); it is imported into a running ddid through the
API; dig +dnssec shows the signatures and the denial records, and delv validates ddid's answers
against the zone's own KSK as trust anchor: a positive answer, NXDOMAIN, NODATA, an empty
non-terminal, a wildcard, a CNAME and the proof that an unsigned delegation has no DS."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ddid_harness import skip_or_fail
from test_dns_zones import answers as section, status_of

ZONE = """$ORIGIN {zone}.
$TTL 300
@       IN SOA   ns1 hostmaster 2026010101 7200 3600 1209600 300
@       IN NS    ns1
@       IN MX    10 mail
ns1     IN A     192.0.2.53
mail    IN A     192.0.2.25
www     IN A     192.0.2.80
www     IN TXT   "hello"
alias   IN CNAME www
*.wild  IN A     192.0.2.99
a.b.ent IN TXT   "deep"
sub     IN NS    ns.sub
ns.sub  IN A     192.0.2.54
"""

TOOLS = ("dnssec-keygen", "dnssec-signzone", "delv", "dig")


def run(args: list[str], cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess:
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{args}: {r.stdout}{r.stderr}"
    return r


def keygen(directory: Path, zone: str, ksk: bool) -> str:
    args = ["dnssec-keygen", "-q", "-K", str(directory), "-a", "ECDSAP256SHA256", "-n", "ZONE"]
    if ksk:
        args += ["-f", "KSK"]
    return run(args + [zone], directory).stdout.strip()


def dnskey_of(directory: Path, key: str) -> str:
    """The DNSKEY record line of a key file, without its comments."""
    lines = [l for l in (directory / f"{key}.key").read_text().splitlines() if l and not l.startswith(";")]
    assert len(lines) == 1, lines
    return lines[0]


def sign(directory: Path, zone: str, nsec3: bool) -> tuple[str, str]:
    """Signs ZONE for `zone`; returns the signed zone file's text and the KSK's DNSKEY line."""
    directory.mkdir(parents=True, exist_ok=True)
    ksk = keygen(directory, zone, ksk=True)
    zsk = keygen(directory, zone, ksk=False)
    unsigned = directory / f"{zone}.zone"
    unsigned.write_text(ZONE.format(zone=zone) + dnskey_of(directory, ksk) + "\n" + dnskey_of(directory, zsk) + "\n")
    signed = directory / f"{zone}.signed"
    args = ["dnssec-signzone", "-K", str(directory), "-o", zone, "-O", "full", "-f", str(signed)]
    if nsec3:
        args += ["-3", "aabbccdd", "-H", "1"]
    run(args + [str(unsigned), ksk, zsk], directory)
    return signed.read_text(), dnskey_of(directory, ksk)


def anchors_file(directory: Path, dnskey_line: str) -> Path:
    """A delv trust-anchors file holding one DNSKEY as a static key."""
    fields = dnskey_line.split()
    owner = fields[0]
    at = fields.index("DNSKEY")
    flags, protocol, algorithm = fields[at + 1:at + 4]
    key = "".join(fields[at + 4:])
    path = directory / "anchors.conf"
    path.write_text(f'trust-anchors {{\n    {owner} static-key {flags} {protocol} {algorithm} "{key}";\n}};\n')
    return path


def dig(node, name: str, rtype: str = "A", *flags: str) -> str:
    host, port = node.dns_address()
    r = subprocess.run(["dig", "-p", str(port), f"@{host}", name, rtype, "+tries=1", "+time=2", "+norecurse", *flags],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def delv(node, anchors: Path, zone: str, name: str, rtype: str = "A") -> str:
    host, port = node.dns_address()
    r = subprocess.run(["delv", f"@{host}", "-p", str(port), "-a", str(anchors), f"+root={zone}", "+tcp",
                        name, rtype], capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


def types_in(records: list[list[str]]) -> list[str]:
    """TYPE, or RRSIG/COVERED for signatures."""
    return [f"RRSIG/{r[4]}" if r[3] == "RRSIG" else r[3] for r in records]


@pytest.fixture
def tools():
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        skip_or_fail(f"BIND tools missing: {', '.join(missing)} (bind9-utils, bind9-dnsutils)")


@pytest.mark.parametrize("denial", ["NSEC", "NSEC3"])
def test_a_signed_zone_is_served_signed_and_validates(node, tmp_path, tools, denial):
    zone = "nsec.test" if denial == "NSEC" else "nsec3.test"
    keys = tmp_path / "keys"
    signed, ksk = sign(keys, zone, nsec3=denial == "NSEC3")
    assert node.login().status == 200
    r = node.api("POST", "/api/v1/zones", json={"name": zone, "zone_file": signed})
    assert r.status in (200, 201), r

    # Without DO, the answers of an unsigned zone.
    plain = dig(node, f"www.{zone}")
    assert types_in(section(plain, "ANSWER")) == ["A"]
    assert types_in(section(dig(node, f"nope.{zone}"), "AUTHORITY")) == ["SOA"]

    # With DO: signatures beside the data, denial records beside the SOA.
    positive = dig(node, f"www.{zone}", "A", "+dnssec")
    assert "flags: qr aa" in positive
    assert types_in(section(positive, "ANSWER")) == ["A", "RRSIG/A"]
    nx = dig(node, f"nope.{zone}", "A", "+dnssec")
    assert status_of(nx) == "NXDOMAIN"
    authority = types_in(section(nx, "AUTHORITY"))
    assert authority[:2] == ["SOA", "RRSIG/SOA"]
    proofs = authority[2:]
    assert proofs and proofs.count(denial) == proofs.count(f"RRSIG/{denial}") == len(proofs) // 2
    # NSEC: the name's cover and the wildcard's; NSEC3: closest encloser, next closer, wildcard
    # (two of which may be one record).
    assert 2 <= len(proofs) // 2 <= (3 if denial == "NSEC3" else 2)
    nodata = dig(node, f"www.{zone}", "MX", "+dnssec")
    assert status_of(nodata) == "NOERROR" and not section(nodata, "ANSWER")
    assert denial in types_in(section(nodata, "AUTHORITY"))
    wild = dig(node, f"host7.wild.{zone}", "A", "+dnssec")
    assert types_in(section(wild, "ANSWER")) == ["A", "RRSIG/A"]
    assert section(wild, "ANSWER")[1][0] == f"host7.wild.{zone}."
    assert denial in types_in(section(wild, "AUTHORITY"))
    referral = dig(node, f"x.sub.{zone}", "A", "+dnssec")
    assert types_in(section(referral, "AUTHORITY"))[0] == "NS"
    assert denial in types_in(section(referral, "AUTHORITY"))
    assert types_in(section(referral, "ADDITIONAL")) == ["A"]  # glue: unsigned

    # delv validates ddid's answers from the zone's KSK down.
    anchors = anchors_file(keys, ksk)
    checks = [
        (f"www.{zone}", "A", "192.0.2.80", None),
        (f"alias.{zone}", "A", "192.0.2.80", None),
        (f"host7.wild.{zone}", "A", "192.0.2.99", None),
        (f"nope.{zone}", "A", None, "nxdomain"),
        (f"deep.nope.{zone}", "TXT", None, "nxdomain"),
        (f"www.{zone}", "MX", None, "nxrrset"),
        (f"b.ent.{zone}", "A", None, "nxrrset"),
        (f"host7.wild.{zone}", "MX", None, "nxrrset"),
        (f"sub.{zone}", "DS", None, "nxrrset"),
    ]
    for name, rtype, address, negative in checks:
        out = delv(node, anchors, zone, name, rtype)
        if negative:
            assert "; negative response, fully validated" in out and negative in out, f"{name} {rtype}:\n{out}"
        else:
            assert "; fully validated" in out and address in out, f"{name} {rtype}:\n{out}"

    # A trust anchor the zone was not signed with validates nothing: the checks above are real.
    stranger_dir = tmp_path / "stranger"
    stranger_dir.mkdir()
    stranger = dnskey_of(stranger_dir, keygen(stranger_dir, zone, ksk=True))
    out = delv(node, anchors_file(stranger_dir, stranger), zone, f"www.{zone}")
    assert "fully validated" not in out, out

    # Changing a pre-signed zone would serve stale signatures: refused, naming why, until it is
    # imported re-signed; the zone keeps validating.
    r = node.api("POST", f"/api/v1/zones/{zone}/records",
                 json={"records": [{"owner": "new", "type": "A", "rdata": "192.0.2.5"}]})
    assert r.status == 409 and "DNSSEC-signed" in r.json()["error"]["message"], r
    assert "; fully validated" in delv(node, anchors, zone, f"www.{zone}", "A")
