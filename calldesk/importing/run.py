"""One import run as its callers see it: :class:`ImportOptions` in, :class:`ImportProgress`
while it runs, an :class:`ImportResult` out, or :class:`ImportRefused` / :class:`ImportCancelled`.

The command line, the wizard and :func:`calldesk.importing.pipeline.import_file` share these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from calldesk.importing.mapping import ColumnMapping

SOURCES = ("purchased", "trade_show", "webinar", "seminar", "whitepaper", "dormant", "crm")
EVENT_SOURCES = ("trade_show", "webinar", "seminar", "whitepaper")


class ImportRefused(Exception):
    """The file cannot be imported as a list; the message says why and what to do."""


class ImportCancelled(Exception):
    """The user cancelled; nothing of the import was stored."""


@dataclass
class ImportProgress:
    """Where an import is: phase, rows read and stored, bytes read of the file."""

    phase: str  # sniffing|reading|storing|indexing|finishing|done
    rows_read: int = 0
    rows_stored: int = 0
    bytes_read: int = 0
    bytes_total: int = 0

    @property
    def fraction(self) -> float:
        """0..1 for a progress bar (by bytes read; 1.0 when done)."""
        if self.phase == "done":
            return 1.0
        if not self.bytes_total:
            return 0.0
        return min(1.0, self.bytes_read / self.bytes_total)


ProgressCallback = Callable[[ImportProgress], "bool | None"]


@dataclass
class ImportOptions:
    """What the user chose for one import (the command line's flags, the wizard's fields)."""

    list_name: str
    # None: the kind the mapping says the file is (badge scans: trade_show, a Zoom report:
    # webinar), else the event's kind when imported as an event, else "purchased"
    source: str | None = None
    country: str = "US"
    mapping: str | ColumnMapping | None = None  # None/"auto", preset, saved name, file path
    event: str | None = None
    event_date: dt.date | None = None
    follow_up_days: int | None = None
    cost: Decimal | None = None
    campaign: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    has_header: bool | None = None
    skip_rows: int | None = None
    save_mapping_as: str | None = None
    batch_size: int = 20_000
    actor: str | None = None
    # SQLite: write in short transactions so reps can save meanwhile (rows tagged with the
    # run, held back from the queue until it is done, removed on cancel or failure). None:
    # whenever the store already holds contacts (an empty store has nobody working it, and
    # one transaction with indexes built at the end loads it fastest).
    share_store: bool | None = None


@dataclass
class ImportResult:
    """What an import did; :meth:`to_json` is the document ``calldesk import --json`` prints."""

    list_id: int | None
    rows: int = 0
    imported: int = 0
    merged: int = 0
    duplicates: int = 0
    invalid: int = 0
    dnc_suppressed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    run_id: int | None = None
    already_imported: bool = False
    event_id: int | None = None
    campaign_ids: list[int] = field(default_factory=list)
    shared_numbers: int = 0
    possible_duplicates: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    blank_rows: int = 0  # blank rows of the file, skipped (not data rows)
    rows_refused: int = 0  # data rows not stored, each with its reason in errors
    cells_refused: int = 0  # values (numbers, addresses) refused in rows that were stored
    refused_by_reason: dict[str, int] = field(default_factory=dict)  # rows and values
    numbers_read_as: dict[str, int] = field(default_factory=dict)  # e.g. 001- numbers read as +1
    # contacts whose number belongs to another country than their row's Country column says
    # (the number's own law applies, the row's country is added: calldesk.places)
    region_mismatches: int = 0
    business_lines: int = 0  # phones marked as business lines by a "Phone type" column

    @property
    def accounted(self) -> bool:
        """Every data row is stored, merged, a duplicate in the file, or refused."""
        return self.rows == self.imported + self.merged + self.duplicates + self.rows_refused

    def to_json(self) -> dict[str, Any]:
        return {
            "list_id": self.list_id,
            "rows": self.rows,
            "imported": self.imported,
            "merged": self.merged,
            "duplicates": self.duplicates,
            "invalid": self.invalid,
            "dnc_suppressed": self.dnc_suppressed,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "blank_rows": self.blank_rows,
            "rows_refused": self.rows_refused,
            "cells_refused": self.cells_refused,
            "refused_by_reason": dict(
                sorted(self.refused_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
            ),
            "region_mismatches": self.region_mismatches,
            "business_lines": self.business_lines,
            "numbers_read_as": dict(
                sorted(self.numbers_read_as.items(), key=lambda kv: (-kv[1], kv[0]))
            ),
            "accounted": self.accounted,
        }

    def summary_lines(self) -> list[str]:
        """What a manager reads: rows by outcome, then refusals grouped by reason."""
        lines = [
            f"{self.rows:,} rows: {self.imported:,} new contacts, {self.merged:,} merged into "
            f"existing contacts, {self.duplicates:,} repeats within the file, "
            f"{self.rows_refused:,} rows refused"
            + (f" ({self.blank_rows:,} blank rows skipped)" if self.blank_rows else "")
        ]
        if self.cells_refused:
            lines.append(
                f"{self.cells_refused:,} values refused in rows that were stored "
                "(the contact is kept; the value is listed)"
            )
        for reason, count in sorted(self.refused_by_reason.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {count:,} refused: {reason}")
        for how, count in sorted(self.numbers_read_as.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {count:,} numbers written with {how}: read as +{how.split()[-1]}")
        return lines
