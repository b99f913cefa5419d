"""The harness itself (with stand-in programs), and ddid's start-up contract that it relies on."""

import os
import stat
import textwrap
import time

import pytest

from ddid_harness import Node, NodeError, deep_merge, parse_credentials, parse_hostport, parse_log_line


def fake_binary(tmp_path, body: str):
    path = tmp_path / "fake-ddid"
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


def test_parsers():
    assert parse_hostport("127.0.0.1:5300") == ("127.0.0.1", 5300)
    assert parse_hostport("[::1]:53") == ("::1", 53)
    with pytest.raises(ValueError):
        parse_hostport("localhost")
    creds = parse_credentials("ddid is running\n  url: https://127.0.0.1:8443/\n  username: admin\n  password: s3cr3t-X\n")
    assert (creds.username, creds.password, creds.url) == ("admin", "s3cr3t-X", "https://127.0.0.1:8443/")
    assert parse_credentials("no password here") is None
    fields = parse_log_line('ts=2024-01-01T00:00:00Z level=info event=dns.listen address="a b" n=3')
    assert fields == {"ts": "2024-01-01T00:00:00Z", "level": "info", "event": "dns.listen", "address": "a b", "n": "3"}
    assert deep_merge({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"b": 5}, "d": None}) == {"a": {"b": 5, "c": 2}}


def test_a_process_that_exits_early_is_reported_with_its_stderr(tmp_path):
    binary = fake_binary(tmp_path, 'echo "dns.listen: unknown key" >&2\nexit 2\n')
    node = Node(binary, tmp_path / "n")
    with pytest.raises(NodeError) as e:
        node.start(timeout=10)
    assert "exited with 2" in str(e.value)
    assert "dns.listen: unknown key" in str(e.value)
    assert node.returncode == 2


def test_no_ready_file_in_time_kills_the_process(tmp_path):
    binary = fake_binary(tmp_path, 'echo starting >&2\nexec sleep 60\n')
    node = Node(binary, tmp_path / "n")
    started = time.monotonic()
    with pytest.raises(NodeError) as e:
        node.start(timeout=1)
    assert time.monotonic() - started < 10
    assert "no ready file" in str(e.value) and "starting" in str(e.value)
    assert not node.running


def test_stop_escalates_to_sigkill(tmp_path):
    # Writes the ready file, then ignores SIGTERM.
    binary = fake_binary(tmp_path, '''
        trap '' TERM
        while [ "$1" != "--ready-file" ]; do shift; done
        echo '{"pid": '$$', "dns": {"udp": [], "tcp": []}, "http": []}' > "$2.tmp" && mv "$2.tmp" "$2"
        while :; do sleep 0.1; done
    ''')
    node = Node(binary, tmp_path / "n")
    (node.data_dir / "existing").parent.mkdir(parents=True)
    (node.data_dir / "existing").touch()  # not a first start: no credentials to wait for
    node.start(timeout=10)
    assert node.ready["pid"] == node.pid
    assert node.credentials is None
    started = time.monotonic()
    assert node.stop(timeout=1) == -9
    assert time.monotonic() - started < 10


def test_first_start_prints_credentials_and_stops_cleanly(node):
    assert node.ready["pid"] == node.pid
    assert node.credentials is not None, node.describe()
    assert node.credentials.username == "admin"
    assert len(node.credentials.password) >= 12
    secret = node.data_dir / "initial-admin-password"
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert node.credentials.password in secret.read_text()
    # The password goes to standard output only, never to the log.
    assert node.credentials.password not in node.stderr()
    assert node.stop() == 0, node.describe()
