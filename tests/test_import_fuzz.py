"""Fuzz: random CSVs written from known rows (random quoting, delimiters, line ends, encodings)
are imported, and every row is found stored (as a list member with its row number) or
reported refused with its reason."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.models import CallList, Contact, Email, ImportError_, ImportRun, ListMember
from calldesk.store import Store

HEADER = ["First Name", "Last Name", "Company", "Email", "Phone", "Notes"]
# Written forms of a number; {n} is unique to each generated file, so the people of one file
# never meet those of another in the shared store.
PHONES = [
    "(212) 736-{n}",
    "415.736.{n}",
    "+1 312 736 {n}",
    "001-212-736-{n}",
    "0044 20 7946 0{m}",
    "+49 30 9018{m}",
    "12345",  # refused as a value, the row is still stored
    "",
]
# Letters people's names are written with, plus the characters that break naive CSV code.
NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüßøñçÉ' -.,\";|"
# No bare "\r": Python's csv writer leaves it unquoted under a "\n" line end, which makes it
# a real line break in the file (for Excel as for calldesk).
NOTE_CHARS = NAME_CHARS + "\n\t0123456789=+@"
_names = (
    st.text(alphabet=NAME_CHARS, min_size=1, max_size=14)
    .map(str.strip)
    .filter(lambda s: bool(s) and s != "NULL" and s.replace(".", "").replace("-", "").strip() != "")
)
_notes = st.text(alphabet=NOTE_CHARS, max_size=40).filter(lambda s: s.strip() != "NULL")
_row = st.tuples(
    _names, _names, st.text(alphabet=NAME_CHARS, max_size=16), st.sampled_from(PHONES), _notes
)
_counter = itertools.count()


def _encodable(rows: list[list[str]], encoding: str) -> bool:
    try:
        for row in rows:
            for cell in row:
                cell.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(_row, min_size=1, max_size=25),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    newline=st.sampled_from(["\r\n", "\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_every_row_is_stored_or_reported(
    sqlite_store: Store,
    tmp_path: Path,
    people: list[tuple[str, str, str, str, str]],
    delimiter: str,
    quoting: int,
    newline: str,
    encoding: str,
) -> None:
    run = next(_counter)
    unique = {"n": f"{run % 10000:04d}", "m": f"{run % 1000:03d}"}
    rows = [
        [first, last, company, f"p{run}.{i}@example.com", phone.format(**unique), notes]
        for i, (first, last, company, phone, notes) in enumerate(people)
    ]
    if not _encodable(rows, encoding):
        encoding = "utf-8"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path / f"fuzz-{run}.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))

    list_name = f"fuzz {run}"
    result = import_file(sqlite_store, path, ImportOptions(list_name=list_name))
    assert result.accounted, result.to_json()
    assert result.rows == len(rows), (result.rows, len(rows), result.errors[:3])

    with sqlite_store.session() as session:
        list_id = session.scalar(select(CallList.id).where(CallList.name == list_name))
        stored = {
            source_row: (first or "", last or "")
            for source_row, first, last in session.execute(
                select(ListMember.source_row, Contact.first_name, Contact.last_name)
                .join(Contact, Contact.id == ListMember.contact_id)
                .where(ListMember.list_id == list_id)
            )
        }
        refused_rows = {
            row
            for (row,) in session.execute(
                select(ImportError_.row)
                .join(ImportRun, ImportRun.id == ImportError_.run_id)
                .where(ImportRun.id == result.run_id, ImportError_.column.is_(None))
            )
        }
        members = set(
            session.scalars(select(ListMember.contact_id).where(ListMember.list_id == list_id))
        )
        repeats = 0
        for index, (first, last, *_rest) in enumerate(people):
            file_row = index + 2  # the header is row 1
            if file_row in refused_rows:
                continue
            if file_row in stored:
                assert stored[file_row] == (first[:120], last[:120]), (file_row, delimiter)
                continue
            # The same person as an earlier row (same number, names that agree): merged into
            # that contact, which now holds this row's own address and is on the list.
            owner = session.scalar(select(Email.contact_id).where(Email.address == rows[index][3]))
            assert owner in members, (file_row, first, last, delimiter, encoding)
            repeats += 1
        assert repeats == result.duplicates
