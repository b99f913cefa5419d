"""Zone transfers from the real ddid to stock secondaries: BIND (named) and Knot DNS follow a ddid
zone over TSIG, NOTIFY tells them of each change, and the change after the first full transfer
arrives by IXFR, as ddid's own transfer counters show. Refusals are checked with dig."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from ddid_harness import skip_or_fail

SECRET = base64.b64encode(b"ddid-transfer-test-secret-0123456789").decode()
KEY = f"hmac-sha256:xfr-key:{SECRET}"
ZONE = "xfr.test"
NAMES = 1500  # enough records that a full transfer takes several messages, each signed


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port")


def dig(port: int, *args: str, timeout: float = 10) -> str:
    r = subprocess.run(["dig", "-p", str(port), "@127.0.0.1", "+tries=1", "+time=2", *args],
                       capture_output=True, text=True, timeout=timeout)
    return r.stdout + r.stderr


def soa_serial(port: int) -> int | None:
    out = dig(port, ZONE, "SOA", "+short", "+norecurse")
    fields = out.split()
    return int(fields[2]) if len(fields) >= 7 and fields[2].isdigit() else None


def unconfined(cmd: list[str]) -> list[str]:
    """A stock Debian host confines named with AppArmor, which forbids files under /tmp."""
    aa_exec = shutil.which("aa-exec")
    if aa_exec and Path("/sys/kernel/security/apparmor/profiles").exists():
        return [aa_exec, "-p", "unconfined", "--", *cmd]
    return cmd


class Secondary:
    """A named or knotd process of the test's own, stopped by PID."""

    def __init__(self, name: str, cmd: list[str], workdir: Path, port: int):
        self.name, self.port, self.workdir = name, port, workdir
        self.log = open(workdir / f"{name}.log", "w")
        self.proc = subprocess.Popen(unconfined(cmd), stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_for_serial(self, serial: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.proc.returncode}):\n{self.output()}")
            got = soa_serial(self.port)
            if got is not None and got >= serial:
                return
            time.sleep(0.25)
        raise AssertionError(f"{self.name} did not reach serial {serial} in {timeout}s "
                             f"(has {soa_serial(self.port)}):\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        return (self.workdir / f"{self.name}.log").read_text()[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


def start_named(workdir: Path, port: int, primary_port: int) -> Secondary:
    named = shutil.which("named") or "/usr/sbin/named"
    if not Path(named).exists():
        skip_or_fail("named (package bind9) is not installed")
    d = workdir / "named"
    d.mkdir()
    conf = d / "named.conf"
    conf.write_text(f"""
options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    notify no;
    dnssec-validation no;
}};
controls {{ }};
key "xfr-key" {{ algorithm hmac-sha256; secret "{SECRET}"; }};
zone "{ZONE}" {{
    type secondary;
    primaries port {primary_port} {{ 127.0.0.1 key "xfr-key"; }};
    file "{d}/{ZONE}.db";
}};
""")
    return Secondary("named", [named, "-g", "-n", "1", "-c", str(conf)], d, port)


def start_knot(workdir: Path, port: int, primary_port: int) -> Secondary:
    knotd = shutil.which("knotd") or "/usr/sbin/knotd"
    if not Path(knotd).exists():
        skip_or_fail("knotd (package knot) is not installed")
    d = workdir / "knot"
    (d / "db").mkdir(parents=True)  # knotd does not make its journal directory itself
    conf = d / "knot.conf"
    conf.write_text(f"""
server:
    rundir: "{d}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{d}/db"
key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: {SECRET}
remote:
  - id: ddid
    address: 127.0.0.1@{primary_port}
    key: xfr-key
acl:
  - id: notify_from_ddid
    address: 127.0.0.1
    key: xfr-key
    action: notify
template:
  - id: default
    storage: "{d}"
zone:
  - domain: {ZONE}
    master: ddid
    acl: notify_from_ddid
""")
    return Secondary("knot", [knotd, "-c", str(conf)], d, port)


def transfer_counts(node) -> dict[tuple[str, str], int]:
    text = node.api("GET", "/metrics").body.decode()
    out = {}
    for m in re.finditer(r'^ddid_dns_transfers_total\{type="(\w+)",result="(\w+)"\} (\d+)$', text, re.M):
        out[(m.group(1), m.group(2))] = int(m.group(3))
    return out


def zone_file() -> str:
    lines = [f"$ORIGIN {ZONE}.", "$TTL 300",
             "@ IN SOA ns1 hostmaster 1 60 30 86400 60",
             "@ IN NS ns1", "ns1 IN A 192.0.2.53"]
    lines += [f"host{i} IN A 198.51.{i // 250}.{i % 250 + 1}" for i in range(NAMES)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def primary(node):
    assert node.login().status == 200
    r = node.api("POST", "/api/v1/zones", json={"name": ZONE, "zone_file": zone_file()})
    assert r.status == 201, r
    r = node.api("POST", "/api/v1/tsig-keys", json={"name": "xfr-key", "secret": SECRET})
    assert r.status == 201, r
    return node


def set_access(node, notify_ports: list[int]) -> None:
    r = node.api("PUT", f"/api/v1/zones/{ZONE}/access", json={
        "allow_transfer": [{"network": "127.0.0.0/8", "key": "xfr-key"}],
        "notify": [{"address": "127.0.0.1", "port": p, "key": "xfr-key"} for p in notify_ports],
    })
    assert r.status == 200, r


def change(node, owner: str, address: str) -> int:
    r = node.api("PUT", f"/api/v1/zones/{ZONE}/rrsets/{owner}/A", json={"ttl": 300, "rdata": [address]})
    assert r.status == 200, r
    return r.json()["serial"]


def test_bind_and_knot_follow_a_ddid_zone_by_axfr_then_ixfr(primary, tmp_path):
    ddid_port = primary.dns_address()[1]
    named_port, knot_port = free_port(), free_port()
    set_access(primary, [named_port, knot_port])
    secondaries = []
    try:
        secondaries.append(start_named(tmp_path, named_port, ddid_port))
        secondaries.append(start_knot(tmp_path, knot_port, ddid_port))
        # First contact: both load the whole zone (AXFR, several signed messages).
        for s in secondaries:
            s.wait_for_serial(1)
        for s in secondaries:
            out = dig(s.port, f"host{NAMES - 1}.{ZONE}", "A", "+short", "+norecurse")
            assert out.strip() == f"198.51.{(NAMES - 1) // 250}.{(NAMES - 1) % 250 + 1}", (s.name, out)
        before = transfer_counts(primary)
        assert before.get(("axfr", "full"), 0) + before.get(("ixfr", "full"), 0) >= 2, before

        # A change through the API: NOTIFY brings both, by IXFR, within 30 s.
        serial = change(primary, "www", "203.0.113.7")
        for s in secondaries:
            s.wait_for_serial(serial)
            assert dig(s.port, f"www.{ZONE}", "A", "+short", "+norecurse").strip() == "203.0.113.7", s.name
        after = transfer_counts(primary)
        assert after.get(("ixfr", "incremental"), 0) - before.get(("ixfr", "incremental"), 0) >= 2, (before, after)
        full_before = before.get(("axfr", "full"), 0) + before.get(("ixfr", "full"), 0)
        full_after = after.get(("axfr", "full"), 0) + after.get(("ixfr", "full"), 0)
        assert full_after == full_before, ("the change went by full transfer, not IXFR",
                                           [str(e) for e in primary.log_events("dns.transfer")])

        # And again: the journal carries the second change too.
        serial = change(primary, "www", "203.0.113.8")
        for s in secondaries:
            s.wait_for_serial(serial)
            assert dig(s.port, f"www.{ZONE}", "A", "+short", "+norecurse").strip() == "203.0.113.8", s.name
        final = transfer_counts(primary)
        assert final.get(("ixfr", "incremental"), 0) - before.get(("ixfr", "incremental"), 0) >= 4, (before, final)
        assert primary.log_events("dns.notify_acked"), "no secondary acknowledged a NOTIFY"
        assert not [e for e in primary.log_events("dns.transfer_refused")], "a secondary was refused"
    finally:
        for s in secondaries:
            s.stop()
    assert SECRET not in primary.stderr() + primary.stdout(), "the TSIG secret was logged"


def test_transfers_are_refused_unless_allowed_and_signed(primary):
    port = primary.dns_address()[1]
    # No access list yet: nobody may transfer, signed or not.
    assert "Transfer failed" in dig(port, ZONE, "AXFR", "-y", KEY)
    set_access(primary, [])
    # Unsigned from an allowed network: the rule names a key, so REFUSED.
    out = dig(port, ZONE, "AXFR")
    assert "Transfer failed" in out, out
    # Signed with the right key: the whole zone, every message signed (dig checks each MAC).
    out = dig(port, ZONE, "AXFR", "-y", KEY, timeout=20)
    assert f"host{NAMES - 1}.{ZONE}." in out, out
    assert "XFR size: " in out and "messages 1," not in out, "expected a transfer of several messages"
    assert "Couldn't verify" not in out and "TSIG" in out, out
    # A wrong secret: NOTAUTH with BADSIG, and nothing of the zone.
    wrong = "hmac-sha256:xfr-key:" + base64.b64encode(b"not-the-secret-at-all-0123456789").decode()
    out = dig(port, ZONE, "AXFR", "-y", wrong)
    assert f"host1.{ZONE}." not in out and ("BADSIG" in out or "tsig" in out.lower()), out
    # An unknown key: BADKEY.
    other = "hmac-sha256:other-key:" + SECRET
    out = dig(port, ZONE, "SOA", "-y", other, "+norecurse")
    assert "NOTAUTH" in out and "BADKEY" in out, out
    # A zone we do not serve: NOTAUTH.
    out = dig(port, "other.test", "AXFR", "-y", KEY)
    assert "Transfer failed" in out, out
    # IXFR over UDP from an old serial: only the current SOA (RFC 1995 2: retry over TCP).
    out = dig(port, ZONE, "IXFR=0", "+notcp", "-y", KEY)
    assert re.search(rf"^{re.escape(ZONE)}\.\s+\d+\s+IN\s+SOA", out, re.M) and "host1." not in out, out
    counts = transfer_counts(primary)
    assert counts.get(("axfr", "refused"), 0) >= 2, counts
    assert counts.get(("axfr", "not_auth"), 0) >= 1, counts
    refused = primary.log_events("dns.transfer_refused")
    assert refused and refused[-1]["zone"] == f"{ZONE}.", refused


def test_access_lists_are_checked_by_the_api(primary):
    bad = primary.api("PUT", f"/api/v1/zones/{ZONE}/access",
                      json={"allow_update": [{"network": "127.0.0.1"}]})
    assert bad.status == 400 and bad.json()["error"]["field"] == "allow_update[0].key", bad
    bad = primary.api("PUT", f"/api/v1/zones/{ZONE}/access",
                      json={"allow_transfer": [{"network": "10.0.0.1/8", "key": "xfr-key"}]})
    assert bad.status == 400 and bad.json()["error"]["field"] == "allow_transfer[0].network", bad
    bad = primary.api("PUT", f"/api/v1/zones/{ZONE}/access",
                      json={"notify": [{"address": "192.0.2.1", "key": "missing-key"}]})
    assert bad.status == 400 and bad.json()["error"]["field"] == "notify[0].key", bad
    set_access(primary, [5399])
    got = primary.api("GET", f"/api/v1/zones/{ZONE}/access").json()
    assert got["allow_transfer"] == [{"network": "127.0.0.0/8", "key": "xfr-key."}]
    assert got["notify"] == [{"address": "127.0.0.1", "port": 5399, "key": "xfr-key."}]
    # A key in use cannot be deleted; the listing never shows a secret.
    assert primary.api("DELETE", "/api/v1/tsig-keys/xfr-key").status == 409
    keys = primary.api("GET", "/api/v1/tsig-keys").json()["keys"]
    assert [k["name"] for k in keys] == ["xfr-key."] and "secret" not in keys[0]
    # A key made without a secret gets a random one, shown once.
    made = primary.api("POST", "/api/v1/tsig-keys", json={"name": "fresh", "algorithm": "hmac-sha512"}).json()
    assert len(base64.b64decode(made["secret"])) == 64
    audit = primary.api("GET", "/api/v1/audit?action=tsig_key.create").json()["entries"]
    assert audit and made["secret"] not in str(audit)


def test_ddictl_manages_keys_and_access(primary):
    from test_foundation import ddictl
    env = {"DDICTL_TOKEN": primary.api("POST", "/api/v1/tokens", json={"name": "cli", "role": "admin"}).json()["token"]}
    r = ddictl(primary, "tsig", "add", "cli-key", "--algorithm", "hmac-sha384", env_extra=env)
    assert r.returncode == 0, r.stderr
    made = json.loads(r.stdout)
    assert made["name"] == "cli-key." and len(base64.b64decode(made["secret"])) == 48
    r = ddictl(primary, "zone", "access", ZONE, "set",
               '{"allow_transfer": [{"network": "192.0.2.0/24", "key": "cli-key"}]}', env_extra=env)
    assert r.returncode == 0, r.stderr
    r = ddictl(primary, "zone", "access", ZONE, env_extra=env)
    assert '"cli-key."' in r.stdout and "192.0.2.0/24" in r.stdout, r.stdout
    r = ddictl(primary, "tsig", "delete", "cli-key", env_extra=env)
    assert r.returncode == 1 and "409" in r.stderr, r.stderr  # still in use
    r = ddictl(primary, "zone", "access", ZONE, "set", "{}", env_extra=env)
    assert r.returncode == 0, r.stderr
    r = ddictl(primary, "tsig", "delete", "cli-key", env_extra=env)
    assert r.returncode == 0, r.stderr
    r = ddictl(primary, "tsig", "list", env_extra=env)
    assert "cli-key" not in r.stdout and "xfr-key." in r.stdout
