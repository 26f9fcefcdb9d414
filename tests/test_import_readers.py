"""Readers: dialects, encodings, title rows, spreadsheets, refusals; csv-spectrum parses right."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk.importing.mapping import guess_mapping, load_preset, resolve_mapping
from calldesk.importing.readers import (
    ReaderError,
    iter_batches,
    read_all,
    sniff_file,
    with_overrides,
)
from tests.conftest import REALWORLD

SPECTRUM = REALWORLD / "csv-spectrum"
# Upstream's expected JSON for location_coordinates is a single object whose phone number
# ("1234567890") is not the one in its own CSV ("2095257564"); every other value must match.
UPSTREAM_FIXES = {"location_coordinates": {"Contact Phone Number": "2095257564"}}


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (SPECTRUM / "json").glob("*.json")), ids=str
)
def test_csv_spectrum_parses_to_expected_json(name: str) -> None:
    expected = json.loads((SPECTRUM / "json" / f"{name}.json").read_text(encoding="utf-8"))
    if isinstance(expected, dict):
        expected = [expected]
    for row in expected:
        row.update(UPSTREAM_FIXES.get(name, {}))
    layout = sniff_file(SPECTRUM / "csvs" / f"{name}.csv")
    rows = read_all(layout)
    got = [dict(zip(layout.headers, row, strict=False)) for row in rows]
    assert got == expected


def test_control_character_feed_is_refused() -> None:
    with pytest.raises(ReaderError, match="control character"):
        sniff_file(SPECTRUM / "csvs" / "newlines_as_ctrl_chars.txt")


@pytest.mark.parametrize(
    ("relative", "encoding"),
    [
        ("csvkit-examples/test_utf16_big.csv", "utf-16-be"),
        ("csvkit-examples/test_utf16_little.csv", "utf-16-le"),
        ("csvkit-examples/test_latin1.csv", "cp1252"),
        ("csvkit-examples/test_utf8_bom.csv", "utf-8"),
        ("salesforce-dataloader/csvtext_BOM_UTF32LE.csv", "utf-32-le"),
        ("salesforce-dataloader/csvtext_BOM_UTF32BE.csv", "utf-32-be"),
        ("salesforce-dataloader/accountData_dataloader_export.csv", "cp1252"),
    ],
)
def test_encodings_are_detected(relative: str, encoding: str) -> None:
    layout = sniff_file(REALWORLD / relative)
    assert layout.encoding == encoding
    assert not layout.headers[0].startswith("\ufeff")


def test_salesforce_variants_read_the_same_table() -> None:
    base = read_all(sniff_file(REALWORLD / "salesforce-dataloader/csvtext.csv"))
    for name in ("BOM_UTF8", "BOM_UTF16LE", "BOM_UTF16BE", "BOM_UTF32LE", "BOM_UTF32BE"):
        layout = sniff_file(REALWORLD / f"salesforce-dataloader/csvtext_{name}.csv")
        assert layout.headers == ["column1", "column2", "column3"], name
        assert read_all(layout) == base, name


def test_encoding_override_and_big5_refusal() -> None:
    big5 = REALWORLD / "messytables-horror/characters_big5_first300lines.csv"
    with pytest.raises(ReaderError, match="encoding"):
        sniff_file(big5)
    layout = sniff_file(big5, encoding="big5")
    assert layout.encoding == "big5"
    assert len(read_all(layout)) > 100


def test_latin1_text_is_decoded() -> None:
    layout = sniff_file(REALWORLD / "messytables-horror/spanish_chars.csv")
    rows = read_all(layout)
    assert any("Descripción" in h for h in layout.headers)
    assert any("gestión" in cell for row in rows for cell in row)


def test_delimiters_are_sniffed() -> None:
    assert sniff_file(REALWORLD / "messytables-horror/simple.psv").delimiter == "|"
    assert sniff_file(REALWORLD / "messytables-horror/simple.ssv").delimiter == ";"
    assert sniff_file(REALWORLD / "csvkit-examples/sniff_limit.csv").delimiter == ";"


def test_blank_and_title_rows_above_the_header_are_skipped() -> None:
    layout = sniff_file(REALWORLD / "csvkit-examples/test_skip_lines.csv")
    assert layout.skip_rows == 3 and layout.headers == ["a", "b", "c"]
    glb = sniff_file(REALWORLD / "messytables-horror/mixedGLB.csv")
    assert glb.headers[:3] == ["Year", "Jan", "Feb"]
    assert read_all(glb)[0][0] == "1880"


def test_title_row_in_a_contact_list(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "Trade show leads, exported 2026-11-20,,,\n\nFirst Name,Last Name,Phone,Email,Company\n"
        'Ann,Lee,212-736-5000,ann@lee.com,"Lee, Inc."\n',
        encoding="utf-8",
    )
    layout = sniff_file(path)
    assert layout.skip_rows == 2 and layout.has_header
    assert layout.headers == ["First Name", "Last Name", "Phone", "Email", "Company"]
    assert read_all(layout) == [["Ann", "Lee", "212-736-5000", "ann@lee.com", "Lee, Inc."]]
    assert layout.first_data_row == 4


def test_headerless_file_gets_column_names_and_content_guess(tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    path.write_text(
        "Ann Lee,212-736-5000,ann@lee.com\nBo Chan,(415) 736-2100,bo@chan.io\n", encoding="utf-8"
    )
    layout = sniff_file(path)
    assert not layout.has_header
    assert layout.headers == ["Column 1", "Column 2", "Column 3"]
    mapping = guess_mapping(layout.headers, layout.preview)
    assert mapping.columns == {"Column 2": "phone", "Column 3": "email"}


def test_quoted_newlines_and_bare_null(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('a,b,c\n1,"line one\nline two",NULL\n2,"NULL",x\n', encoding="utf-8")
    rows = read_all(sniff_file(path))
    assert rows == [["1", "line one\nline two", ""], ["2", "NULL", "x"]]


def test_streaming_batches_bound_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("name,phone\n")
        for i in range(25_000):
            handle.write(f"Person {i},212-736-{i % 10000:04d}\n")
    layout = sniff_file(path)
    sizes = [len(b.rows) for b in iter_batches(layout, batch_size=10_000)]
    assert sizes == [10_000, 10_000, 5_000]
    numbers = [b.row_numbers[0] for b in iter_batches(layout, batch_size=10_000)]
    assert numbers == [2, 10_002, 20_002]


def test_spreadsheet_first_sheet_and_chosen_sheet(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Leads"
    first.append(["Report of 2026-11-20"])
    first.append([])
    first.append(["Name", "Phone", "Email"])
    first.append(["Ann Lee", 2127365000, "ann@lee.com"])
    other = book.create_sheet("Other")
    other.append(["Company", "Main Phone"])
    other.append(["Acme", "+1 415 736 2100"])
    book.save(path)
    layout = sniff_file(path)
    assert layout.sheet == "Leads" and layout.sheets == ["Leads", "Other"]
    assert layout.headers == ["Name", "Phone", "Email"]
    assert read_all(layout) == [["Ann Lee", "2127365000", "ann@lee.com"]]
    chosen = with_overrides(layout, sheet="Other")
    assert chosen.headers == ["Company", "Main Phone"]
    with pytest.raises(ReaderError, match="no sheet"):
        sniff_file(path, sheet="Nope")


def test_empty_first_sheet_falls_back_with_a_note() -> None:
    layout = sniff_file(REALWORLD / "csvkit-examples/sheets.xlsx")
    assert layout.sheet == "data" and layout.notes


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("messytables-horror/encrypted_no_password.xls", "password"),
        ("messytables-horror/simple.zip", "ZIP archive"),
        ("csvkit-examples/empty.csv", "empty"),
        ("messytables-horror/libreoffice.xlsx", "no rows"),
    ],
)
def test_unreadable_files_are_refused_clearly(relative: str, message: str) -> None:
    with pytest.raises(ReaderError, match=message):
        sniff_file(REALWORLD / relative)


def test_mapping_guesses_common_spellings() -> None:
    mapping = guess_mapping(
        [
            "Given name",
            "Surname",
            "E-mail Address",
            "Work Phone",
            "Cell",
            "Account Name",
            "Job Title",
            "State/Province",
            "Postal code",
            "Country",
            "Notes",
            "Shoe size",
        ]
    )
    assert mapping.columns == {
        "Given name": "first_name",
        "Surname": "last_name",
        "E-mail Address": "email",
        "Work Phone": "phone",
        "Cell": "mobile",
        "Account Name": "company",
        "Job Title": "title",
        "State/Province": "state",
        "Postal code": "postal_code",
        "Country": "country",
        "Notes": "notes",
    }


def test_presets_load_and_vicidial_names_its_columns() -> None:
    preset = load_preset("vicidial")
    assert preset.has_header is False
    names = preset.column_names([f"Column {i}" for i in range(1, 30)], has_header=False)
    assert names[4] == "phone_number" and names[27] == "Column 28"
    assert preset.bind(names)[4] == "phone"
    assert resolve_mapping("zoom-webinar-attendees", []).source == "webinar"


PLAIN_FILES = {
    "blank rows": "a,b,c\n1,2,3\n\n4,5,6\n,,\n7,8,9",
    "ragged rows": "First Name,Last Name,Phone\nAnn,Lee,212-555-0100,extra\nBob\n\n\nCid,Ng,\n",
    "title above the header": "My export\n\nFirst Name,Last Name,Phone\nAnn,Lee,212-555-0100\n"
    "Zoë,Ødegaard,+44 20 7946 0958\n",
    "semicolons": "Vorname;Nachname;Telefon\nJürgen;Müller;030 1234567\n;;\nÉva;Nagy;+36 1 2345678\n",
    "no header": "Ann,Lee,2125550100\nBob,Ng,4155550100\n",
}


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
@pytest.mark.parametrize("name", sorted(PLAIN_FILES))
def test_plain_lines_read_by_whole_lines_as_row_by_row(
    name: str, line_end: str, tmp_path: Path
) -> None:
    """A file without quotes (every line one row) is read by whole lines: the same rows, row
    numbers and blank-row counts as the row-by-row reader gives."""
    from calldesk.importing import readers

    path = tmp_path / "plain.csv"
    path.write_bytes(PLAIN_FILES[name].replace("\n", line_end).encode("utf-8"))
    layout = readers.sniff_file(path)
    assert readers._plain_lines(layout)
    for size in (1, 2, 1000):
        plain = [
            (b.rows, b.row_numbers, b.blank_rows, b.refused)
            for b in readers._iter_plain(layout, size)
        ]
        rows = [
            (b.rows, b.row_numbers, b.blank_rows, b.refused)
            for b in readers._iter_rows(layout, size)
        ]
        assert plain == rows


# Cells of plain files: no quote, NUL or carriage return; spaces, accents, other delimiters.
_PLAIN_CELL = st.text(alphabet="ab Zé,;|\t0-+.@ßø", max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.lists(_PLAIN_CELL, max_size=6), min_size=1, max_size=30),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
    last_end=st.booleans(),
    bom=st.booleans(),
    batch=st.integers(1, 12),
)
def test_random_plain_files_read_by_whole_lines_as_row_by_row(
    lines: list[list[str]],
    delimiter: str,
    line_end: str,
    last_end: bool,
    bom: bool,
    batch: int,
) -> None:
    """Any plain file (ragged and blank lines, cells holding the other delimiters, with or
    without a last line end, any batch size) reads by whole lines as the row reader reads it:
    the rows, row numbers and blank rows of every batch."""
    import tempfile

    from calldesk.importing import readers

    cells = [[c.replace(delimiter, "") for c in line] for line in lines]
    text = line_end.join(delimiter.join(line) for line in cells) + (line_end if last_end else "")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plain.csv"
        path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8"))
        try:
            layout = readers.sniff_file(path)
        except ReaderError:
            return  # an empty file, or one the sniffer refuses: no reader reads it
        if not readers._plain_lines(layout):
            return
        plain = [
            (b.rows, b.row_numbers, b.blank_rows, b.refused)
            for b in readers._iter_plain(layout, batch)
        ]
        rows = [
            (b.rows, b.row_numbers, b.blank_rows, b.refused)
            for b in readers._iter_rows(layout, batch)
        ]
    assert plain == rows


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n1,"x"\n',  # a quote
        "a,b\n1,x\ry\n",  # a carriage return inside a line
        "a,b\n1,NULL\n",  # a bare NULL (read as empty by the row reader)
        "a,b\n1,x\x00y\n",  # a NUL
        "a,b\n1,2\r",  # a carriage return ending the last line
    ],
)
def test_files_needing_the_row_reader_are_not_plain(text: str, tmp_path: Path) -> None:
    from calldesk.importing import readers

    path = tmp_path / "odd.csv"
    path.write_bytes(text.encode("utf-8"))
    assert not readers._plain_lines(readers.sniff_file(path))
