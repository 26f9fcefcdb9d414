"""Column layouts CRM import tools expect, and spreadsheet writers that stream rows.

Three layouts of one lead payload (see :func:`calldesk.outbox.lead_payload`):

- ``calldesk``: everything calldesk knows, one column per fact (the layout of ``--format csv``);
- ``salesforce``: the Lead object's API field names, as the Data Import Wizard and Data Loader
  map them, with calldesk facts in ``Calldesk_*__c`` custom fields;
- ``hubspot``: HubSpot contact property labels, as its import tool maps them.

Every cell :class:`RowWriter` writes goes through the one spreadsheet guard
(:func:`calldesk.spreadsheet.neutralise`): formula-looking text gets a leading ``'``, a plain
number such as an E.164 phone is left intact (and is a text cell in XLSX).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Self

from openpyxl import Workbook

from calldesk.spreadsheet import neutralise_row, xlsx_row

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def _c(payload: dict[str, Any], key: str) -> Any:
    return (payload.get("contact") or {}).get(key)


def _company(payload: dict[str, Any], key: str) -> Any:
    return (payload.get("company") or {}).get(key)


def _appt(payload: dict[str, Any], key: str) -> Any:
    return (payload.get("appointment") or {}).get(key)


def _appt_rep(payload: dict[str, Any], role: str, key: str) -> Any:
    return ((payload.get("appointment") or {}).get(role) or {}).get(key)


def _phone(payload: dict[str, Any], index: int, key: str) -> Any:
    phones = _c(payload, "phones") or []
    return phones[index].get(key) if index < len(phones) else None


def _phone_of(payload: dict[str, Any], mobile: bool) -> dict[str, Any] | None:
    phones = _c(payload, "phones") or []
    for phone in phones:
        is_mobile = phone.get("label") == "mobile" or phone.get("type") == "MOBILE"
        if is_mobile == mobile:
            return phone
    return None


def _events(payload: dict[str, Any]) -> str:
    return "; ".join(e["name"] for e in (payload.get("source") or {}).get("events", []))


def _lists(payload: dict[str, Any]) -> str:
    return "; ".join(payload.get("source_lists") or [])


def _answers(payload: dict[str, Any]) -> str | None:
    answers = payload.get("answers")
    return json.dumps(answers, ensure_ascii=False, sort_keys=True) if answers else None


def _summary(payload: dict[str, Any]) -> str:
    """A short text for a CRM's description field: grade, why, answers, the appointment."""
    parts = []
    if payload.get("grade"):
        parts.append(f"Grade {payload['grade']}: {payload.get('why') or ''}".strip())
    for question, answer in sorted((payload.get("answers") or {}).items()):
        parts.append(f"{question}: {answer}")
    if payload.get("appointment"):
        parts.append(
            f"Appointment {_appt(payload, 'starts_at')} with "
            f"{_appt_rep(payload, 'field_rep', 'name') or 'field rep'} "
            f"({_appt(payload, 'status')})"
        )
    if payload.get("notes"):
        parts.append(f"Notes: {payload['notes']}")
    return "\n".join(parts)


CALLDESK: list[Column] = [
    ("contact_id", lambda p: _c(p, "id")),
    ("first_name", lambda p: _c(p, "first_name")),
    ("last_name", lambda p: _c(p, "last_name")),
    ("title", lambda p: _c(p, "title")),
    ("company", lambda p: _company(p, "name")),
    ("company_website", lambda p: _company(p, "website")),
    ("industry", lambda p: _company(p, "industry")),
    ("email", lambda p: _c(p, "email")),
    ("other_emails", lambda p: "; ".join((_c(p, "emails") or [])[1:])),
    ("phone_1", lambda p: _phone(p, 0, "e164")),
    ("phone_1_ext", lambda p: _phone(p, 0, "extension")),
    ("phone_1_label", lambda p: _phone(p, 0, "label")),
    ("phone_2", lambda p: _phone(p, 1, "e164")),
    ("phone_2_ext", lambda p: _phone(p, 1, "extension")),
    ("phone_2_label", lambda p: _phone(p, 1, "label")),
    ("phone_3", lambda p: _phone(p, 2, "e164")),
    ("phone_3_ext", lambda p: _phone(p, 2, "extension")),
    ("phone_3_label", lambda p: _phone(p, 2, "label")),
    ("street", lambda p: _c(p, "street")),
    ("city", lambda p: _c(p, "city")),
    ("state", lambda p: _c(p, "state")),
    ("postal_code", lambda p: _c(p, "postal_code")),
    ("country", lambda p: _c(p, "country")),
    ("grade", lambda p: p.get("grade")),
    ("why", lambda p: p.get("why")),
    ("stage", lambda p: p.get("stage")),
    ("answers", _answers),
    ("notes", lambda p: p.get("notes")),
    ("qualifier", lambda p: (p.get("qualifier") or {}).get("name")),
    ("qualifier_email", lambda p: (p.get("qualifier") or {}).get("email")),
    ("graded_at", lambda p: p.get("graded_at")),
    ("source_lists", _lists),
    ("source_events", _events),
    ("appointment_uid", lambda p: _appt(p, "uid")),
    ("appointment_start_utc", lambda p: _appt(p, "starts_at")),
    ("appointment_end_utc", lambda p: _appt(p, "ends_at")),
    ("appointment_time_zone", lambda p: _appt(p, "time_zone")),
    ("appointment_status", lambda p: _appt(p, "status")),
    ("appointment_outcome", lambda p: _appt(p, "outcome")),
    ("appointment_location", lambda p: _appt(p, "location")),
    ("appointment_link", lambda p: _appt(p, "meeting_link")),
    ("appointment_summary", lambda p: _appt(p, "summary")),
    ("field_rep", lambda p: _appt_rep(p, "field_rep", "name")),
    ("field_rep_email", lambda p: _appt_rep(p, "field_rep", "email")),
]

_SF_RATING = {"A": "Hot", "B": "Warm", "C": "Cold", "D": "Cold"}
_SF_STATUS = {
    "A": "Working - Contacted",
    "B": "Working - Contacted",
    "C": "Working - Contacted",
    "D": "Closed - Not Converted",
}
NOT_PROVIDED = "[not provided]"  # what Salesforce's own web-to-lead puts in required fields

SALESFORCE: list[Column] = [
    ("FirstName", lambda p: _c(p, "first_name")),
    ("LastName", lambda p: _c(p, "last_name") or NOT_PROVIDED),
    ("Title", lambda p: _c(p, "title")),
    ("Company", lambda p: _company(p, "name") or NOT_PROVIDED),
    ("Email", lambda p: _c(p, "email")),
    ("Phone", lambda p: (_phone_of(p, mobile=False) or {}).get("e164")),
    ("Calldesk_Phone_Extension__c", lambda p: (_phone_of(p, mobile=False) or {}).get("extension")),
    ("MobilePhone", lambda p: (_phone_of(p, mobile=True) or {}).get("e164")),
    ("Street", lambda p: _c(p, "street")),
    ("City", lambda p: _c(p, "city")),
    ("State", lambda p: _c(p, "state")),
    ("PostalCode", lambda p: _c(p, "postal_code")),
    ("Country", lambda p: _c(p, "country")),
    ("Website", lambda p: _company(p, "website")),
    ("Industry", lambda p: _company(p, "industry")),
    ("LeadSource", lambda p: _events(p) or _lists(p)),
    ("Status", lambda p: _SF_STATUS.get(p.get("grade") or "", "Open - Not Contacted")),
    ("Rating", lambda p: _SF_RATING.get(p.get("grade") or "")),
    ("Description", _summary),
    ("DoNotCall", lambda p: "true" if _c(p, "do_not_call") else "false"),
    ("Calldesk_Contact_Id__c", lambda p: _c(p, "id")),
    ("Calldesk_Grade__c", lambda p: p.get("grade")),
    ("Calldesk_Qualifier__c", lambda p: (p.get("qualifier") or {}).get("name")),
    ("Calldesk_Appointment_Start__c", lambda p: _appt(p, "starts_at")),
    ("Calldesk_Field_Rep__c", lambda p: _appt_rep(p, "field_rep", "name")),
]

_HS_LIFECYCLE = {
    "A": "salesqualifiedlead",
    "B": "salesqualifiedlead",
    "C": "marketingqualifiedlead",
    "D": "other",
}
_HS_STATUS = {"A": "OPEN_DEAL", "B": "IN_PROGRESS", "C": "BAD_TIMING", "D": "UNQUALIFIED"}

HUBSPOT: list[Column] = [
    ("First Name", lambda p: _c(p, "first_name")),
    ("Last Name", lambda p: _c(p, "last_name")),
    ("Email", lambda p: _c(p, "email")),
    ("Phone Number", lambda p: (_phone_of(p, mobile=False) or {}).get("e164")),
    ("Mobile Phone Number", lambda p: (_phone_of(p, mobile=True) or {}).get("e164")),
    ("Job Title", lambda p: _c(p, "title")),
    ("Company Name", lambda p: _company(p, "name")),
    ("Website URL", lambda p: _company(p, "website")),
    ("Industry", lambda p: _company(p, "industry")),
    ("Street Address", lambda p: _c(p, "street")),
    ("City", lambda p: _c(p, "city")),
    ("State/Region", lambda p: _c(p, "state")),
    ("Postal Code", lambda p: _c(p, "postal_code")),
    ("Country/Region", lambda p: _c(p, "country")),
    ("Lifecycle Stage", lambda p: _HS_LIFECYCLE.get(p.get("grade") or "", "lead")),
    ("Lead Status", lambda p: _HS_STATUS.get(p.get("grade") or "", "NEW")),
    ("calldesk Contact ID", lambda p: _c(p, "id")),
    ("calldesk Grade", lambda p: p.get("grade")),
    ("calldesk Qualification Summary", _summary),
    ("calldesk Qualifier", lambda p: (p.get("qualifier") or {}).get("name")),
    ("calldesk Source", lambda p: _events(p) or _lists(p)),
    ("calldesk Appointment Start", lambda p: _appt(p, "starts_at")),
    ("calldesk Field Rep", lambda p: _appt_rep(p, "field_rep", "name")),
]

LAYOUTS: dict[str, list[Column]] = {
    "calldesk": CALLDESK,
    "salesforce": SALESFORCE,
    "hubspot": HUBSPOT,
}


def headers(layout: str) -> list[str]:
    """Column headers of ``layout``."""
    return [name for name, _ in LAYOUTS[layout]]


def row(layout: str, payload: dict[str, Any]) -> list[Any]:
    """One payload as a row of ``layout`` (None -> ""; the writer applies the spreadsheet guard)."""
    out = []
    for _name, get in LAYOUTS[layout]:
        value = get(payload)
        out.append(value if value is not None else "")
    return out


class _Written:
    """A file writer used in ``with``: closed when the block ends, deleted (``abort``) when it
    raises, so no half-written file is left."""

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class RowWriter(_Written):
    """Writes rows to a CSV (UTF-8 with BOM, so spreadsheets read accents) or XLSX file.

    Rows are streamed: neither format keeps the rows in memory (XLSX through openpyxl's
    write-only mode). Every cell, the header too, passes the spreadsheet guard here, on its
    final text, so no caller can write a live formula.
    """

    def __init__(self, path: Path, fmt: str, header: list[str]) -> None:
        if fmt not in ("csv", "xlsx"):
            raise ValueError(f"unknown file format {fmt!r}")
        self.path = Path(path)
        self.fmt = fmt
        self.rows = 0
        if fmt == "csv":
            self._handle = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed by close/abort)
            self._csv = csv.writer(self._handle)
            self._csv.writerow(neutralise_row(header))
        else:
            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("Leads")
            self._sheet.append(xlsx_row(self._sheet, header))

    def write(self, cells: list[Any]) -> None:
        self.rows += 1
        if self.fmt == "csv":
            self._csv.writerow(neutralise_row(cells))
        else:
            self._sheet.append(xlsx_row(self._sheet, cells))

    def write_all(self, rows: Iterable[list[Any]]) -> None:
        for cells in rows:
            self.write(cells)

    def write_rows(self, rows: list[list[Any]]) -> None:
        """Write a chunk of rows (one call into the csv module for the lot)."""
        if self.fmt == "csv":
            # Into memory first, then one write: the file's text layer costs per call.
            buffer = io.StringIO()
            csv.writer(buffer).writerows([neutralise_row(cells) for cells in rows])
            self._handle.write(buffer.getvalue())
            self.rows += len(rows)
        else:
            for cells in rows:
                self.write(cells)

    def write_frame(self, frame: Any) -> None:
        """Write a polars DataFrame of rows (columns in header order; null -> empty cell).

        CSV: the guard (:func:`calldesk.spreadsheet.neutralise_expr`), the csv module's quoting
        (``QUOTE_MINIMAL``: a cell holding ``,``, ``"``, CR or LF is quoted, quotes doubled) and
        the lines are column operations, written in one go; the bytes are the same as
        :meth:`write` would write row by row (tests/test_export_fast.py, test_export_frames.py).
        """
        if frame.width == 0 or frame.height == 0:
            return
        if self.fmt == "csv":
            self._handle.flush()
            write_csv_frame(frame, self._handle.buffer)
            self.rows += frame.height
        else:
            self.rows += frame.height
            write_xlsx_frame(self._sheet, frame)

    def close(self) -> None:
        if self.fmt == "csv":
            self._handle.close()
        else:
            self._book.save(self.path)
            self._book.close()

    def abort(self) -> None:
        """Close and delete a half-written file."""
        try:
            if self.fmt == "csv":
                self._handle.close()
            else:
                self._book.close()
        finally:
            self.path.unlink(missing_ok=True)


def guarded_columns(frame: Any) -> list[Any]:
    """Expressions for every column of ``frame`` through the spreadsheet guard (text) or as is."""
    import polars as pl

    from calldesk.spreadsheet import neutralise_expr

    out = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.String:
            column = neutralise_expr(column)
        out.append(column.alias(name))
    return out


def csv_cells(frame: Any) -> Any:
    """``frame`` with every text cell through the spreadsheet guard and empty text as null.

    Written by polars' CSV writer with ``quote_style="necessary"`` it gives the csv module's
    ``QUOTE_MINIMAL`` bytes: a cell holding ``,``, ``"``, CR or LF is quoted, quotes doubled;
    numbers as their text. Polars quotes an empty string (``""``) where the csv module writes
    nothing, hence empty text becomes null (an empty field) here.
    """
    import polars as pl

    from calldesk.spreadsheet import suspect_pattern

    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    suspects = frame.select(
        pl.col(n).str.contains(suspect_pattern()).fill_null(False) for n in texts
    )
    # Most columns hold no suspect cell: one pass tells which do, only those are guarded.
    found = suspects.select(pl.all().any()).row(0) if texts else ()
    return frame.with_columns(
        guard_column(frame.get_column(n), suspects.get_column(n))
        for n, any_suspect in zip(texts, found, strict=True)
        if any_suspect
    ).with_columns(pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in texts)


def write_csv_frame(frame: Any, out: Any) -> None:
    """Append ``frame``'s rows to the binary file ``out`` as the csv module writes them
    (``QUOTE_MINIMAL``, CRLF) after :func:`calldesk.spreadsheet.neutralise_row`."""
    csv_cells(frame).write_csv(
        out, include_header=False, quote_style="necessary", line_terminator="\r\n"
    )


def write_xlsx_frame(sheet: Any, frame: Any) -> None:
    """Append ``frame``'s rows to an openpyxl write-only sheet through :func:`xlsx_row`."""
    for values in frame.iter_rows():
        sheet.append(xlsx_row(sheet, ["" if v is None else v for v in values]))


# Python's str.strip() whitespace: openpyxl marks text that starts or ends with it "preserve".
_PY_SPACE = "".join(chr(i) for i in range(0x3001) if chr(i).isspace())
_SPACE_CLASS = "".join("\\" + ch if ch in "\\-]^[" else ch for ch in _PY_SPACE)
_EDGE_SPACE = f"^[{_SPACE_CLASS}]|[{_SPACE_CLASS}]$"
_SHEET = "xl/worksheets/sheet1.xml"
_MAX_CELL = 32767  # openpyxl cuts longer text to Excel's limit
# Text whose cell needs more than the plain opening and the text as it is: a plain number
# (quote-prefixed), spaces at an edge (preserved), markup to escape, characters outside ASCII.
_SPECIAL = f"^[+-]?[0-9]+(?:\\.[0-9]+)?$|{_EDGE_SPACE}|[&<>\r]|[^\x00-\x7f]"


class XlsxFrameWriter(_Written):
    """Writes polars frames of rows to an XLSX file, the worksheet XML built in columns.

    The worksheet is the XML openpyxl's write-only mode writes for the same rows through
    :func:`calldesk.spreadsheet.xlsx_row` (byte for byte: tests/test_export_fast.py): inline
    strings, the spreadsheet guard on every text, plain-number text (a phone) as a text cell
    with Excel's quote prefix (style 1), numbers as numbers. It is streamed into the package
    as it is built (bounded memory); the package's other parts are openpyxl's own.
    """

    def __init__(self, path: Path, header: list[str]) -> None:
        import polars as pl

        self.path = Path(path)
        self.rows = 0
        self._next = 1
        self._zip = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        parts = _package_parts()
        self._parts = {name: data for name, data in parts.items() if name != _SHEET}
        sheet = parts[_SHEET].decode()
        self._end = sheet[sheet.index("</sheetData>") :].encode()
        self._sheet = self._zip.open(_SHEET, "w", force_zip64=True)
        self._sheet.write(sheet[: sheet.index("<sheetData>") + len("<sheetData>")].encode())
        self._write(pl.DataFrame({str(j): [h] for j, h in enumerate(header)}))

    def write_frame(self, frame: Any) -> None:
        """Append ``frame``'s rows (columns in header order; null -> empty cell)."""
        if frame.height:
            self._write(frame)
            self.rows += frame.height

    def _write(self, frame: Any) -> None:
        import polars as pl
        from openpyxl.utils import get_column_letter

        from calldesk.spreadsheet import PLAIN_NUMBER_PATTERN

        first = self._next
        self._next += frame.height
        texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
        frame = frame.with_columns(
            guard_column(frame.get_column(name)).fill_null("") for name in texts
        ).with_columns(
            pl.int_range(first, first + pl.len(), dtype=pl.Int64).cast(pl.String).alias(_ROW)
        )
        # One pass over each column says which kinds of cell it holds: most columns hold one
        # kind (all empty, all plain text, all numbers), whose XML needs no choice per cell.
        kinds = (
            frame.select(
                *[(pl.col(n) == "").sum().alias(f"e{j}") for j, n in enumerate(texts)],
                *[
                    pl.col(n).str.contains(_SPECIAL).any().alias(f"s{j}")
                    for j, n in enumerate(texts)
                ],
                *[
                    (pl.col(n).str.len_bytes() > _MAX_CELL).any().alias(f"l{j}")
                    for j, n in enumerate(texts)
                ],
            ).row(0, named=True)
            if texts
            else {}
        )
        # The row's XML as a list of constant texts and per-cell choices, merged where they
        # meet: each cell its reference, the opening that fits its kind (empty, plain number,
        # text, text with spaces at an edge), its text, its end.
        parts = _Parts()
        parts.add('<row r="')
        parts.add(pl.col(_ROW))
        parts.add('">')
        height = frame.height
        for j, (name, dtype) in enumerate(frame.schema.items()):
            if name == _ROW:
                continue
            parts.add(f'<c r="{get_column_letter(j + 1)}')
            parts.add(pl.col(_ROW))
            column = pl.col(name)
            if dtype != pl.String:
                nulls = frame.get_column(name).null_count()
                if nulls == height:
                    parts.add('" t="inlineStr"></c>')
                    continue
                missing = column.is_null() if nulls else None
                parts.choose(missing, '" t="inlineStr"></c>', '" t="n"><v>')
                parts.add(column.cast(pl.String).fill_null("") if nulls else column.cast(pl.String))
                parts.choose(missing, "", "</v></c>")
                continue
            k = texts.index(name)
            empties = kinds[f"e{k}"]
            if empties == height:
                parts.add('" t="inlineStr"></c>')
                continue
            empty = pl.col(name) == "" if empties else None
            if not kinds[f"s{k}"]:  # no plain number, edge space, markup or non-ASCII
                parts.choose(empty, '" t="inlineStr"></c>', '" t="inlineStr"><is><t>')
                parts.add(column)
                parts.choose(empty, "", "</t></is></c>")
                continue
            series = frame.get_column(name)
            if kinds[f"l{k}"] and (series.str.len_chars() > _MAX_CELL).any():
                series = series.str.slice(0, _MAX_CELL)
                column = column.str.slice(0, _MAX_CELL)
            plain = frame.get_column(name).str.contains(PLAIN_NUMBER_PATTERN)
            if plain.sum() == height - empties:  # phones: every cell empty or a plain number
                parts.choose(empty, '" t="inlineStr"></c>', '" s="1" t="inlineStr"><is><t>')
                parts.add(column)  # ASCII digits and a sign or point: nothing to escape
                parts.choose(empty, "", "</t></is></c>")
                continue
            opening = (
                pl.when(empty if empty is not None else pl.lit(False))
                .then(pl.lit('" t="inlineStr"></c>'))
                .when(pl.lit(plain))
                .then(pl.lit('" s="1" t="inlineStr"><is><t>'))
                .when(column.str.contains(_EDGE_SPACE))
                .then(pl.lit('" t="inlineStr"><is><t xml:space="preserve">'))
                .otherwise(pl.lit('" t="inlineStr"><is><t>'))
            )
            parts.add(opening)
            parts.add(_cell_text(series))
            parts.choose(empty, "", "</t></is></c>")
        parts.add("</row>")
        lines = frame.select(pl.concat_str(parts.expressions()).alias("xml"))
        lines.write_csv(self._sheet, include_header=False, quote_style="never", line_terminator="")

    def close(self) -> None:
        self._sheet.write(self._end)
        self._sheet.close()
        for name, data in self._parts.items():
            self._zip.writestr(name, data)
        self._zip.close()

    def abort(self) -> None:
        """Close and delete a half-written file."""
        try:
            self._sheet.close()
            self._zip.close()
        finally:
            self.path.unlink(missing_ok=True)


_ROW = "\x00row"  # the row number column (no header can be named so)


class _Parts:
    """The pieces of one concatenation: constant texts, expressions, and choices between two
    constant texts; neighbouring constants are merged into one (into both sides of a choice),
    so each row costs fewer pieces."""

    def __init__(self) -> None:
        self._parts: list[Any] = []

    def add(self, part: Any) -> None:
        """Append a constant text or an expression."""
        last = self._parts[-1] if self._parts else None
        if isinstance(part, str) and isinstance(last, str):
            self._parts[-1] = last + part
        elif isinstance(part, str) and isinstance(last, tuple):
            self._parts[-1] = (last[0], last[1] + part, last[2] + part)
        else:
            self._parts.append(part)

    def choose(self, condition: Any, then: str, otherwise: str) -> None:
        """Append ``then`` where ``condition`` holds and ``otherwise`` elsewhere (a constant
        ``otherwise`` when ``condition`` is None)."""
        if condition is None:
            self.add(otherwise)
            return
        last = self._parts[-1] if self._parts else None
        if isinstance(last, str):
            self._parts[-1] = (condition, last + then, last + otherwise)
        else:
            self._parts.append((condition, then, otherwise))

    def expressions(self) -> list[Any]:
        import polars as pl

        out = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(pl.lit(part))
            elif isinstance(part, tuple):
                condition, then, otherwise = part
                out.append(pl.when(condition).then(pl.lit(then)).otherwise(pl.lit(otherwise)))
            else:
                out.append(part)
        return out


def _cell_text(series: Any) -> Any:
    """Guarded text as lxml writes it in a cell: ``&``, ``<``, ``>`` and CR escaped, and
    characters outside ASCII as character references (only cells holding one go to Python)."""
    import polars as pl

    if series.str.contains("[&<>\r]").any():
        series = series.to_frame("v").select(_xml_text(pl.col("v"))).to_series()
    wide = series.str.contains(r"[^\x00-\x7f]").arg_true()
    if len(wide):
        refs = [
            text.encode("ascii", "xmlcharrefreplace").decode("ascii")
            for text in series.gather(wide).to_list()
        ]
        series = series.scatter(wide, refs)
    return pl.lit(series)


def _xml_text(column: Any) -> Any:
    """``column`` escaped as lxml writes element text (``&``, ``<``, ``>``, CR)."""
    return (
        column.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all("\r", "&#13;", literal=True)
    )


def guard_column(column: Any, suspect: Any = None) -> Any:
    """A polars String Series through the spreadsheet guard: only the cells it may change
    (a risky first character or a control character, not a plain number) take the full
    rule, :func:`calldesk.spreadsheet.neutralise_expr`; the result is the same.

    ``suspect``: the mask of ``calldesk.spreadsheet.suspect_pattern()`` if already computed.
    """
    import polars as pl

    from calldesk.spreadsheet import PLAIN_NUMBER_PATTERN, neutralise_expr, suspect_pattern

    if suspect is None:
        suspect = column.str.contains(suspect_pattern()).fill_null(False)
    rows = suspect.arg_true()
    if len(rows):
        # A plain number (an E.164 phone starts with "+") is never changed.
        rows = rows.filter(~column.gather(rows).str.contains(PLAIN_NUMBER_PATTERN))
    if len(rows):
        guarded = column.gather(rows).to_frame("v").select(neutralise_expr(pl.col("v")))
        column = column.scatter(rows, guarded.to_series())
    return column


def _package_parts() -> dict[str, bytes]:
    """The parts of the package openpyxl writes for a "Leads" sheet with a quote-prefixed
    cell (so style 1 is the quote prefix), in its order; the worksheet is replaced."""
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Leads")
    cell = WriteOnlyCell(sheet, value="0")
    cell.quotePrefix = True
    sheet.append([cell])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as package:
        return {name: package.read(name) for name in package.namelist()}
