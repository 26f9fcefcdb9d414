"""The script library: every version of every script, kept in the store's ``scripts`` table.

A script is identified by its ``key`` (from the YAML) and a version. Importing a text that
differs from every stored version of its key makes the next version; importing a text already
stored changes nothing. Attempts keep ``script_key`` and ``script_version``, so an old attempt
is always shown against the questions it was actually asked (:func:`render_attempt`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calldesk import paths
from calldesk.models import Attempt, AuditEntry, Script
from calldesk.scripts.grading import GradeResult, format_answer, grade
from calldesk.scripts.loader import ScriptError, ScriptProblem, load_text, sha256_text
from calldesk.scripts.model import ScriptDef
from calldesk.scripts.runner import AnswerError, ScriptRunner


class ScriptNotFound(LookupError):
    """No stored script has this key (or this version)."""


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the stored row's key and version, and whether it is new."""

    key: str
    version: int
    name: str
    created: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "version": self.version,
            "name": self.name,
            "created": self.created,
        }


@dataclass(frozen=True)
class ScriptInfo:
    """A script's latest version, for lists and pickers."""

    key: str
    name: str
    version: int
    versions: int
    created_at: dt.datetime
    created_by: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "version": self.version,
            "versions": self.versions,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
        }


def save_script(
    session: Session, text: str, *, source: str = "<editor>", created_by: str | None = None
) -> ImportResult:
    """Validate ``text`` and store it as the next version of its key (unless already stored).

    Raises :class:`ScriptError` (with file and line of each problem) when it does not validate.
    """
    script = load_text(text, source)
    digest = sha256_text(text)
    existing = session.scalar(
        select(Script)
        .where(Script.key == script.key, Script.sha256 == digest)
        .order_by(Script.version.desc())
        .limit(1)
    )
    if existing is not None:
        return ImportResult(existing.key, existing.version, existing.name, False)
    latest = session.scalar(select(func.max(Script.version)).where(Script.key == script.key)) or 0
    row = Script(
        key=script.key,
        version=latest + 1,
        name=script.name,
        body=text,
        sha256=digest,
        created_by=created_by,
    )
    session.add(row)
    session.add(
        AuditEntry(
            actor=created_by,
            action="script.saved",
            entity="script",
            entity_id=f"{script.key}@{latest + 1}",
            detail={"source": source, "sha256": digest},
        )
    )
    session.flush()
    return ImportResult(row.key, row.version, row.name, True)


def import_file(
    session: Session, path: str | Path, *, created_by: str | None = None
) -> ImportResult:
    """Import the script file at ``path`` as a new version (see :func:`save_script`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScriptError([ScriptProblem(str(path), 1, f"not UTF-8 text: {exc.reason}")]) from exc
    return save_script(session, text, source=str(path), created_by=created_by)


def default_script_files() -> list[Path]:
    """The scripts shipped in ``resources/scripts``."""
    return sorted(paths.resource("scripts").glob("*.yaml"))


def install_defaults(session: Session) -> list[ImportResult]:
    """Install the shipped scripts; idempotent (a new version only when a file changed).

    A shipped text already stored under any version is skipped, so a manager's later edits are
    not overwritten by the unchanged default on the next start.
    """
    return [
        import_file(session, path, created_by="calldesk (default script)")
        for path in default_script_files()
    ]


def get_script(session: Session, key: str, version: int | None = None) -> ScriptDef:
    """The stored script ``key`` at ``version`` (the latest when None), parsed."""
    query = select(Script).where(Script.key == key)
    if version is not None:
        query = query.where(Script.version == version)
    row = session.scalar(query.order_by(Script.version.desc()).limit(1))
    if row is None:
        which = f"version {version} of " if version is not None else ""
        raise ScriptNotFound(f"no {which}script '{key}' in this store")
    return load_text(row.body, f"{row.key}@v{row.version}").with_version(row.version)


def grade_answers(
    session: Session,
    script_key: str,
    answers: dict[str, Any],
    *,
    version: int | None = None,
    today: dt.date,
    default_region: str | None = "US",
) -> GradeResult:
    """Grade answers given without the runner (``calldesk call record --answers JSON``).

    The answers are checked and normalised as the runner would ("yes" for a yes/no question,
    "25k" for a number); raises :class:`AnswerError` for an answer that does not fit, or when
    required questions of the path taken are missing. The result carries the script version.
    """
    script = get_script(session, script_key, version)
    unknown = sorted(set(answers) - {q.id for q in script.questions})
    if unknown:
        raise AnswerError(f"script '{script_key}' has no question {', '.join(unknown)}")
    runner = ScriptRunner(script, answers=answers, today=today, default_region=default_region)
    missing = runner.missing_required()
    if missing:
        raise AnswerError(f"required answers missing: {', '.join(q.id for q in missing)}")
    result = runner.grade_so_far()
    if result is None or not result.final:
        # Optional questions left open: grade what was answered, as the desk would at the end.
        result = grade(script, runner.answers, today=today, final=True)
    if result is None:
        raise AnswerError("these answers get no grade from the script")
    return result


def script_text(session: Session, key: str, version: int | None = None) -> str:
    """The YAML text of a stored script version (the latest when None), e.g. for the editor."""
    return get_script(session, key, version).text


def list_scripts(session: Session) -> list[ScriptInfo]:
    """Every script key with its latest version, by name."""
    counts = dict(session.execute(select(Script.key, func.count()).group_by(Script.key)).all())
    latest = select(Script.key, func.max(Script.version).label("version")).group_by(Script.key)
    latest_sub = latest.subquery()
    rows = session.scalars(
        select(Script).join(
            latest_sub,
            (Script.key == latest_sub.c.key) & (Script.version == latest_sub.c.version),
        )
    ).all()
    infos = [
        ScriptInfo(r.key, r.name, r.version, counts.get(r.key, 1), r.created_at, r.created_by)
        for r in rows
    ]
    return sorted(infos, key=lambda i: (i.name.casefold(), i.key))


def versions(session: Session, key: str) -> list[Script]:
    """Every stored version of ``key``, oldest first."""
    return list(session.scalars(select(Script).where(Script.key == key).order_by(Script.version)))


@dataclass(frozen=True)
class AskedQuestion:
    """One question of an attempt as it was asked, with the answer given."""

    question_id: str
    label: str
    prompt: str
    kind: str
    answer: str
    value: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "label": self.label,
            "prompt": self.prompt,
            "kind": self.kind,
            "answer": self.answer,
            "value": self.value,
        }


def render_answers(script: ScriptDef | None, answers: dict[str, Any] | None) -> list[AskedQuestion]:
    """``answers`` laid against ``script``'s questions, in the order they were asked.

    Answers to questions the script does not have (a script removed or hand-made data) are
    listed last, by id, so nothing recorded is ever hidden.
    """
    answers = dict(answers or {})
    asked: list[AskedQuestion] = []
    if script is not None:
        for question in script.questions:
            if question.id in answers:
                value = answers.pop(question.id)
                asked.append(
                    AskedQuestion(
                        question.id,
                        question.label,
                        question.prompt,
                        question.kind,
                        format_answer(question, value),
                        value,
                    )
                )
    for qid, value in answers.items():
        asked.append(AskedQuestion(qid, qid, "", "unknown", format_answer(None, value), value))
    return asked


def render_attempt(session: Session, attempt: Attempt) -> list[AskedQuestion]:
    """An attempt's answers shown with the questions of the script version it was run with."""
    script: ScriptDef | None = None
    if attempt.script_key:
        try:
            script = get_script(session, attempt.script_key, attempt.script_version)
        except (ScriptNotFound, ScriptError):
            script = None
    if script is not None:
        # The questions as the rep read them to this contact, not their merge syntax.
        from calldesk.models import Contact, Rep
        from calldesk.scripts.merge import merge_values
        from calldesk.scripts.runner import personalise

        contact = session.get(Contact, attempt.contact_id)
        if contact is not None:
            rep = session.get(Rep, attempt.rep_id) if attempt.rep_id else None
            script = personalise(script, merge_values(session, contact, rep))
    return render_answers(script, attempt.answers)
