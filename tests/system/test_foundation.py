"""The foundation's contract, end to end against the real ddid: first start, login, roles,
tokens, bad input, bad config, reload, graceful stop, the admin reset and ddictl."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import ssl
import stat
import subprocess
import time
from pathlib import Path

import pytest

from ddid_harness import build_dir, insecure_tls_context, run_ddid


def error_of(r):
    """The JSON error body every 4xx/5xx must carry."""
    body = r.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "field" in body["error"]
    return body["error"]


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def raw_tls_exchange(host, port, payload: bytes, timeout=5.0) -> bytes:
    """Sends bytes as they are over TLS and returns what comes back until the server closes."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        with insecure_tls_context().wrap_socket(sock) as tls:
            tls.sendall(payload)
            chunks = []
            try:
                while True:
                    data = tls.recv(65536)
                    if not data:
                        break
                    chunks.append(data)
            except (socket.timeout, ssl.SSLError, ConnectionResetError):
                pass
            return b"".join(chunks)


# ---- first start and login -------------------------------------------------------------------


def test_first_start_prints_credentials_once_and_never_logs_them(node_factory):
    node = node_factory.start()
    creds = node.credentials
    assert creds is not None, node.describe()
    assert creds.username == "admin"
    assert len(creds.password) >= 16
    assert creds.url and creds.url.startswith("https://127.0.0.1:")
    pw_file = node.data_dir / "initial-admin-password"
    assert pw_file.read_text().strip() == creds.password
    assert stat.S_IMODE(pw_file.stat().st_mode) == 0o600
    assert creds.password not in node.stderr(), "the initial password reached the log"

    node.stop()
    node.start()
    assert "password:" not in node.stdout(), "a second start printed a password again"
    assert node.login(creds.username, creds.password).status == 200


def test_login_sets_a_strict_session_cookie_and_a_wrong_password_is_refused(node):
    bad = node.login("admin", "not-the-password")
    assert bad.status == 401
    assert error_of(bad)["message"]
    unknown = node.login("nobody", "not-the-password")
    assert unknown.status == 401
    assert error_of(unknown)["message"] == error_of(bad)["message"], "the reply tells which users exist"

    ok = node.login()
    assert ok.status == 200, ok
    cookie = ok.header("Set-Cookie")
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert attrs[0].startswith("ddid_session=")
    assert "httponly" in attrs and "secure" in attrs and "samesite=strict" in attrs
    assert any(a.startswith("max-age=") or a.startswith("expires=") for a in attrs)

    status = node.api("GET", "/api/v1/status")
    assert status.status == 200, status
    body = status.json()
    assert body["node"] == node.name
    assert body["version"]
    assert body["uptime_seconds"] >= 0
    assert body["services"]["dns"]["state"] == "running"
    assert body["services"]["dhcp"]["state"] == "off"

    me = node.api("GET", "/api/v1/me").json()
    assert me["user"] == "admin" and me["role"] == "admin"

    assert node.api("POST", "/api/v1/logout", json={}).status in (200, 204)
    assert node.api("GET", "/api/v1/status").status == 401


def test_unauthenticated_calls_get_401_but_health_answers(node):
    for path in ("/api/v1/status", "/api/v1/users", "/api/v1/audit", "/metrics"):
        r = node.api("GET", path, token="", cookie="")
        assert r.status == 401, (path, r)
        assert error_of(r)
    r = node.api("GET", "/api/v1/status", token="not-a-token", cookie="")
    assert r.status == 401
    health = node.api("GET", "/api/v1/health", token="", cookie="")
    assert health.status == 200 and health.json()["ok"] is True


def test_a_viewer_token_reads_but_cannot_write(node):
    assert node.login().status == 200
    made = node.api("POST", "/api/v1/tokens", json={"name": "dashboards", "role": "viewer", "expires_in": "1d"})
    assert made.status in (200, 201), made
    secret = made.json()["token"]
    listed = node.api("GET", "/api/v1/tokens").json()
    assert secret not in json.dumps(listed), "a token's secret is shown again after creation"

    assert node.api("GET", "/api/v1/status", token=secret, cookie="").status == 200
    assert node.api("GET", "/metrics", token=secret, cookie="").status == 200
    denied = node.api("POST", "/api/v1/users", token=secret, cookie="",
                      json={"name": "eve", "password": "a-long-password-1", "role": "admin"})
    assert denied.status == 403
    assert error_of(denied)
    assert node.api("GET", "/api/v1/users/eve").status == 404

    audit = node.api("GET", "/api/v1/audit?object_type=token").json()
    entries = audit["entries"] if isinstance(audit, dict) else audit
    assert any(e["action"].startswith("token") and e["actor"] == "admin" for e in entries), audit
    assert secret not in json.dumps(audit)


def test_users_and_roles_through_the_api_are_audited(node):
    assert node.login().status == 200
    r = node.api("POST", "/api/v1/users", json={"name": "olga", "password": "operator-password-1", "role": "operator"})
    assert r.status in (200, 201), r
    again = node.api("POST", "/api/v1/users", json={"name": "olga", "password": "operator-password-1", "role": "operator"})
    assert again.status == 409 and error_of(again)
    bad = node.api("POST", "/api/v1/users", json={"name": "vic", "password": "viewer-password-1", "role": "root"})
    assert bad.status == 400 and error_of(bad)["field"] == "role"

    admin_cookie = node.cookie
    assert node.login("olga", "operator-password-1").status == 200
    assert node.api("GET", "/api/v1/status").status == 200
    assert node.api("POST", "/api/v1/users", json={"name": "x", "password": "xxxxxxxxxxxxxxx", "role": "viewer"}).status == 403
    node.cookie = admin_cookie

    changed = node.api("PUT", "/api/v1/users/olga", json={"role": "viewer"})
    assert changed.status == 200, changed
    entries = node.api("GET", "/api/v1/audit?actor=admin&object_type=user").json()
    entries = entries["entries"] if isinstance(entries, dict) else entries
    update = next(e for e in entries if e["object_id"] == "olga" and e["action"] == "user.update")
    assert update["before"]["role"] == "operator" and update["after"]["role"] == "viewer"
    assert "password" not in json.dumps(entries).lower().replace("password_changed", "")


def test_changing_the_admin_password_removes_the_initial_password_file(node):
    assert node.login().status == 200
    pw_file = node.data_dir / "initial-admin-password"
    assert pw_file.exists()
    short = node.api("PUT", "/api/v1/me/password", json={"current_password": node.credentials.password, "new_password": "short"})
    assert short.status == 400 and error_of(short)["field"] == "new_password"
    r = node.api("PUT", "/api/v1/me/password",
                 json={"current_password": node.credentials.password, "new_password": "a-much-better-password"})
    assert r.status in (200, 204), r
    assert not pw_file.exists()
    assert node.login("admin", "a-much-better-password").status == 200


# ---- bad input ---------------------------------------------------------------------------------


def test_malformed_http_and_json_get_json_errors_and_the_server_keeps_serving(node):
    host, port = node.http_addresses()[0]
    reply = raw_tls_exchange(host, port, b"THIS IS NOT HTTP\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert b'"error"' in reply

    reply = raw_tls_exchange(host, port, b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]

    r = node.api("POST", "/api/v1/login", body=b'{"username": "admin", "password": ', headers={"Content-Type": "application/json"},
                 token="", cookie="")
    assert r.status == 400 and error_of(r)["code"]
    r = node.api("POST", "/api/v1/login", json={"username": 5, "password": "x"}, token="", cookie="")
    assert r.status == 400 and error_of(r)["field"] == "username"
    r = node.api("POST", "/api/v1/login", json=["a"], token="", cookie="")
    assert r.status == 400 and error_of(r)

    big = b'{"username": "admin", "password": "' + b"x" * (2 << 20) + b'"}'
    try:
        r = node.api("POST", "/api/v1/login", body=big, headers={"Content-Type": "application/json"}, token="", cookie="")
        assert r.status == 413 and error_of(r)
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        pass  # the server may close before reading the whole body; serving on is what matters

    assert node.api("GET", "/api/v1/nope", token="", cookie="").status in (401, 404)
    assert node.login().status == 200
    missing = node.api("GET", "/api/v1/nope")
    assert missing.status == 404 and error_of(missing)
    wrong_method = node.api("DELETE", "/api/v1/status")
    assert wrong_method.status == 405 and error_of(wrong_method)
    assert node.api("GET", "/api/v1/status").status == 200


def test_tls_below_1_2_is_refused(node):
    host, port = node.http_addresses()[0]
    def handshake(*flags):
        return subprocess.run(["openssl", "s_client", "-connect", f"{host}:{port}", *flags],
                              input="", capture_output=True, text=True, timeout=20)
    old = handshake("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert "Cipher is (NONE)" in old.stdout or old.returncode != 0, old.stdout
    for flag in ("-tls1_2", "-tls1_3"):
        ok = handshake(flag)
        assert ok.returncode == 0 and "Cipher is (NONE)" not in ok.stdout, ok.stdout + ok.stderr


def test_login_attempts_are_rate_limited_per_source(node_factory):
    node = node_factory.start(config_overrides={"http": {"login_attempts_per_minute": 3}})
    codes = [node.login("admin", "wrong-password").status for _ in range(5)]
    assert codes[:3] == [401, 401, 401]
    assert codes[-1] == 429
    r = node.login("admin", "wrong-password")
    assert r.status == 429 and r.header("Retry-After") and error_of(r)


# ---- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize("config, key, words", [
    ({"http": {"listen": "127.0.0.1:8443"}}, "http.listen", "expected a list"),
    ({"http": {"listen": ["127.0.0.1:99999"]}}, "http.listen[0]", "port"),
    ({"dns": {"listen": ["::1:53"]}}, "dns.listen[0]", "brackets"),
    ({"dns": {"workers": -1}}, "dns.workers", "out of range"),
    ({"log": {"level": "chatty"}}, "log.level", "one of"),
    ({"htp": {"listen": []}}, "htp", "unknown key"),
    ({"http": {"session_ttl": "forever"}}, "http.session_ttl", "not a duration"),
])
def test_a_bad_config_is_refused_naming_the_key(ddid_binary, tmp_path, config, key, words):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(config))
    checked = run_ddid(ddid_binary, "--check-config", str(path))
    assert checked.returncode == 2
    assert key in checked.stderr and words in checked.stderr, checked.stderr
    started = run_ddid(ddid_binary, "--config", str(path), "--data-dir", str(tmp_path / "data"), timeout=20)
    assert started.returncode == 2
    assert key in started.stderr and words in started.stderr, started.stderr
    assert not (tmp_path / "data" / "ddid.db").exists(), "a bad config still created a database"


def test_a_config_with_a_syntax_error_names_line_and_column(ddid_binary, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "log": {\n    "level": "info",\n  }\n}\n')
    r = run_ddid(ddid_binary, "--check-config", str(path))
    assert r.returncode == 2 and f"{path}:4:" in r.stderr, r.stderr
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"log": {"level": "debug"}, "http": {"listen": ["127.0.0.1:0"]}}))
    r = run_ddid(ddid_binary, "--check-config", str(good))
    assert r.returncode == 0 and "ok" in r.stdout


def test_sighup_reloads_good_config_and_refuses_bad_config(node):
    node.config_overrides = {"log": {"level": "debug"}, "http": {"session_ttl": "1h"}}
    node.write_config()
    node.signal(signal.SIGHUP)
    wait_for(lambda: node.log_events("config.reloaded"), what="config.reloaded")
    assert "log.level" in node.log_events("config.reloaded")[-1]["applied"]

    node.config_overrides = {"dns": {"workers": 1}}
    node.write_config()
    node.signal(signal.SIGHUP)
    wait_for(lambda: node.log_events("config.restart_needed"), what="config.restart_needed")
    assert node.log_events("config.restart_needed")[-1]["key"] == "dns.workers"

    node.config_path.write_text('{"http": {"listen": 5}}')
    node.signal(signal.SIGHUP)
    wait_for(lambda: node.log_events("config.reload_refused"), what="config.reload_refused")
    assert "http.listen" in node.log_events("config.reload_refused")[-1]["error"]
    assert node.running
    assert node.api("GET", "/api/v1/health", token="", cookie="").status == 200
    node.write_config()


# ---- lifecycle -------------------------------------------------------------------------------


def test_sigterm_stops_gracefully_and_the_database_is_intact(node):
    assert node.login().status == 200
    for i in range(20):
        r = node.api("POST", "/api/v1/users", json={"name": f"user{i}", "password": f"password-number-{i:04d}", "role": "viewer"})
        assert r.status in (200, 201), r
    assert node.stop() == 0, node.describe()
    assert node.log_events("ddid.stopped")
    db = sqlite3.connect(node.data_dir / "ddid.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM auth_users").fetchone()[0] == 21
    finally:
        db.close()
    wal = node.data_dir / "ddid.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL was not checkpointed at stop"


def test_a_second_process_on_the_same_data_dir_is_refused(node, ddid_binary):
    r = run_ddid(ddid_binary, "--data-dir", str(node.data_dir), "--config", str(node.config_path), timeout=20)
    assert r.returncode != 0
    assert "in use" in r.stderr, r.stderr
    assert node.api("GET", "/api/v1/health", token="", cookie="").status == 200


def test_reset_admin_password(node_factory, ddid_binary):
    node = node_factory.start()
    old = node.credentials.password
    assert node.login().status == 200
    old_cookie = node.cookie
    node.stop()
    r = run_ddid(ddid_binary, "--data-dir", str(node.data_dir), "--reset-admin-password")
    assert r.returncode == 0, r.stderr
    new = next(line.split(":", 1)[1].strip() for line in r.stdout.splitlines() if line.strip().startswith("password:"))
    assert new != old and new not in r.stderr
    assert (node.data_dir / "initial-admin-password").read_text().strip() == new
    node.start()
    assert node.login("admin", old).status == 401
    assert node.api("GET", "/api/v1/status", cookie=old_cookie, token="").status == 401
    assert node.login("admin", new).status == 200


def test_openapi_and_metrics(node):
    assert node.login().status == 200
    doc = node.api("GET", "/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for p in ("/api/v1/login", "/api/v1/status", "/api/v1/users", "/api/v1/users/{name}", "/api/v1/tokens", "/api/v1/audit"):
        assert p in paths, p
    metrics = node.api("GET", "/metrics")
    assert metrics.status == 200
    assert metrics.header("Content-Type").startswith("text/plain")
    text = metrics.body.decode()
    assert "# TYPE ddid_uptime_seconds gauge" in text
    assert "ddid_storage_commits_total" in text
    assert "ddid_http_" in text


# ---- ddictl ------------------------------------------------------------------------------------


def ddictl(node, *args, input=None, env_extra=None):
    env = dict(os.environ, DDICTL_URL=node.base_url, DDICTL_SESSION=str(node.workdir / "ddictl-session.json"))
    env.pop("DDICTL_TOKEN", None)
    env.update(env_extra or {})
    return subprocess.run([str(build_dir() / "app" / "ddictl"), "-k", *args], input=input, capture_output=True,
                          text=True, timeout=30, env=env)


def test_ddictl_logs_in_reads_and_writes(node):
    r = ddictl(node, "status")
    assert r.returncode == 1 and "401" in r.stderr

    r = ddictl(node, "login", "--user", "admin", "--password-stdin", input=node.credentials.password + "\n")
    assert r.returncode == 0, r.stderr
    session = node.workdir / "ddictl-session.json"
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    r = ddictl(node, "status")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["node"] == node.name

    r = ddictl(node, "post", "tokens", '{"name": "automation", "role": "operator"}')
    assert r.returncode == 0, r.stderr
    token = json.loads(r.stdout)["token"]
    r = ddictl(node, "get", "me", env_extra={"DDICTL_TOKEN": token, "DDICTL_SESSION": "/nonexistent"})
    assert r.returncode == 0 and json.loads(r.stdout)["user"] == "admin"

    r = ddictl(node, "post", "users", "{not json")
    assert r.returncode == 2
    r = ddictl(node, "delete", "users/ghost")
    assert r.returncode == 1 and "404" in r.stderr
    r = ddictl(node, "get", "status", env_extra={"DDICTL_URL": "https://127.0.0.1:1"})
    assert r.returncode == 3

    assert ddictl(node, "logout").returncode == 0
    assert ddictl(node, "status").returncode == 1
