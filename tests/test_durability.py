"""An outcome that was acknowledged survives the process being killed (kill -9)."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from calldesk.models import Attempt
from calldesk.store import open_store

WRITER = Path(__file__).with_name("attempt_writer.py")


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_acknowledged_attempts_survive_kill_9(backend, request, tmp_path) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    open_store(url).close()  # migrate first so the child starts writing at once
    rng = random.Random()
    for _round in range(2):
        out = tmp_path / f"acks-{_round}.txt"
        with open(out, "w") as sink:
            child = subprocess.Popen(
                [sys.executable, str(WRITER), url], stdout=sink, env={**os.environ}
            )
            try:
                deadline = time.monotonic() + 30
                while "ready" not in out.read_text() and time.monotonic() < deadline:
                    time.sleep(0.02)
                assert "ready" in out.read_text(), "writer never started"
                time.sleep(rng.uniform(0.2, 0.9))
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait()
        acknowledged = {int(line) for line in out.read_text().split() if line.isdigit()}
        assert acknowledged, "the writer acknowledged nothing before it was killed"
        store = open_store(url)
        try:
            with store.session() as session:
                stored = set(session.scalars(select(Attempt.id)))
        finally:
            store.close()
        assert acknowledged <= stored, f"lost {sorted(acknowledged - stored)[:10]}"
