"""Dynamic update (RFC 2136) of a ddid zone with BIND's nsupdate, signed with TSIG: the change is
served at once with the serial moved by one, prerequisites hold it back, an unsigned update or a
wrong secret is refused, and the change is the same one the REST API shows."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest

from ddid_harness import skip_or_fail

SECRET = base64.b64encode(b"ddid-update-test-secret-0123456789").decode()
KEY = f"hmac-sha256:upd-key:{SECRET}"
ZONE = "upd.test"


def zone_file() -> str:
    return "\n".join([
        f"$ORIGIN {ZONE}.", "$TTL 300",
        "@ IN SOA ns1 hostmaster 10 60 30 86400 60",
        "@ IN NS ns1", "ns1 IN A 192.0.2.53",
        "www IN A 192.0.2.80",
        "gone IN A 192.0.2.90", "gone IN TXT \"bye\"",
    ]) + "\n"


def dig(port: int, *args: str) -> str:
    r = subprocess.run(["dig", "-p", str(port), "@127.0.0.1", "+tries=1", "+time=2", "+norecurse", *args],
                       capture_output=True, text=True, timeout=10)
    return r.stdout + r.stderr


def short(port: int, name: str, rtype: str) -> list[str]:
    lines = dig(port, name, rtype, "+short").splitlines()
    return sorted(line for line in lines if line.strip() and not line.startswith(";"))


def serial(port: int) -> int:
    fields = dig(port, ZONE, "SOA", "+short").split()
    assert len(fields) >= 7, fields
    return int(fields[2])


def nsupdate(port: int, commands: list[str], key: str | None = KEY, tcp: bool = False) -> subprocess.CompletedProcess:
    binary = shutil.which("nsupdate")
    if not binary:
        skip_or_fail("nsupdate (package bind9-dnsutils) is not installed")
    script = "\n".join([f"server 127.0.0.1 {port}", f"zone {ZONE}", *commands, "send", ""])
    args = [binary, "-t", "5"]
    if tcp:
        args.append("-v")
    if key:
        args += ["-y", key]
    return subprocess.run(args, input=script, capture_output=True, text=True, timeout=30)


def records(node, owner: str) -> list[tuple[str, str]]:
    r = node.api("GET", f"/api/v1/zones/{ZONE}/records?owner={owner}")
    assert r.status == 200, r
    return sorted((rec["type"], rec["rdata"]) for rec in r.json()["records"])


@pytest.fixture
def zone(node):
    assert node.login().status == 200
    r = node.api("POST", "/api/v1/zones", json={"name": ZONE, "zone_file": zone_file()})
    assert r.status == 201, r
    r = node.api("POST", "/api/v1/tsig-keys", json={"name": "upd-key", "secret": SECRET})
    assert r.status == 201, r
    r = node.api("PUT", f"/api/v1/zones/{ZONE}/access",
                 json={"allow_update": [{"network": "127.0.0.0/8", "key": "upd-key"}],
                       "allow_transfer": [{"network": "127.0.0.0/8", "key": "upd-key"}]})
    assert r.status == 200, r
    return node


def test_signed_update_is_served_at_once_and_moves_the_serial_by_one(zone):
    port = zone.dns_address()[1]
    before = serial(port)
    r = nsupdate(port, [f"update add new.{ZONE} 600 A 192.0.2.10",
                        f"update add new.{ZONE} 600 MX 10 mail.{ZONE}",
                        f"update add www.{ZONE} 300 A 192.0.2.81"])
    assert r.returncode == 0, r.stdout + r.stderr
    # nsupdate has its answer: the snapshot already serves the change.
    assert short(port, f"new.{ZONE}", "A") == ["192.0.2.10"]
    assert short(port, f"new.{ZONE}", "MX") == [f"10 mail.{ZONE}."]
    assert short(port, f"www.{ZONE}", "A") == ["192.0.2.80", "192.0.2.81"]
    assert serial(port) == before + 1
    # The same records through the API.
    assert records(zone, "new") == [("A", "192.0.2.10"), ("MX", f"10 mail.{ZONE}.")]
    event = zone.log_events("dns.update")[-1]
    assert event["zone"] == f"{ZONE}." and event["key"] == "upd-key." and event["added"] == "3", event
    assert event["serial"] == str(before + 1), event
    # Audited like an API change, in the same transaction: who (the key), from where, what.
    audit = zone.api("GET", "/api/v1/audit?action=zone.update").json()["entries"]
    assert audit and audit[0]["actor"] == "dns-update:upd-key." and audit[0]["source"] == "127.0.0.1", audit
    assert audit[0]["object_id"] == f"{ZONE}." and len(audit[0]["after"]["records"]) == 3, audit[0]

    # Delete one RR, an RRset, and every RRset of a name, over TCP this time; one bump.
    r = nsupdate(port, [f"update delete www.{ZONE} A 192.0.2.80",
                        f"update delete new.{ZONE} MX",
                        f"update delete gone.{ZONE}"], tcp=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert short(port, f"www.{ZONE}", "A") == ["192.0.2.81"]
    assert short(port, f"new.{ZONE}", "MX") == []
    assert "NXDOMAIN" in dig(port, f"gone.{ZONE}", "A")
    assert serial(port) == before + 2
    assert records(zone, "gone") == []
    assert records(zone, "new") == [("A", "192.0.2.10")]

    # An update that changes nothing: NOERROR, no bump.
    r = nsupdate(port, [f"update add new.{ZONE} 600 A 192.0.2.10"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert serial(port) == before + 2

    # The IXFR journal carries the updates (a dig IXFR from the old serial gets them incrementally).
    out = dig(port, ZONE, f"IXFR={before}", "+tcp", "-y", KEY)
    assert f"new.{ZONE}." in out and "192.0.2.10" in out, out
    ixfr = [e for e in zone.log_events("dns.transfer") if e.get("type") == "ixfr"]
    assert ixfr and ixfr[-1].get("changes") == "2" and "fallback" not in ixfr[-1], ixfr


def test_prerequisites_hold_the_update_back(zone):
    port = zone.dns_address()[1]
    before = serial(port)
    r = nsupdate(port, [f"prereq nxdomain www.{ZONE}", f"update add www.{ZONE} 300 A 192.0.2.99"])
    assert r.returncode != 0 and "YXDOMAIN" in r.stdout + r.stderr, r.stdout + r.stderr
    r = nsupdate(port, [f"prereq yxrrset www.{ZONE} AAAA", f"update add www.{ZONE} 300 A 192.0.2.99"])
    assert r.returncode != 0 and "NXRRSET" in r.stdout + r.stderr, r.stdout + r.stderr
    r = nsupdate(port, [f"prereq nxrrset www.{ZONE} A", f"update add www.{ZONE} 300 A 192.0.2.99"])
    assert r.returncode != 0 and "YXRRSET" in r.stdout + r.stderr, r.stdout + r.stderr
    r = nsupdate(port, [f"prereq yxdomain none.{ZONE}", f"update add www.{ZONE} 300 A 192.0.2.99"])
    assert r.returncode != 0 and "NXDOMAIN" in r.stdout + r.stderr, r.stdout + r.stderr
    assert short(port, f"www.{ZONE}", "A") == ["192.0.2.80"]
    assert serial(port) == before
    # True prerequisites (the value-dependent kind too) let it through.
    r = nsupdate(port, [f"prereq yxrrset www.{ZONE} A 192.0.2.80", f"prereq nxdomain fresh.{ZONE}",
                        f"update add fresh.{ZONE} 300 A 192.0.2.99"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert short(port, f"fresh.{ZONE}", "A") == ["192.0.2.99"]
    assert serial(port) == before + 1
    # A CNAME beside other data would break the zone: ignored (RFC 2136 3.4.2.2), nothing changes.
    r = nsupdate(port, [f"update add www.{ZONE} 300 CNAME fresh.{ZONE}"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert short(port, f"www.{ZONE}", "A") == ["192.0.2.80"] and serial(port) == before + 1
    # A delegation without its glue breaks a rule of the zone: REFUSED, nothing changes.
    r = nsupdate(port, [f"update add ok.{ZONE} 300 A 192.0.2.1", f"update add sub.{ZONE} 300 NS ns.sub.{ZONE}"])
    assert r.returncode != 0 and "REFUSED" in r.stdout + r.stderr, r.stdout + r.stderr
    assert short(port, f"ok.{ZONE}", "A") == [] and serial(port) == before + 1
    assert zone.log_events("dns.update_rejected"), "the refusal was not logged"


def test_unsigned_or_badly_signed_updates_change_nothing(zone):
    port = zone.dns_address()[1]
    before = serial(port)
    r = nsupdate(port, [f"update add evil.{ZONE} 300 A 192.0.2.66"], key=None)
    assert r.returncode != 0 and "REFUSED" in r.stdout + r.stderr, r.stdout + r.stderr
    wrong = "hmac-sha256:upd-key:" + base64.b64encode(b"not-the-secret-at-all-0123456789").decode()
    r = nsupdate(port, [f"update add evil.{ZONE} 300 A 192.0.2.66"], key=wrong)
    out = r.stdout + r.stderr
    assert r.returncode != 0 and ("BADSIG" in out or "NOTAUTH" in out), out
    other = f"hmac-sha256:other-key:{SECRET}"
    r = nsupdate(port, [f"update add evil.{ZONE} 300 A 192.0.2.66"], key=other)
    out = r.stdout + r.stderr
    assert r.returncode != 0 and ("BADKEY" in out or "NOTAUTH" in out), out
    assert "NXDOMAIN" in dig(port, f"evil.{ZONE}", "A")
    assert serial(port) == before
    assert records(zone, "evil") == []
    refused = zone.log_events("dns.update_refused")
    assert refused and refused[-1]["key"] == "none", refused
    metrics = zone.api("GET", "/metrics").body.decode()
    assert 'ddid_dns_updates_total{rcode="REFUSED"} 1' in metrics, metrics
    assert SECRET not in zone.stderr() + zone.stdout(), "the TSIG secret was logged"
