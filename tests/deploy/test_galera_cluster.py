"""The app on a three-node MariaDB Galera cluster, under load and a ``kill -9`` of a node: ``bench/cluster.py``
at a small size, run as a program (its own cluster under /tmp, three gunicorn servers, one Redis database).

It skips where galera-4 is not installed (``apt-get install -y galera-4 rsync``), unless
``ANXIN_TEST_REQUIRE_GALERA=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cluster import missing
from tests.deploy.test_two_servers import shared_redis

__all__ = ["shared_redis"]  # the fixture, used by name below

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_GALERA = os.environ.get("ANXIN_TEST_REQUIRE_GALERA") == "1"

pytestmark = pytest.mark.slow


def cannot_run(reason: str) -> None:
    if REQUIRE_GALERA:
        pytest.fail(reason + " (ANXIN_TEST_REQUIRE_GALERA=1)")
    pytest.skip(reason)


def test_three_nodes_three_servers_nothing_lost_or_doubled_through_a_kill(shared_redis: str) -> None:
    reason = missing()
    if reason:
        cannot_run(reason)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    done = subprocess.run([sys.executable, "-m", "bench.cluster", "--seconds", "5", "--pairs", "6",
                           "--redis", shared_redis], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    output = done.stdout + done.stderr
    if done.returncode == 2:
        cannot_run(output.strip().splitlines()[-1])
    assert done.returncode == 0, output
    for check in ("migrations run once", "answered and recorded once", "binds once", "rate limit across servers",
                  "customer-service quota across nodes", "digest once per parent", "escalation once per parent",
                  "no acknowledged entry lost or doubled", "the rejoined node caught up",
                  "the dead node's server carried on"):
        assert f"ok   {check}:" in done.stdout, output
    assert "all checks held" in done.stdout
