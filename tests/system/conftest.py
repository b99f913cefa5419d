"""Fixtures shared by the system tests: the ddid binary, started nodes, network namespaces.

With CI=true a test that cannot run fails instead of skipping (a skip there hides a defect).
Every test is bounded by an alarm (DDID_TEST_TIMEOUT seconds, default 120) on top of the
timeouts of each wait, so that a hang fails one test instead of the whole run.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ddid_harness import Node, NodeError, ddid_binary_path, skip_or_fail  # noqa: E402
import netns  # noqa: E402

TEST_TIMEOUT = int(os.environ.get("DDID_TEST_TIMEOUT", "120"))


class TimeLimitExceeded(Exception):
    pass


@pytest.fixture(autouse=True)
def _bounded_test_time():
    def expired(signum, frame):
        raise TimeLimitExceeded(f"test exceeded {TEST_TIMEOUT}s (DDID_TEST_TIMEOUT)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def ddid_binary() -> Path:
    path = ddid_binary_path()
    if not os.access(path, os.X_OK):
        skip_or_fail(f"{path} is not built (set DDID_BUILD_DIR or run the build first)")
    return path


class NodeFactory:
    """Makes nodes in the test's temporary directory and stops every one of them afterwards."""

    def __init__(self, binary: Path, base: Path):
        self.binary = binary
        self.base = base
        self.nodes: list[Node] = []

    def make(self, name: str = "node1", **kwargs) -> Node:
        node = Node(self.binary, self.base / name, name=name, **kwargs)
        self.nodes.append(node)
        return node

    def start(self, name: str = "node1", **kwargs) -> Node:
        return self.make(name, **kwargs).start()

    def stop_all(self) -> list[str]:
        """Stops every node; returns complaints about those that did not exit cleanly."""
        problems = []
        for node in self.nodes:
            was_running = node.running
            code = node.stop()
            # A node the test itself killed or stopped was judged by the test.
            if was_running and code not in (0, None):
                problems.append(f"{node.name} exited with {code} on SIGTERM\n{node.describe()}")
        return problems


@pytest.fixture
def node_factory(ddid_binary, tmp_path):
    factory = NodeFactory(ddid_binary, tmp_path)
    yield factory
    problems = factory.stop_all()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def node(node_factory) -> Node:
    """A started single node (port 0 everywhere), stopped with SIGTERM after the test."""
    try:
        return node_factory.start()
    except NodeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture
def netns_lab():
    """A NetnsLab whose namespaces, links and processes are removed after the test."""
    reason = netns.unavailable_reason()
    if reason:
        skip_or_fail(reason)
    with netns.NetnsLab() as lab:
        yield lab
