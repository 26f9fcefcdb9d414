"""The script library: versions in the store, old attempts shown with their own questions, and
the ``calldesk script`` commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_handoff import make_world, run_call

from calldesk.cli.main import main
from calldesk.models import Attempt, AuditEntry, Script, Setting
from calldesk.scripts import (
    ScriptError,
    get_script,
    install_defaults,
    list_scripts,
    render_attempt,
    save_script,
)
from calldesk.scripts.library import default_script_files
from calldesk.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "scripts"


def bant_text() -> str:
    return next(f for f in default_script_files() if f.stem == "bant").read_text()


def test_install_defaults_is_idempotent(sqlite_store: Store) -> None:
    with sqlite_store.write() as s:
        first = install_defaults(s)
        again = install_defaults(s)
        assert len(first) == 6
        assert all(r.version == 1 for r in first)
        # A store seeded by the lead already has them: then nothing is new the second time.
        assert not any(r.created for r in again)
        assert s.scalar(select(func.count()).select_from(Script)) == 6
        assert {i.key for i in list_scripts(s)} == {
            "bant",
            "trade_show",
            "webinar",
            "whitepaper",
            "dormant_client",
            "open_territory",
        }


def test_editing_a_script_makes_a_new_version_and_old_attempts_keep_theirs(
    sqlite_store: Store,
) -> None:
    world = make_world(sqlite_store)
    _, _, old_attempt = run_call(
        sqlite_store, world, "bant", {"role_fit": "decides", "need": "none"}
    )
    edited = bant_text().replace(
        'prompt: "How are you handling this today, and is it working?"',
        'prompt: "What does your current process cost you?"',
    )
    with sqlite_store.write() as s:
        saved = save_script(s, edited, source="editor", created_by="Mia Manager")
        assert (saved.key, saved.version, saved.created) == ("bant", 2, True)
        assert save_script(s, edited).created is False  # same text, same version
        # The shipped default is unchanged: installing it again does not undo the edit.
        install_defaults(s)
        assert get_script(s, "bant").version == 2
        assert get_script(s, "bant", 1).question("need").prompt.startswith("How are you")
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "script.saved"))
        assert audit is not None
    _, _, new_attempt = run_call(
        sqlite_store, world, "bant", {"role_fit": "decides", "need": "none"}
    )
    with sqlite_store.session() as s:
        old = s.get(Attempt, old_attempt)
        new = s.get(Attempt, new_attempt)
        assert (old.script_key, old.script_version) == ("bant", 1)
        assert (new.script_key, new.script_version) == ("bant", 2)
        old_shown = {q.question_id: q for q in render_attempt(s, old)}
        new_shown = {q.question_id: q for q in render_attempt(s, new)}
        assert old_shown["need"].prompt == "How are you handling this today, and is it working?"
        assert new_shown["need"].prompt == "What does your current process cost you?"
        assert old_shown["need"].answer == "Happy with what they have"
        assert [q.question_id for q in render_attempt(s, old)] == ["role_fit", "need"]


def test_an_invalid_edit_is_refused_with_its_line(sqlite_store: Store) -> None:
    broken = bant_text().replace("{rep_name}", "{rep}", 1)
    with sqlite_store.write() as s:
        install_defaults(s)
    with sqlite_store.write() as s, pytest.raises(ScriptError) as caught:
        save_script(s, broken, source="editor")
    (problem,) = caught.value.problems
    assert problem.line == 10 and "unknown merge field {rep}" in problem.message
    with sqlite_store.session() as s:
        assert s.scalar(select(func.max(Script.version)).where(Script.key == "bant")) == 1


# --- command line -------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    data = json.loads(captured.out) if "--json" in argv and captured.out else None
    return code, data, captured.err


def test_cli_check_list_import_show(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    code, data, _ = run(capsys, "script", "check", str(FIXTURES / "_valid.yaml"), "--json")
    assert code == 0 and data["valid"] is True and data["key"] == "mini"

    broken = FIXTURES / "branch_to_missing_question.yaml"
    code, data, _ = run(capsys, "script", "check", str(broken), "--json")
    assert code == 1 and data["valid"] is False
    assert data["errors"] == [
        {
            "file": str(broken),
            "line": 12,
            "message": "question 'budget': show_if refers to question 'nead', which does not "
            "exist (did you mean 'need'?)",
        }
    ]

    code, data, _ = run(capsys, "--db", sqlite_url, "script", "list", "--json")
    assert code == 0 and len(data) == 6 and {d["version"] for d in data} == {1}

    edited = tmp_path / "bant.yaml"
    edited.write_text(bant_text().replace("Do you have two minutes?", "Is now a good time?"))
    code, data, _ = run(capsys, "--db", sqlite_url, "script", "import", str(edited), "--json")
    assert code == 0 and data == {
        "key": "bant",
        "version": 2,
        "name": "General qualification (BANT)",
        "created": True,
    }
    code, data, _ = run(capsys, "--db", sqlite_url, "script", "show", "bant", "--json")
    assert data["version"] == 2 and "Is now a good time?" in data["opener"]
    rules = {r["number"]: r for r in data["rules"]}
    assert rules[3]["when"] == (
        "need is one of (active, pain) and wants_meeting is yes and timeline is one of (now, later)"
    )
    code, data, _ = run(
        capsys, "--db", sqlite_url, "script", "show", "bant", "--version", "1", "--json"
    )
    assert data["version"] == 1 and "Do you have two minutes?" in data["opener"]

    code, _, err = run(capsys, "--db", sqlite_url, "script", "import", str(broken))
    assert code == 2 and f"{broken}:12:" in err
    code, _, err = run(capsys, "--db", sqlite_url, "script", "show", "nope")
    assert code == 2 and "no script 'nope'" in err


def test_grade_answers_without_the_runner(sqlite_store: Store) -> None:
    from calldesk.scripts import AnswerError, grade_answers

    with sqlite_store.write() as s:
        install_defaults(s)
        today = dt.date(2026, 11, 23)
        result = grade_answers(
            s,
            "bant",
            {"role_fit": "decides", "need": "active", "timeline": "now", "wants_meeting": "yes"},
            today=today,
        )
        assert (result.grade, result.script_version, result.final) == ("A", 1, True)
        assert result.answers["wants_meeting"] is True
        with pytest.raises(AnswerError, match="required answers missing: timeline"):
            grade_answers(s, "bant", {"role_fit": "decides", "need": "active"}, today=today)
        with pytest.raises(AnswerError, match="has no question budgett"):
            grade_answers(s, "bant", {"budgett": 1}, today=today)
        with pytest.raises(AnswerError, match="not a choice"):
            grade_answers(s, "bant", {"role_fit": "boss"}, today=today)


def test_merge_values_for_the_opener(sqlite_store: Store) -> None:
    from calldesk.models import Contact, Rep
    from calldesk.scripts import merge_values, render

    world = make_world(sqlite_store)
    with sqlite_store.write() as s:
        s.add(Setting(key="our_company", value="Northwind"))
        contact = s.get(Contact, world.contact_id)
        rep = s.get(Rep, world.qualifier_id)
        values = merge_values(s, contact, rep)
        opener = get_script(s, "trade_show").opener
    assert values["company"] == "Acme Analytics"
    assert values["event_name"] == "DataWorld 2026" and values["event_date"] == "November 18"
    assert values["booth_notes"] == "Asked about SSO" and values["booth_rating"] == "hot"
    assert values["list_name"] == "DataWorld 2026 scans"
    assert values["rep_first_name"] == "Maya"
    rendered = render(opener, values)
    assert rendered.missing == ()
    assert rendered.text.startswith(
        "Hi Lena, this is Maya Qualifier from Northwind. Thanks for stopping by\n"
        'our booth at DataWorld 2026. My colleague noted: "Asked about SSO".'
    )
