"""The one guard for every cell calldesk writes to a CSV or XLSX file.

Exports, CRM sync files, report exports and the import's refused-rows file all pass their cells
through :func:`neutralise` (the writers in :mod:`calldesk.sync.layouts` and
:mod:`calldesk.reports.export` do it themselves, so no caller can forget). The rule, applied to
the *final* text of the cell:

1. Characters no spreadsheet cell can hold are removed first (C0 control characters other than
   tab, line feed and carriage return, which XLSX cannot store; lone surrogates, which no file
   encoding can write, become U+FFFD). Cleaning first matters: ``"\\x01=HYPERLINK(...)"`` must
   not turn into a live formula once the control character is gone.
2. A plain number (``+15551234567``, ``-12.5``: an optional sign, ASCII digits, an optional
   decimal part) is left exactly as it is. It cannot run as a formula, and a CRM must receive an
   E.164 phone number intact. In XLSX such text is written as a text cell, so a spreadsheet
   never turns a phone number into ``1.55512E+10``.
3. Any other text that starts with ``=``, ``+``, ``-``, ``@`` (or their full-width forms), a
   tab, a carriage return or a line feed, or that starts with spaces followed by one of those,
   gets a leading ``'``: spreadsheets show it as text instead of running it.

Non-text values (numbers, dates, None) pass through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# Formula triggers, ASCII and full-width (some spreadsheets accept the latter as well).
_FORMULA_FIRST = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
# What XLSX cannot hold (openpyxl refuses these), plus DEL, and lone surrogates.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?").fullmatch
_LEADING_SPACE = " \u00a0\u2007\u202f\u3000"
_RISKY_FIRST = _FORMULA_FIRST | frozenset(_LEADING_SPACE)


def clean(text: str) -> str:
    """``text`` without the characters a spreadsheet cell cannot hold (see the module doc)."""
    if text.isprintable():
        return text  # the usual case, at C speed
    text = _UNWRITABLE.sub("", text)
    return _SURROGATE.sub("\ufffd", text)


def is_plain_number(text: str) -> bool:
    """True when ``text`` is a sign, ASCII digits and an optional decimal part (e.g. E.164)."""
    return _PLAIN_NUMBER(text) is not None


def neutralise(value: Any) -> Any:
    """``value`` as it may be written to a spreadsheet cell: cleaned, and never a formula.

    Idempotent: a value neutralised twice is the same as once.
    """
    if value.__class__ is not str:
        if not isinstance(value, str):
            return value
        value = str(value)
    if not value:
        return value
    if value[0] not in _RISKY_FIRST and value.isprintable():
        return value  # fast path: nothing to clean, cannot start a formula
    value = clean(value)
    if not value or is_plain_number(value):
        return value
    if value[0] in _FORMULA_FIRST or value.lstrip(_LEADING_SPACE)[:1] in _FORMULA_FIRST:
        return "'" + value
    return value


def neutralise_row(cells: Sequence[Any]) -> list[Any]:
    """Every cell of a row through :func:`neutralise`; None becomes an empty cell."""
    # The fast test of neutralise inlined: exports write millions of cells.
    return [
        v
        if v.__class__ is str and (not v or (v[0] not in _RISKY_FIRST and v.isprintable()))
        else ("" if v is None else neutralise(v))
        for v in cells
    ]


# Text openpyxl would otherwise store as an error value rather than as text.
_ERROR_TEXTS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def xlsx_row(sheet: Any, cells: Sequence[Any]) -> list[Any]:
    """A row for openpyxl's write-only ``sheet.append``, every cell through :func:`neutralise`.

    Plain-number text (a phone number) becomes a text cell marked with Excel's quote prefix, so
    it stays text even when someone edits it; text that looks like an error code stays text.
    """
    from openpyxl.cell import WriteOnlyCell  # late import: only XLSX writers need it

    out: list[Any] = []
    for value in cells:
        value = neutralise(value)
        if value.__class__ is str and value and (value[0] in "+-0123456789#"):
            if is_plain_number(value):
                cell = WriteOnlyCell(sheet, value=value)
                cell.quotePrefix = True
                value = cell
            elif value in _ERROR_TEXTS:
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
        out.append(value)
    return out


def _class(chars: str) -> str:
    """``chars`` as the body of a regex character class (Rust's syntax, as polars uses)."""
    return "".join("\\" + ch if ch in "\\-]^[" else ch for ch in sorted(chars))


# The same rule as neutralise, as regexes over a whole column (polars, Rust's regex engine).
_UNWRITABLE_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_FORMULA_PATTERN = f"^[{_class(_LEADING_SPACE)}]*[{_class(''.join(_FORMULA_FIRST))}]"
PLAIN_NUMBER_PATTERN = r"^[+-]?[0-9]+(?:\.[0-9]+)?$"  # as _PLAIN_NUMBER, for polars


def suspect_pattern() -> str:
    """A regex matching every text :func:`neutralise` may change (and some it leaves alone)."""
    return f"^[{_class(''.join(_RISKY_FIRST))}]|{_UNWRITABLE_PATTERN}"


def neutralise_expr(text: Any) -> Any:
    """:func:`neutralise` over a polars String column (``text`` a ``pl.Expr``); nulls stay null.

    Gives exactly what :func:`neutralise` gives for every text a polars column can hold
    (tests/test_spreadsheet_guard.py compares them over generated text); lone surrogates,
    which ``neutralise`` replaces, cannot occur in a polars (UTF-8) column.
    """
    import polars as pl  # late import: only the columnar export needs polars

    cleaned = text.str.replace_all(_UNWRITABLE_PATTERN, "")
    risky = cleaned.str.contains(_FORMULA_PATTERN) & ~cleaned.str.contains(PLAIN_NUMBER_PATTERN)
    return pl.when(risky).then(pl.lit("'") + cleaned).otherwise(cleaned)
