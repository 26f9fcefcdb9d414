"""Dispositions as data: what one call's result is called, its hotkey and what follows it.

The defaults ship in ``resources/dispositions.yaml`` and are seeded into every store; a team may
add codes of its own in the store (the defaults stay). Every definition is validated on load, so
a typo in a retry rule is reported with the code it belongs to instead of surfacing mid-shift.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk import paths
from calldesk.models import Disposition
from calldesk.yamlload import load_yaml

# The codes the command line, the sync payloads and the hand-off rely on.
DEFAULT_CODES = (
    "no_answer",
    "busy",
    "voicemail",
    "gatekeeper",
    "bad_number",
    "wrong_person",
    "not_interested",
    "callback",
    "qualified",
    "do_not_call",
)
RETRY_RULES = (None, "next_business_day")
_FIELDS = {
    "code",
    "label",
    "hotkey",
    "conversation",
    "retry_minutes",
    "retry_rule",
    "requires_notes",
    "requires_callback",
    "final",
    "position",
}


class DispositionError(ValueError):
    """A disposition definition is invalid; the message names the code and the field."""


@dataclass(frozen=True)
class DispositionRule:
    """One disposition: its code, label, hotkey and what recording it does to the contact."""

    code: str
    label: str
    hotkey: str | None = None
    conversation: bool = False
    retry_minutes: int | None = None  # None: never again (unless retry_rule says when)
    retry_rule: str | None = None
    requires_notes: bool = False
    requires_callback: bool = False
    final: bool = False
    position: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def validate(specs: list[dict[str, Any]]) -> list[DispositionRule]:
    """Check a list of disposition definitions; raises :class:`DispositionError` on the first fault."""
    if not isinstance(specs, list) or not specs:
        raise DispositionError("dispositions must be a non-empty list")
    rules: list[DispositionRule] = []
    seen_codes: set[str] = set()
    seen_keys: dict[str, str] = {}
    for position, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise DispositionError(f"entry {position + 1}: expected a mapping, got {spec!r}")
        code = spec.get("code")
        if not isinstance(code, str) or not code.isidentifier() or code != code.lower():
            raise DispositionError(
                f"entry {position + 1}: code must be lower_snake_case, got {code!r}"
            )
        unknown = set(spec) - _FIELDS
        if unknown:
            raise DispositionError(f"{code}: unknown field(s) {', '.join(sorted(unknown))}")
        if code in seen_codes:
            raise DispositionError(f"{code}: defined twice")
        seen_codes.add(code)
        label = spec.get("label")
        if not isinstance(label, str) or not label.strip():
            raise DispositionError(f"{code}: label is required")
        retry = spec.get("retry_minutes")
        if retry is not None and (
            isinstance(retry, bool) or not isinstance(retry, int) or retry < 0
        ):
            raise DispositionError(f"{code}: retry_minutes must be a whole number >= 0 or null")
        retry_rule = spec.get("retry_rule")
        if retry_rule not in RETRY_RULES:
            raise DispositionError(
                f"{code}: retry_rule {retry_rule!r} is not one of "
                f"{', '.join(r for r in RETRY_RULES if r)}"
            )
        hotkey = spec.get("hotkey")
        if hotkey is not None:
            if hotkey in seen_keys:
                raise DispositionError(f"{code}: hotkey {hotkey} is already {seen_keys[hotkey]}")
            seen_keys[hotkey] = code
        for flag in ("conversation", "requires_notes", "requires_callback", "final"):
            if flag in spec and not isinstance(spec[flag], bool):
                raise DispositionError(f"{code}: {flag} must be true or false")
        rules.append(
            DispositionRule(
                code=code,
                label=label.strip(),
                hotkey=hotkey,
                conversation=bool(spec.get("conversation", False)),
                retry_minutes=retry,
                retry_rule=retry_rule,
                requires_notes=bool(spec.get("requires_notes", False)),
                requires_callback=bool(spec.get("requires_callback", False)),
                final=bool(spec.get("final", False)),
                position=int(spec.get("position", position)),
            )
        )
    missing = [c for c in DEFAULT_CODES if c not in seen_codes]
    if missing and set(DEFAULT_CODES) & seen_codes:
        raise DispositionError(f"default dispositions missing: {', '.join(missing)}")
    return rules


def load_defaults() -> list[DispositionRule]:
    """The shipped default dispositions, validated."""
    with open(paths.resource("dispositions.yaml"), encoding="utf-8") as handle:
        return validate(load_yaml(handle))


def load(session: Session) -> dict[str, DispositionRule]:
    """Every disposition in the store by code, in their display order."""
    rows = session.scalars(select(Disposition).order_by(Disposition.position, Disposition.code))
    return {
        row.code: DispositionRule(
            code=row.code,
            label=row.label,
            hotkey=row.hotkey,
            conversation=row.conversation,
            retry_minutes=row.retry_minutes,
            retry_rule=row.retry_rule,
            requires_notes=row.requires_notes,
            requires_callback=row.requires_callback,
            final=row.final,
            position=row.position,
        )
        for row in rows
    }


def get(session: Session, code: str) -> DispositionRule:
    """One disposition by code; raises :class:`DispositionError` naming the known codes."""
    row = session.get(Disposition, code)
    if row is None:
        known = ", ".join(load(session))
        raise DispositionError(f"unknown disposition {code!r}; known: {known}")
    return DispositionRule(
        code=row.code,
        label=row.label,
        hotkey=row.hotkey,
        conversation=row.conversation,
        retry_minutes=row.retry_minutes,
        retry_rule=row.retry_rule,
        requires_notes=row.requires_notes,
        requires_callback=row.requires_callback,
        final=row.final,
        position=row.position,
    )
