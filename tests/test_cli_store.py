"""The foundation commands: --version, init, demo, desk, and the --json contract."""

import json
import os
import subprocess
import sys

from sqlalchemy import func, select

from calldesk.cli.main import main
from calldesk.models import Appointment, Attempt, CallList, Campaign, Contact, Event, Rep
from calldesk.store import head_revision, open_store


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "calldesk.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_version_plain_and_json() -> None:
    plain = run_cli("--version")
    assert plain.returncode == 0 and plain.stdout.startswith("calldesk ")
    as_json = run_cli("--version", "--json")
    assert json.loads(as_json.stdout)["version"] == plain.stdout.split()[1]


def test_demo_then_init_print_counts_and_revision(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    demo = run_cli("--db", url, "demo", "--json")
    assert demo.returncode == 0, demo.stderr
    summary = json.loads(demo.stdout)  # exactly one JSON document on stdout
    assert summary["schema_revision"] == head_revision()
    assert summary["counts"]["contacts"] > 600
    init = run_cli("--db", url, "init", "--json")
    assert init.returncode == 0, init.stderr
    state = json.loads(init.stdout)
    assert state["schema_revision"] == head_revision()
    assert state["counts"] == summary["counts"]

    store = open_store(url)
    try:
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(CallList)) == 4
            events = {e.name: e for e in s.scalars(select(Event))}
            assert len(events) == 2
            assert all(e.follow_up_deadline for e in events.values())
            assert {r.role for r in s.scalars(select(Rep))} == {"qualifier", "field", "manager"}
            sprints = {
                c.event_id: c.script_key
                for c in s.scalars(select(Campaign).where(Campaign.kind == "event_sprint"))
            }
            by_kind = {events[name].kind: sprints[events[name].id] for name in events}
            assert by_kind == {"trade_show": "trade_show", "webinar": "webinar"}
            assert s.scalar(select(func.count()).select_from(Attempt)) > 100
            grades = set(s.scalars(select(Attempt.grade).where(Attempt.grade.is_not(None))))
            assert {"A", "B", "C", "D"} <= grades
            statuses = set(s.scalars(select(Appointment.status)))
            assert {"accepted", "rejected"} <= statuses
            # every imported contact with a valid number has a place the rules can judge
            unplaced = s.scalar(
                select(func.count())
                .select_from(Contact)
                .where(Contact.locale_key.is_(None), Contact.callable)
            )
            assert unplaced == 0
    finally:
        store.close()


def test_demo_refuses_a_store_that_has_data(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'y.db'}"
    assert main(["--db", url, "rep", "add", "Someone"]) == 0
    capsys.readouterr()
    assert main(["--db", url, "demo", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "new, empty store" in captured.err


def test_errors_go_to_stderr_with_nonzero_exit(tmp_path) -> None:
    bad = run_cli("--db", f"sqlite:///{tmp_path / 'z.db'}", "no-such-command", "--json")
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "invalid choice" in bad.stderr


def test_unreachable_store_is_a_clear_error() -> None:
    result = run_cli("--db", "postgresql+psycopg://nobody:pw@127.0.0.1:1/none", "init", "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "cannot open store" in result.stderr and "pw" not in result.stderr


def test_desk_without_a_display_explains_how_to_get_one(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-m", "calldesk.cli.main", "--db", str(tmp_path / "d.db"), "desk"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1
    assert "xvfb-run" in result.stderr
    assert "Aborted" not in result.stderr
