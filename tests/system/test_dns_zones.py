"""Zones managed through the API are served by the real ddid, checked with dig: a change is
served as soon as the API call returns, survives a restart, and is applied from the journal."""

from __future__ import annotations

import json
import subprocess

import pytest

ZONE_FILE = """$ORIGIN imported.test.
$TTL 600
@       IN SOA ns1 hostmaster 2026112501 7200 3600 1209600 300
@       IN NS  ns1
ns1     IN A   192.0.2.53
www     IN CNAME web
web     IN A   192.0.2.80
*.dyn   IN A   192.0.2.99
mail    IN A   192.0.2.25
@       IN MX  10 mail
sub     IN NS  ns.sub
ns.sub  IN A   192.0.2.54
"""


def dig(node, name, rtype="A", *flags):
    host, port = node.dns_address()
    r = subprocess.run(["dig", "-p", str(port), f"@{host}", name, rtype, "+tries=1", "+time=2", "+norecurse", *flags],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def status_of(out: str) -> str:
    return out.split("status: ", 1)[1].split(",", 1)[0]


def answers(out: str, section="ANSWER") -> list[list[str]]:
    lines, inside = [], False
    for line in out.splitlines():
        if line.startswith(f";; {section} SECTION:"):
            inside = True
            continue
        if inside:
            if not line.strip():
                break
            lines.append(line.split())
    return lines


@pytest.fixture
def admin(node):
    assert node.login().status == 200
    return node


def make_zone(node, name="example.test"):
    r = node.api("POST", "/api/v1/zones", json={
        "name": name,
        "soa": {"mname": f"ns1.{name}.", "rname": f"hostmaster.{name}.", "refresh": 7200, "retry": 3600,
                "expire": 1209600, "minimum": 300, "ttl": 3600},
        "ns": [f"ns1.{name}."],
        "records": [{"owner": "ns1", "type": "A", "ttl": 3600, "rdata": "192.0.2.1"},
                    {"owner": "www", "type": "A", "ttl": 300, "rdata": "192.0.2.10"}],
    })
    assert r.status in (200, 201), r
    return r.json()


def test_a_zone_made_through_the_api_is_served(admin):
    make_zone(admin)
    out = dig(admin, "WWW.Example.TEST")
    assert status_of(out) == "NOERROR"
    assert "flags: qr aa" in out
    assert answers(out) == [["WWW.Example.TEST.", "300", "IN", "A", "192.0.2.10"]]
    nx = dig(admin, "nope.example.test")
    assert status_of(nx) == "NXDOMAIN"
    assert answers(nx, "AUTHORITY")[0][3] == "SOA"
    assert status_of(dig(admin, "www.other.test")) == "REFUSED"


def test_a_change_is_served_as_soon_as_the_api_call_returns(admin):
    make_zone(admin)
    before = int(answers(dig(admin, "example.test", "SOA"))[0][6])
    for i in range(1, 6):
        r = admin.api("PUT", "/api/v1/zones/example.test/rrsets/www/A", json={"ttl": 60, "rdata": [f"192.0.2.{100 + i}"]})
        assert r.status == 200, r
        # No wait: the snapshot is updated before the write is reported durable.
        assert answers(dig(admin, "www.example.test")) == [["www.example.test.", "60", "IN", "A", f"192.0.2.{100 + i}"]]
    after = int(answers(dig(admin, "example.test", "SOA"))[0][6])
    assert after == before + 5
    metrics = admin.api("GET", "/metrics").body.decode()
    incremental = next(line for line in metrics.splitlines() if line.startswith("ddid_dns_zone_incremental_updates_total"))
    assert float(incremental.split()[1]) >= 5, "changes were not applied from the journal"

    r = admin.api("DELETE", "/api/v1/zones/example.test/rrsets/www/A")
    assert r.status in (200, 204), r
    assert status_of(dig(admin, "www.example.test")) == "NXDOMAIN"


def test_bad_records_are_refused_naming_the_field(admin):
    make_zone(admin)
    r = admin.api("POST", "/api/v1/zones/example.test/records", json={"records": [{"owner": "x", "type": "A", "rdata": "300.1.1.1"}]})
    assert r.status == 400 and r.json()["error"]["field"] == "records[0].rdata", r
    r = admin.api("POST", "/api/v1/zones/example.test/records", json={"records": [{"owner": "www", "type": "CNAME", "rdata": "web"}]})
    assert r.status == 400, r
    r = admin.api("POST", "/api/v1/zones/example.test/records", json={"records": [{"owner": "www.elsewhere.test.", "type": "A", "rdata": "192.0.2.1"}]})
    assert r.status == 400, r
    assert answers(dig(admin, "www.example.test"))[0][4] == "192.0.2.10"


def test_an_imported_zone_file_is_served_with_its_features(admin):
    r = admin.api("POST", "/api/v1/zones", json={"name": "imported.test", "zone_file": ZONE_FILE})
    assert r.status in (200, 201), r
    chain = answers(dig(admin, "www.imported.test"))
    assert [a[3] for a in chain] == ["CNAME", "A"] and chain[1][4] == "192.0.2.80"
    wild = answers(dig(admin, "host7.dyn.imported.test"))
    assert wild == [["host7.dyn.imported.test.", "600", "IN", "A", "192.0.2.99"]]
    referral = dig(admin, "deep.sub.imported.test")
    assert status_of(referral) == "NOERROR" and " aa" not in referral.split("flags:", 1)[1].split(";", 1)[0]
    assert answers(referral, "AUTHORITY")[0][3] == "NS"
    assert answers(referral, "ADDITIONAL")[0][4] == "192.0.2.54"
    mx = dig(admin, "imported.test", "MX")
    assert any(a[4] == "192.0.2.25" for a in answers(mx, "ADDITIONAL"))
    tcp = dig(admin, "web.imported.test", "A", "+tcp")
    assert answers(tcp)[0][4] == "192.0.2.80"

    exported = admin.api("GET", "/api/v1/zones/imported.test/export")
    assert exported.status == 200 and b"192.0.2.99" in exported.body
    bad = admin.api("POST", "/api/v1/zones", json={"name": "inc.test", "zone_file": "$INCLUDE /etc/passwd\n"})
    assert bad.status == 400 and bad.json()["error"]["field"] == "zone_file"


def test_zones_survive_a_restart_and_deletion_stops_serving(node_factory):
    node = node_factory.start()
    assert node.login().status == 200
    make_zone(node)
    node.stop()
    node.start()
    assert answers(dig(node, "www.example.test"))[0][4] == "192.0.2.10"
    assert node.login(node.credentials.username, node.credentials.password).status == 200
    assert node.api("DELETE", "/api/v1/zones/example.test").status in (200, 204)
    assert status_of(dig(node, "www.example.test")) == "REFUSED"


def test_ddictl_manages_zones(admin, tmp_path):
    from test_foundation import ddictl

    token = admin.api("POST", "/api/v1/tokens", json={"name": "zones", "role": "operator"}).json()["token"]
    env = {"DDICTL_TOKEN": token}
    zone_file = tmp_path / "imported.zone"
    zone_file.write_text(ZONE_FILE)
    r = ddictl(admin, "zone", "import", "imported.test", str(zone_file), env_extra=env)
    assert r.returncode == 0, r.stderr
    r = ddictl(admin, "record", "add", "imported.test", "new", "A", "192.0.2.7", "--ttl", "120", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert answers(dig(admin, "new.imported.test")) == [["new.imported.test.", "120", "IN", "A", "192.0.2.7"]]
    r = ddictl(admin, "rrset", "set", "imported.test", "new", "A", "192.0.2.8", "192.0.2.9", "--ttl", "60", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert sorted(a[4] for a in answers(dig(admin, "new.imported.test"))) == ["192.0.2.8", "192.0.2.9"]
    r = ddictl(admin, "record", "add", "imported.test", "bad", "A", "not-an-address", env_extra=env)
    assert r.returncode == 1 and "records[0].rdata" in r.stderr
    r = ddictl(admin, "zone", "export", "imported.test", env_extra=env)
    assert r.returncode == 0 and "192.0.2.9" in r.stdout
    listed = json.loads(ddictl(admin, "zone", "list", env_extra=env).stdout)
    assert "imported.test." in json.dumps(listed)
    r = ddictl(admin, "zone", "delete", "imported.test", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert status_of(dig(admin, "new.imported.test")) == "REFUSED"
