"""Reading spreadsheets (XLSX and the other workbook formats calamine reads, ODS): a workbook's
XML is scanned first so a sheet whose used range would need more memory than the machine has
is refused with a clear message, then the chosen sheet is read whole through calamine; its
rows go on to the import as a CSV file's do (:mod:`calldesk.importing.readers`)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from calldesk.importing.readers import (
    _FIELD_LIMIT,
    PREVIEW_ROWS,
    FileLayout,
    ReaderError,
    RowBatch,
    _available_memory,
    _finish_layout,
    _width,
    guess_header,
)

# A sheet is read whole into one rectangle of cells (from its first to its last used cell):
# one stray cell at XFD1048576 asks for 17 billion cells (549 GB), which the native reader
# cannot survive. The sheets' XML is scanned first and such sheets are refused.
MAX_SHEET_CELLS = 60_000_000
_CELL_BYTES = 40  # what one cell of the rectangle costs the reader, about
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Z]{1,3})?([0-9]{1,7})?(?::([A-Z]{1,3})([0-9]{1,7}))?\""
)
# Rows and cells; a cell may leave out its reference (its row and its place in it tell).
_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_REF = re.compile(rb'\br="([A-Z]{0,3})([0-9]{1,7})"')
_checked: dict[tuple[str, int, float], None] = {}
# OpenDocument sheets say "this row (cell) again N times" instead of writing it out: a 1 KB
# file can ask for 60,000 rows of 1,000 cells (5 GB in the reader). Its tables are scanned
# the same way, repeats counted, up to the last cell that holds something.
_ODS_TAG = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>"
)
_ODS_NAME = re.compile(rb'\btable:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'\btable:number-rows-repeated="([0-9]{1,10})"')
_ODS_COLUMNS = re.compile(rb'\btable:number-columns-repeated="([0-9]{1,10})"')
_ODS_VALUE = re.compile(rb"\boffice:value-type=")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name -> the sheet's name as Excel shows it."""
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for element in re.findall(r"<Relationship\b[^>]*>", rels):
        ident = re.search(r'\bId="([^"]+)"', element)
        target = re.search(r'\bTarget="([^"]+)"', element)
        if ident and target:
            where = target[1].lstrip("/")
            targets[ident[1]] = where if where.startswith("xl/") else "xl/" + where
    names = {}
    for element in re.findall(r"<sheet\b[^>]*>", book):
        name = re.search(r'\bname="([^"]*)"', element)
        ident = re.search(r'\br:id="([^"]+)"', element)
        if name and ident and ident[1] in targets:
            names[targets[ident[1]]] = name[1]
    return names


def _used_range(stream) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    """(first row, last row, first column, last column) of the cells of a worksheet's XML
    (and of its declared dimension), read in pieces: nothing of the sheet is kept."""
    low_row = low_col = 1 << 30
    high_row = high_col = 0
    row = column = 0
    for data, cut in _xml_pieces(stream):
        for match in _TAG.finditer(data, 0, cut):
            ref = _REF.search(match[2])
            if match[1] == b"row":
                row = int(ref[2]) if ref else row + 1
                column = 0
                continue
            if ref and ref[1]:
                column, row = _column_number(ref[1]), int(ref[2])
            else:
                column += 1
            low_row, high_row = min(low_row, row), max(high_row, row)
            low_col, high_col = min(low_col, column), max(high_col, column)
        for match in _DIMENSION.finditer(data, 0, cut):
            if match[3] and match[4]:  # the range the reader may reserve
                high_row = max(high_row, int(match[4]))
                high_col = max(high_col, _column_number(match[3]))
    return low_row, high_row, low_col, high_col


def _xml_pieces(stream) -> Iterator[tuple[bytes, int]]:  # type: ignore[no-untyped-def]
    """A part's XML in pieces of about 1 MiB, each with where its whole tags end: the tags
    before the last "<" are whole, the rest waits for the next piece."""
    tail = b""
    done = False
    while not done:
        chunk = stream.read(1 << 20)
        done = not chunk
        data = tail + chunk
        cut = len(data) if done else data.rfind(b"<")
        if cut < 0:
            cut = len(data)
        yield data, cut
        tail = data[cut:]
        if len(tail) > 1 << 20:  # no tag is that long: a broken file, the reader says so
            tail = b""


def _ods_used_ranges(stream) -> list[tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    """(sheet name, last row, last column) of every table of an OpenDocument content.xml, read
    in pieces, repeated rows and cells counted; a cell holds something when it has a value type
    or content (a self-closed cell with neither is empty, whatever its style)."""
    tables: list[tuple[str, int, int]] = []
    name = ""
    row = high_row = high_col = 0  # rows before the current one; the used range so far
    rows_here = column = 0
    row_used = False
    for data, cut in _xml_pieces(stream):
        for match in _ODS_TAG.finditer(data, 0, cut):
            closing, kind, attrs, empty = match[1], match[2], match[3], match[4]
            if kind == b"table":
                if closing:
                    tables.append((name, high_row, high_col))
                else:
                    found = _ODS_NAME.search(attrs)
                    name = found[1].decode("utf-8", "replace") if found else ""
                    row = high_row = high_col = 0
            elif kind == b"table-row":
                if not closing:
                    found = _ODS_ROWS.search(attrs)
                    rows_here, column, row_used = (int(found[1]) if found else 1), 0, False
                if closing or empty:
                    if row_used:
                        high_row = row + rows_here
                    row += rows_here
            elif not closing:  # a cell or a covered cell
                found = _ODS_COLUMNS.search(attrs)
                repeat = int(found[1]) if found else 1
                if not empty or _ODS_VALUE.search(attrs):
                    row_used = True
                    high_col = max(high_col, column + repeat)
                column += repeat
    return tables


def _refuse_far(path: Path, sheet: str, rows: int, columns: int, far: str) -> None:
    """Refuse a sheet whose rectangle of cells the reader could not hold."""
    cells = rows * columns
    if cells > MAX_SHEET_CELLS:
        raise ReaderError(
            f"{path.name}: sheet {sheet!r} spans {rows:,} rows by {columns:,} columns (a cell "
            f"at {far}): reading it would take about {cells * _CELL_BYTES / 1e9:,.0f} GB of "
            "memory. Delete the stray cells far from the list (or copy the list into a new "
            "sheet) and import again."
        )


def check_workbook(path: Path) -> None:
    """Refuse a workbook whose sheets the reader could not hold, before it allocates anything:
    a used range of more than :data:`MAX_SHEET_CELLS` cells (one stray cell far away, or an
    OpenDocument row repeated that far), a text cell over 16 MiB, or sheets larger than the
    memory there is. An old binary .xls is not scanned: its format stops a sheet at 65,536 rows
    by 256 columns (16.8 million cells, under the limit)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime)
    if key in _checked:
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return  # not an XLSX/ODS package (an old .xls): the reader says what it is
    with archive:
        names = _sheet_names(archive)
        memory = _available_memory()
        needed = 0
        for info in archive.infolist():
            part = info.filename
            if part.startswith("xl/sharedStrings") or part.startswith("xl/worksheets/sheet"):
                needed += info.file_size
            if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
                if part.startswith("xl/sharedStrings"):
                    _check_strings(archive, info, path)
                continue
            sheet = names.get(part, part.rsplit("/", 1)[-1].removesuffix(".xml"))
            with archive.open(info) as stream:
                low_row, high_row, low_col, high_col = _used_range(stream)
            if not high_row:
                continue
            low_row, low_col = min(low_row, high_row), min(low_col, high_col)
            rows, columns = high_row - low_row + 1, high_col - low_col + 1
            _refuse_far(path, sheet, rows, columns, f"{_column_letters(high_col)}{high_row}")
            needed += rows * columns * _CELL_BYTES
        if "content.xml" in archive.namelist() and "mimetype" in archive.namelist():
            info = archive.getinfo("content.xml")
            needed += info.file_size
            with archive.open(info) as stream:
                for sheet, rows, columns in _ods_used_ranges(stream):
                    _refuse_far(path, sheet, rows, columns, f"{_column_letters(columns)}{rows}")
                    needed += rows * columns * _CELL_BYTES
        if memory is not None and needed > memory * 0.6:
            raise ReaderError(
                f"{path.name}: reading this workbook would take about {needed / 1e9:,.1f} GB "
                f"of memory and {memory / 1e9:,.1f} GB is free. Save the list as CSV (read in "
                "pieces) and import that."
            )
    _checked[key] = None


def _check_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> None:
    """Refuse a shared-strings part with one text over 16 MiB (no list holds such a cell)."""
    if info.file_size <= _FIELD_LIMIT:
        return
    since = 0  # bytes since the last string began
    with archive.open(info) as stream:
        while chunk := stream.read(1 << 20):
            start = chunk.rfind(b"<si")
            if start < 0:
                since += len(chunk)
            else:
                since = len(chunk) - start
            if since > _FIELD_LIMIT + 1024:
                raise ReaderError(
                    f"{path.name}: a cell holds more than {_FIELD_LIMIT // (1024 * 1024)} MiB of "
                    "text: no contact list holds such a cell. Fix the workbook and import again."
                )


def _open_workbook(path: Path):  # type: ignore[no-untyped-def]
    import fastexcel

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
        if "[Content_Types].xml" not in names and "mimetype" not in names:
            raise ReaderError(
                f"{path.name} is a ZIP archive, not a spreadsheet: unpack it and import the "
                "CSV or XLSX file inside"
            )
        check_workbook(path)
    try:
        return fastexcel.read_excel(str(path))
    except Exception as exc:  # calamine reports every problem as one error type
        message = str(exc).split("\n")[0]
        if "password" in message.lower() or "encrypt" in message.lower():
            raise ReaderError(
                f"{path.name} is password-protected: open it in Excel, remove the password "
                "(or save a copy as CSV) and import that"
            ) from exc
        raise ReaderError(f"{path.name} cannot be read as a spreadsheet ({message})") from exc


def _sheet_rows(workbook, sheet: str | int) -> list[list[str]]:  # type: ignore[no-untyped-def]
    frame = workbook.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
    rows: list[list[str]] = []
    for values in frame.iter_rows():
        rows.append([_cell_text(v) for v in values])
    return rows


_WHOLE_FLOAT = re.compile(r"^-?\d+\.0$")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    # Numbers typed into Excel come back as floats: "2125551234.0" is the number typed.
    if _WHOLE_FLOAT.match(text):
        return text[:-2]
    return text.replace("\x00", "")


def _sniff_spreadsheet(
    path: Path, size: int, sheet: str | None, has_header: bool | None, skip_rows: int | None
) -> FileLayout:
    workbook = _open_workbook(path)
    names = list(workbook.sheet_names)
    if not names:
        raise ReaderError(f"{path.name} has no sheets")
    notes: list[str] = []
    if sheet is not None:
        if sheet not in names:
            raise ReaderError(f"{path.name} has no sheet {sheet!r}; its sheets: {', '.join(names)}")
        chosen = sheet
        rows = _sheet_rows(workbook, chosen)
    else:
        chosen = names[0]
        rows = _sheet_rows(workbook, chosen)
        if not any(_width(r) for r in rows):
            for other in names[1:]:
                other_rows = _sheet_rows(workbook, other)
                if any(_width(r) for r in other_rows):
                    notes.append(f"sheet {chosen!r} is empty; read sheet {other!r} instead")
                    chosen, rows = other, other_rows
                    break
    if not any(_width(r) for r in rows):
        raise ReaderError(f"{path.name}: the workbook holds no rows (sheets: {', '.join(names)})")
    guessed_skip, guessed_header = guess_header(rows[:200])
    layout = FileLayout(
        path=path,
        kind="spreadsheet",
        skip_rows=guessed_skip if skip_rows is None else skip_rows,
        has_header=guessed_header if has_header is None else has_header,
        sheet=chosen,
        sheets=names,
        size=size,
        notes=notes,
    )
    return _finish_layout(layout, rows[: PREVIEW_ROWS * 10])


def _iter_spreadsheet(layout: FileLayout, batch_size: int) -> Iterator[RowBatch]:
    workbook = _open_workbook(layout.path)
    rows = _sheet_rows(workbook, layout.sheet or 0)
    start = layout.skip_rows + (1 if layout.has_header else 0)
    batch: list[list[str]] = []
    numbers: list[int] = []
    total = max(len(rows), 1)
    blank = 0
    for index in range(start, len(rows)):
        row = rows[index]
        if not any(row):
            blank += 1
            continue
        batch.append(row)
        numbers.append(index + 1)
        if len(batch) >= batch_size:
            yield RowBatch(batch, numbers, layout.size * (index + 1) // total, blank)
            batch, numbers, blank = [], [], 0
    if batch or blank:
        yield RowBatch(batch, numbers, layout.size, blank)
