"""Readers that refuse what would kill the process: huge sheets, huge cells, huge lines."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from calldesk.importing.readers import ReaderError, read_all, sniff_file

REPO = Path(__file__).resolve().parent.parent


def xlsx(path: Path, cells: list[tuple[str, str]], *, dimension: str | None = None) -> Path:
    """A minimal XLSX with inline-string cells at the given references."""
    rows: dict[int, list[str]] = {}
    for ref, text in cells:
        row = int("".join(ch for ch in ref if ch.isdigit()))
        rows.setdefault(row, []).append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
    body = "".join(f'<row r="{r}">{"".join(c)}</row>' for r, c in sorted(rows.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{body}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


LIST = [
    ("A1", "First Name"),
    ("B1", "Last Name"),
    ("C1", "Phone"),
    ("A2", "Ann"),
    ("B2", "Lee"),
    ("C2", "212-736-5000"),
]


def run_isolated(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child with a 3 GB address-space cap: a reader that tries to
    allocate the sheet aborts the child, never the test run."""
    prelude = "import resource\nresource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_small_workbook_still_reads(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "ok.xlsx", LIST)
    layout = sniff_file(path)
    assert layout.headers == ["First Name", "Last Name", "Phone"]
    assert read_all(layout) == [["Ann", "Lee", "212-736-5000"]]


@pytest.mark.parametrize("dimension", [None, "A1:XFD1048576"])
def test_one_cell_at_xfd1048576_is_refused_not_fatal(tmp_path: Path, dimension: str | None) -> None:
    path = xlsx(tmp_path / "far.xlsx", [*LIST, ("XFD1048576", "x")], dimension=dimension)
    child = run_isolated(
        f"""
        from calldesk.importing.readers import ReaderError, sniff_file
        try:
            sniff_file({str(path)!r})
        except ReaderError as exc:
            print("REFUSED", exc)
        """
    )
    assert child.returncode == 0, (child.returncode, child.stderr[-2000:])
    assert "REFUSED" in child.stdout and "XFD1048576" in child.stdout
    assert "sheet 'Leads'" in child.stdout and "GB" in child.stdout
    assert "Traceback" not in child.stderr


def test_import_command_refuses_the_far_cell_with_a_message(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "far.xlsx", [*LIST, ("XFD1048576", "x")])
    child = run_isolated(
        f"""
        import sys
        from calldesk.cli.main import main
        sys.exit(main(["--db", {str(tmp_path / "s.sqlite3")!r}, "import", {str(path)!r},
                       "--list", "L"]))
        """
    )
    assert child.returncode == 2, (child.returncode, child.stderr[-2000:])
    assert "XFD1048576" in child.stderr and "Traceback" not in child.stderr


def test_csv_cell_over_16_mib_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("First,Last,Notes\nAnn,Lee,short\n")
        handle.write('Bob,Ray,"' + "x" * (17 * 1024 * 1024) + '"\n')
    with pytest.raises(ReaderError, match=r"line 3 .*16 MiB|line 3: .*16 MiB"):
        read_all(sniff_file(path))


def test_csv_line_without_end_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "oneline.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("First,Last,Notes\n")
        handle.write("Ann,Lee," + "y," * (9 * 1024 * 1024))
    with pytest.raises(ReaderError, match="longer than 16 MiB"):
        read_all(sniff_file(path))


def test_a_list_that_would_exhaust_memory_is_refused_with_a_message() -> None:
    from calldesk.importing.pipeline import memory_problem
    from calldesk.importing.readers import _available_memory

    free = _available_memory()
    assert free is not None and free > 0
    assert memory_problem(100_000, 50_000, free) is None  # a normal list
    rows = int(free / 600) * 2  # twice what fits
    problem = memory_problem(rows, 0, free)
    assert problem is not None and "Split the file" in problem and "GB" in problem


def test_a_far_row_whose_cells_have_no_reference_is_refused(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "far-row.xlsx", LIST)
    # A row far down whose cells leave out their reference (allowed by the format).
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    far = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(200))
    sheet = sheet.replace("</sheetData>", f'<row r="1048576">{far}</row></sheetData>')
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    child = run_isolated(
        f"""
        from calldesk.importing.readers import ReaderError, sniff_file
        try:
            sniff_file({str(path)!r})
            print("READ")
        except ReaderError as exc:
            print("REFUSED", exc)
        """
    )
    assert child.returncode == 0, (child.returncode, child.stderr[-1500:])
    assert "REFUSED" in child.stdout and "rows by 200 columns" in child.stdout


def ods(path: Path, rows: list[str]) -> Path:
    """A minimal OpenDocument spreadsheet whose table holds the given row elements (XML)."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="Leads">{"".join(rows)}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    kind = "application/vnd.oasis.opendocument.spreadsheet"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", kind, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{kind}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
            '"text/xml"/></manifest:manifest>',
        )
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def ods_row(*texts: str) -> str:
    cells = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>'
        for t in texts
    )
    return f"<table:table-row>{cells}</table:table-row>"


ODS_LIST = [ods_row("First Name", "Last Name", "Phone"), ods_row("Ann", "Lee", "212-736-5000")]


def test_an_opendocument_sheet_with_the_usual_trailing_repeats_reads(tmp_path: Path) -> None:
    # What LibreOffice writes after the last row: styled empty cells and empty rows repeated
    # to the sheet's end. They hold nothing, so they are not part of the list.
    filler = (
        '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:style-name="ce1" table:number-columns-repeated="1024"/>'
        "</table:table-row>"
    )
    path = ods(tmp_path / "ok.ods", [*ODS_LIST, filler])
    layout = sniff_file(path)
    assert layout.headers == ["First Name", "Last Name", "Phone"]
    assert read_all(layout) == [["Ann", "Lee", "212-736-5000"]]


def test_an_opendocument_row_repeated_far_is_refused_not_fatal(tmp_path: Path) -> None:
    # A 1 KB file: 60,000 empty rows, then a cell in column 1,001 (the reader asked 5 GB).
    far = (
        '<table:table-row table:number-rows-repeated="60000"><table:table-cell/>'
        "</table:table-row><table:table-row><table:table-cell table:number-columns-repeated="
        '"1000"/><table:table-cell office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>"
    )
    path = ods(tmp_path / "far.ods", [*ODS_LIST, far])
    assert path.stat().st_size < 2_000
    child = run_isolated(
        f"""
        from calldesk.importing.readers import ReaderError, sniff_file
        try:
            sniff_file({str(path)!r})
        except ReaderError as exc:
            print("REFUSED", exc)
        """
    )
    assert child.returncode == 0, (child.returncode, child.stderr[-2000:])
    assert "REFUSED" in child.stdout and "sheet 'Leads'" in child.stdout
    assert "60,003 rows by 1,001 columns" in child.stdout and "ALM60003" in child.stdout
