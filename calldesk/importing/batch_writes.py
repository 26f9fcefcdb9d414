"""What one batch of an import stores: its companies, contacts, numbers, addresses and list
entries (given as columns), its event engagements, refused values and rows, and possible
duplicates; and the rows the reader refused. Methods of
:class:`calldesk.importing.pipeline._Importer` on the run's state."""

from __future__ import annotations

from typing import Any

from calldesk.importing.writer import _Writer
from calldesk.models import (
    Company,
    Contact,
    Email,
    EventEngagement,
    ImportError_,
    ListMember,
    Phone,
    PossibleDuplicate,
)

MAX_ERRORS_STORED = 100_000

# The columns an import writes of a new contact: given per contact (in the order of the
# batch's contact columns), and the same for all of a run's.
CONTACT_COLUMNS = (
    "id",
    "company_id",
    "first_name",
    "last_name",
    "title",
    "street",
    "city",
    "state",
    "postal_code",
    "country",
    "notes",
    "custom",
    "dnc",
    "callable",
    "locale_key",
    "needs_review_reason",
    "engagement",
    "queue_rank",
    "external_id",
)
CONTACT_FIXED = (
    "stage",
    "attempts",
    "priority",
    "tier",
    "campaign_id",
    "created_at",
    "updated_at",
    "import_run_id",
)


class _BatchWrites:
    """The writing side of :class:`calldesk.importing.pipeline._Importer`."""

    def _write_batch(
        self,
        writer: _Writer,
        run_id: int,
        new_companies: list[tuple[Any, ...]],
        contact_columns: list[list[Any]],
        phone_columns: list[list[Any]],
        email_columns: list[list[Any]],
        member_columns: list[list[Any]],
    ) -> None:
        """The batch's companies, then its contacts, numbers, addresses and list entries (each
        given as columns), in that order."""
        if new_companies:
            writer.insert(
                Company.__table__,  # type: ignore[arg-type]
                ("id", "name", "name_key", "created_at"),
                new_companies,
                fixed=(("import_run_id", run_id),),
            )
        now, campaign_id = self.now_db, self.campaign_id
        fixed_values = ("new", 0, self.priority, self.tier, campaign_id, now, now, run_id)
        fixed = tuple(zip(CONTACT_FIXED, fixed_values, strict=True))
        writer.insert_columns(Contact.__table__, CONTACT_COLUMNS, contact_columns, fixed=fixed)  # type: ignore[arg-type]
        writer.insert_columns(
            Phone.__table__,  # type: ignore[arg-type]
            (
                "contact_id",
                "position",
                "label",
                "raw",
                "e164",
                "extension",
                "number_type",
                "region",
                "time_zones",
                "valid",
                "invalid_reason",
                "dnc",
            ),
            phone_columns,
            fixed=(("shared", False), ("import_run_id", run_id)),
        )
        writer.insert_columns(
            Email.__table__,  # type: ignore[arg-type]
            ("contact_id", "address", "address_key", "role_address"),
            email_columns,
            fixed=(("shared", False), ("import_run_id", run_id)),
        )
        writer.insert_columns(
            ListMember.__table__,  # type: ignore[arg-type]
            ("contact_id", "source_row"),
            member_columns,
            on_conflict="list_id, contact_id",
            fixed=(
                ("list_id", self.list_id),
                ("added_at", self.now_db),
                ("import_run_id", run_id),
            ),
        )

    def _write_engagements_and_refusals(
        self,
        writer: _Writer,
        run_id: int,
        engagements: list[tuple[Any, ...]],
        errors: list[tuple[Any, ...]],
    ) -> None:
        """The batch's event engagements, refused values and rows (up to MAX_ERRORS_STORED)
        and possible duplicates."""
        if engagements:
            writer.insert(
                EventEngagement.__table__,  # type: ignore[arg-type]
                (
                    "event_id",
                    "contact_id",
                    "rating",
                    "booth_notes",
                    "registered",
                    "attended",
                    "minutes_attended",
                    "questions_asked",
                    "download_title",
                    "score",
                    "engaged_at",
                ),
                engagements,
                on_conflict="event_id, contact_id",
                fixed=(("import_run_id", run_id),),
            )
        room = MAX_ERRORS_STORED - self.stored_errors
        if errors and room > 0:
            writer.insert(
                ImportError_.__table__,  # type: ignore[arg-type]
                ("run_id", "row", "column", "value", "reason", "name", "company", "external_id"),
                [
                    (
                        a,
                        b,
                        c,
                        (d or "")[:2000] if d is not None else None,
                        e[:300],
                        name[:250] or None,
                        company[:300] or None,
                        external or None,
                    )
                    for a, b, c, d, e, name, company, external in errors[:room]
                ],
            )
            self.stored_errors += min(len(errors), room)
        if self._possible:
            writer.insert(
                PossibleDuplicate.__table__,  # type: ignore[arg-type]
                ("contact_id", "other_id", "reason", "created_at"),
                self._possible,
                on_conflict="contact_id, other_id",
            )
            self.result.possible_duplicates += len(self._possible)
            self._possible = []

    def _reader_refusals(self, batch: Any, writer: _Writer, run_id: int) -> None:
        """Blank rows and rows the reader could not read (a quote never closed at the end)."""
        result = self.result
        result.blank_rows += batch.blank_rows
        if not batch.refused:
            return
        rows = []
        for rownum, reason in batch.refused:
            result.rows += 1
            result.rows_refused += 1
            key = reason.split(": ", 1)[-1]
            result.refused_by_reason[key] = result.refused_by_reason.get(key, 0) + 1
            result.errors.append({"row": rownum, "column": None, "value": None, "reason": reason})
            rows.append((run_id, rownum, None, None, reason[:300]))
        writer.insert(
            ImportError_.__table__,  # type: ignore[arg-type]
            ("run_id", "row", "column", "value", "reason"),
            rows,
        )
        self.stored_errors += len(rows)
