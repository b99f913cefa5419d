"""The IPAM subnet and DHCPv4 configuration API against the real ddid, over HTTPS (urllib-style
client of the harness, certificate not verified) and through ddictl: subnets with their DHCP
settings, pools, reservations, classes, option definitions, leases (none yet), statistics, and the
conflicts that keep objects in use from being deleted. Every change leaves an audit row."""

from __future__ import annotations

import json

import pytest

from test_foundation import ddictl


@pytest.fixture
def admin(node):
    assert node.login().status == 200
    return node


def ok(r, status=200):
    assert r.status == status, r
    return r.json() if r.body else None


def error_of(r, status):
    assert r.status == status, r
    return r.json()["error"]


def test_subnet_dhcp_pool_reservation_class_over_https(admin):
    subnet = ok(admin.api("POST", "/api/v1/subnets", json={
        "network": "192.0.2.0/24", "name": "lan", "vlan": 20,
        "dhcp": {"lease_time": 3600, "options": [{"name": "routers", "value": ["192.0.2.1"]},
                                                 {"name": "domain-name-servers", "value": ["192.0.2.53"]}]},
    }), 201)
    sid = subnet["id"]
    assert subnet["dhcp"]["lease_time"] == 3600
    assert subnet["dhcp"]["pools"] == []

    cls = ok(admin.api("POST", "/api/v1/dhcp/classes", json={
        "name": "pxe", "match": {"vendor_class": "PXEClient"}, "boot_file": "pxelinux.0"}), 201)
    assert cls["boot_file"] == "pxelinux.0"
    pool = ok(admin.api("POST", f"/api/v1/subnets/{sid}/pools", json={"start": "192.0.2.100", "end": "192.0.2.199"}), 201)
    assert pool["size"] == 100
    ok(admin.api("POST", f"/api/v1/subnets/{sid}/pools",
                 json={"start": "192.0.2.200", "end": "192.0.2.209", "client_class": "pxe"}), 201)
    e = error_of(admin.api("POST", f"/api/v1/subnets/{sid}/pools", json={"start": "10.0.0.1", "end": "10.0.0.9"}), 400)
    assert e["field"] == "start"
    e = error_of(admin.api("POST", f"/api/v1/subnets/{sid}/pools", json={"start": "192.0.2.150", "end": "192.0.2.160"}), 409)
    assert e["field"] == "start" and "overlaps" in e["message"]

    res = ok(admin.api("POST", f"/api/v1/subnets/{sid}/reservations", json={
        "hw_address": "52:54:00:12:34:56", "address": "192.0.2.10", "hostname": "printer"}), 201)
    assert res["address"] == "192.0.2.10"
    e = error_of(admin.api("POST", f"/api/v1/subnets/{sid}/reservations",
                           json={"hw_address": "52:54:00:12:34:57", "address": "192.0.2.10"}), 409)
    assert e["field"] == "address"

    shown = ok(admin.api("GET", f"/api/v1/subnets/{sid}"))
    assert shown["vlan"] == 20
    assert [p["start"] for p in shown["dhcp"]["pools"]] == ["192.0.2.100", "192.0.2.200"]
    assert ok(admin.api("GET", "/api/v1/dhcp/leases")) == {"leases": [], "more": False, "next_after": None}
    assert error_of(admin.api("GET", "/api/v1/dhcp/leases?state=bogus"), 400)["field"] == "state"
    assert admin.api("GET", "/api/v1/dhcp/leases/192.0.2.100").status == 404

    stats = ok(admin.api("GET", "/api/v1/dhcp/statistics"))
    [one] = stats["subnets"]
    assert (one["pool_size"], one["assigned"], one["reserved"], one["free"]) == (110, 0, 1, 110)
    assert stats["totals"]["free"] == 110
    # No engine answers on a node without DHCP interfaces: the figures come from the database.
    assert one["free_source"] == "database"

    # Deleting what is in use names what uses it.
    e = error_of(admin.api("DELETE", "/api/v1/dhcp/classes/pxe"), 409)
    assert "192.0.2.200" in e["message"]
    e = error_of(admin.api("DELETE", f"/api/v1/subnets/{sid}"), 409)
    assert "DHCP" in e["message"]
    assert admin.api("DELETE", f"/api/v1/subnets/{sid}/dhcp").status == 204
    assert admin.api("DELETE", "/api/v1/dhcp/classes/pxe").status == 204
    assert admin.api("DELETE", f"/api/v1/subnets/{sid}").status == 204
    assert admin.api("GET", f"/api/v1/subnets/{sid}").status == 404

    audit = ok(admin.api("GET", "/api/v1/audit?object_type=subnet"))
    assert sorted(e["action"] for e in audit["entries"]) == ["subnet.create", "subnet.delete"]
    [created] = [e for e in audit["entries"] if e["action"] == "subnet.create"]
    assert created["before"] is None and created["after"]["network"] == "192.0.2.0/24"
    assert created["actor"] == admin.credentials.username
    assert ok(admin.api("GET", "/api/v1/audit?action=dhcp.pool.create"))["entries"]

    doc = ok(admin.api("GET", "/api/v1/openapi.json"))
    assert "patch" in doc["paths"]["/api/v1/dhcp/pools/{pool_id}"]
    assert "/api/v1/dhcp/statistics" in doc["paths"]


def test_viewer_reads_but_cannot_write(admin):
    token = ok(admin.api("POST", "/api/v1/tokens", json={"name": "look", "role": "viewer"}), 201)["token"]
    assert admin.api("GET", "/api/v1/subnets", token=token, cookie="").status == 200
    r = admin.api("POST", "/api/v1/subnets", json={"network": "10.9.0.0/16"}, token=token, cookie="")
    assert error_of(r, 403)["code"] == "forbidden"


def test_ddictl_manages_subnets_and_dhcp(admin, tmp_path):
    token = ok(admin.api("POST", "/api/v1/tokens", json={"name": "cli", "role": "operator"}), 201)["token"]
    env = {"DDICTL_TOKEN": token}

    def run(*args, code=0):
        r = ddictl(admin, *args, env_extra=env)
        assert r.returncode == code, (args, r.stdout, r.stderr)
        return json.loads(r.stdout) if code == 0 and r.stdout.strip() else r

    sid = run("subnet", "add", "198.51.100.0/24", "--name", "lab", "--vlan", "30")["id"]
    assert run("subnet", "show", str(sid))["dhcp"] is None
    settings = tmp_path / "dhcp.json"
    settings.write_text(json.dumps({"lease_time": 600}))
    assert run("dhcp", "subnet", str(sid), "set", f"@{settings}")["lease_time"] == 600  # created
    assert run("dhcp", "subnet", str(sid), "set", '{"t1": 200}')["t1"] == 200        # changed
    assert run("dhcp", "subnet", str(sid))["lease_time"] == 600

    pool = run("dhcp", "pool", "add", str(sid), "198.51.100.50", "198.51.100.99")
    assert pool["size"] == 50
    assert len(run("dhcp", "pool", "list", str(sid))["pools"]) == 1
    r = run("dhcp", "pool", "add", str(sid), "198.51.100.1", "203.0.113.1", code=1)
    assert "field end" in r.stderr

    res = run("dhcp", "reservation", "add", str(sid), "198.51.100.7", "--mac", "52:54:00:aa:bb:cc", "--hostname", "nas")
    assert res["hostname"] == "nas"
    assert len(run("dhcp", "reservation", "list", str(sid))["reservations"]) == 1
    run("dhcp", "reservation", "add", str(sid), "198.51.100.8", code=2)  # neither --mac nor --client-id

    run("dhcp", "class", "add", '{"name": "phones", "match": {"mac_prefix": "00:04:f2"}}')
    assert [c["name"] for c in run("dhcp", "class", "list")["classes"]] == ["phones"]
    run("dhcp", "option-def", "add", "224", "site-id", "string")
    assert any(d["code"] == 224 and d["name"] == "site-id" for d in run("dhcp", "option-def", "list")["option_definitions"])
    r = run("dhcp", "option-def", "add", "225", "Bad Name", "string", code=1)
    assert "field name" in r.stderr

    leases = run("dhcp", "lease", "list", "--subnet", str(sid), "--state", "active", "--mac", "52:54:00:aa:bb:cc")
    assert leases["leases"] == [] and leases["more"] is False
    r = run("dhcp", "lease", "show", "198.51.100.60", code=1)
    assert "404" in r.stderr
    r = run("dhcp", "lease", "release", "198.51.100.60", code=1)
    assert "404" in r.stderr
    r = run("dhcp", "lease", "reserve", "198.51.100.60", code=1)
    assert "404" in r.stderr
    stats = run("dhcp", "stats")
    assert stats["totals"]["pool_size"] == 50 and stats["totals"]["free"] == 50

    r = run("subnet", "delete", str(sid), code=1)
    assert "409" in r.stderr and "DHCP" in r.stderr
    run("dhcp", "option-def", "delete", "224")
    run("dhcp", "class", "delete", "phones")
    run("dhcp", "reservation", "delete", str(res["id"]))
    run("dhcp", "pool", "delete", str(pool["id"]))
    run("dhcp", "subnet", str(sid), "delete")
    run("subnet", "delete", str(sid))
    assert run("subnet", "list")["subnets"] == []
    run("subnet", "frobnicate", code=2)
