"""Reading the files marketing managers bring: CSV in any common dialect and encoding, XLSX.

:func:`sniff_file` looks at a file once (encoding, delimiter, title rows above the header,
header or not, sheets) and returns a :class:`FileLayout` the import wizard can show and the
user can correct; :func:`iter_batches` then streams the data rows in batches, so memory does
not grow with the file. Files that cannot be read are refused with a :class:`ReaderError`
whose message says what the file is and what to do. Workbooks are read by
:mod:`calldesk.importing.sheets`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_BYTES = 256 * 1024
PREVIEW_ROWS = 20
DELIMITERS = (",", ";", "\t", "|")
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_FIELD_LIMIT = 16 * 1024 * 1024

csv.field_size_limit(_FIELD_LIMIT)


class ReaderError(Exception):
    """A file that cannot be read as a list; the message says why and what to do."""


@dataclass
class FileLayout:
    """How a file is laid out: what :func:`sniff_file` found, correctable by the user."""

    path: Path
    kind: str  # "csv" | "spreadsheet"
    encoding: str | None = None
    delimiter: str | None = None
    skip_rows: int = 0  # rows above the header (titles, blanks) or above the data
    has_header: bool = True
    headers: list[str] = field(default_factory=list)
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)
    size: int = 0
    notes: list[str] = field(default_factory=list)
    bom_length: int = 0
    header_row: list[str] = field(default_factory=list)  # the header row's cells as written

    @property
    def first_data_row(self) -> int:
        """1-based row number (as a spreadsheet shows it) of the first data row."""
        return self.skip_rows + (2 if self.has_header else 1)


@dataclass
class RowBatch:
    """Data rows read from a file, with the 1-based file row number of each row."""

    rows: list[list[str]]
    row_numbers: list[int]
    bytes_read: int
    blank_rows: int = 0  # blank rows skipped since the previous batch
    # rows that could not be read as a row: (row number, why), reported and not stored
    refused: list[tuple[int, str]] = field(default_factory=list)


# --- encodings ------------------------------------------------------------------------------


def _utf32_body(body: bytes) -> str | None:
    if len(body) < 8:
        return None
    body = body[: len(body) // 4 * 4]
    if not any(body[1::4]) and not any(body[2::4]) and not any(body[3::4]) and any(body[0::4]):
        return "utf-32-le"
    if not any(body[0::4]) and not any(body[1::4]) and not any(body[2::4]) and any(body[3::4]):
        return "utf-32-be"
    return None


def _utf16_body(body: bytes) -> str | None:
    body = body[: len(body) // 2 * 2]
    if len(body) < 4:
        return None
    odd_zero = body[1::2].count(0) / (len(body) / 2)
    even_zero = body[0::2].count(0) / (len(body) / 2)
    if odd_zero > 0.4 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.4 and odd_zero < 0.05:
        return "utf-16-be"
    return None


def detect_encoding(path: Path) -> tuple[str, int]:
    """(Python codec name, number of BOM bytes to skip) for a text file.

    Byte-order marks first (UTF-8, UTF-16, UTF-32, including the stray two-byte mark some tools
    put before UTF-32), then the pattern of zero bytes, then UTF-8 validated over the whole
    file, then Windows-1252 (Latin-1 where 1252 has holes). Text in other encodings (e.g. Big5)
    is refused rather than read as gibberish; name the encoding to read it anyway.
    """
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if head.startswith(b"\xef\xbb\xbf"):
        _validate_utf8(path, 3)
        return "utf-8", 3
    if head.startswith(b"\xff\xfe\x00\x00"):
        return "utf-32-le", 4
    if head.startswith(b"\x00\x00\xfe\xff"):
        return "utf-32-be", 4
    for skip in (2, 0) if head[:2] in (b"\xff\xfe", b"\xfe\xff") else (0,):
        found = _utf32_body(head[skip:])
        if found:
            return found, skip
    if head.startswith(b"\xff\xfe"):
        return "utf-16-le", 2
    if head.startswith(b"\xfe\xff"):
        return "utf-16-be", 2
    found = _utf16_body(head)
    if found:
        return found, 0
    if _validate_utf8(path, 0, raise_error=False):
        return "utf-8", 0
    high = [b for b in head if b >= 0x80]
    pairs = sum(1 for a, b in zip(head, head[1:], strict=False) if a >= 0x80 and b >= 0x80)
    if len(high) > 20 and pairs / len(high) > 0.4:
        raise ReaderError(
            f"{path.name} is not UTF-8 and does not read as Western European text "
            "(Windows-1252/Latin-1): it may use an East Asian or other encoding. Save it as "
            "UTF-8, or name its encoding (e.g. --encoding big5)."
        )
    try:
        with open(path, "rb") as handle:
            decoder = codecs.getincrementaldecoder("cp1252")()
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
        return "cp1252", 0
    except UnicodeDecodeError:
        return "latin-1", 0


def _validate_utf8(path: Path, skip: int, *, raise_error: bool = True) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as handle:
        handle.seek(skip)
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if raise_error:
                raise ReaderError(
                    f"{path.name} starts with a UTF-8 mark but has invalid UTF-8 near byte "
                    f"{offset + exc.start + skip}; save it again as UTF-8 or name its encoding."
                ) from exc
            return False
    return True


# --- CSV --------------------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f]")


def _open_text(path: Path, encoding: str, skip: int) -> io.TextIOWrapper:
    raw = open(path, "rb")  # noqa: SIM115 - closed with the wrapper
    raw.seek(skip)
    return io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")


def _sample_rows(text: str, delimiter: str, limit: int = 200) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows


def _width(row: list[str]) -> int:
    for i in range(len(row) - 1, -1, -1):
        if row[i].strip():
            return i + 1
    return 0


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; TAB | that splits the sample into the most consistent table."""
    lines = text.splitlines()
    # The last line of a sample may be cut short.
    sample = "\n".join(lines[:-1] if len(lines) > 2 else lines)
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        rows = [r for r in _sample_rows(sample, delimiter) if _width(r)]
        if not rows:
            continue
        counts = Counter(len(r) for r in rows)
        width, frequency = counts.most_common(1)[0]
        if width < 2:
            continue
        score = (width**0.5) * frequency / len(rows)
        if score > best_score + 1e-9:
            best, best_score = delimiter, score
    return best


_NUMBER = re.compile(r"[-+]?\d[\d.,]*%?")
_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T][\d:.]+(?:\s*[AP]M)?)?", re.I)


def _looks_like_value(cell: str) -> bool:
    """A cell a header row would not hold: an e-mail, a phone number, a number, a date.

    Column names with a digit in them ("Q1", "Tel2", "col5", "Address 2") are names: only
    cells that are mostly digits (a phone number, an amount) count as values.
    """
    cell = cell.strip()
    if not cell:
        return False
    if "@" in cell and "." in cell.split("@")[-1]:
        return True
    if _NUMBER.fullmatch(cell) or _DATE.fullmatch(cell):
        return True
    digits = sum(ch.isdigit() for ch in cell)
    return digits >= 5 and digits >= (len(cell) - cell.count(" ")) * 0.6


def _known_names(cells: list[str]) -> int:
    """How many cells are column names the mapping knows ("Phone", "E-mail", "Company")."""
    from calldesk.importing.mapping import guess_field

    return sum(1 for c in cells if c.strip() and guess_field(c) is not None)


def looks_like_header(cells: list[str]) -> bool:
    """True when a row reads as column names: no cell is a value, or several cells are names
    the mapping knows (a header with a "Q1" or "Tel2" column is still a header)."""
    filled = [c for c in cells if c.strip()]
    if not filled:
        return False
    if not any(_looks_like_value(c) for c in filled):
        return True
    return _known_names(filled) >= 2 and _known_names(filled) > sum(
        _looks_like_value(c) for c in filled
    )


def guess_header(rows: list[list[str]]) -> tuple[int, bool]:
    """(rows to skip above the header or data, whether there is a header row).

    Title and blank rows above the table are narrower than the table itself; a header row
    holds names, not numbers, phone numbers or e-mail addresses. A report with a preamble
    (Zoom's attendee report: title lines, a summary block with its own small header, then
    "Attendee Details" and the real header) is read from the header of its widest block.
    """
    widths = [_width(r) for r in rows]
    body = [w for w in widths if w]
    if not body:
        return 0, False
    table_width = Counter(body[len(body) // 4 :] or body).most_common(1)[0][0]
    skip = 0
    for i, w in enumerate(widths):
        if w and (w >= max(2, table_width * 0.6) or table_width <= 1):
            skip = i
            break
    else:
        skip = next(i for i, w in enumerate(widths) if w)
    section = _section_header(rows, skip, table_width)
    if section is not None:
        return section, True
    return skip, looks_like_header(rows[skip])


_SECTION_TITLE = re.compile(r"^\s*(attendee|participant|registrant|absentee)s?\b.*", re.I)


def _section_header(rows: list[list[str]], skip: int, table_width: int) -> int | None:
    """The header row under a section title ("Attendee Details") further down, when the rows
    from ``skip`` to it are a preamble (a summary block) rather than the list itself."""
    for i in range(skip, min(len(rows), 200)):
        cells = [c for c in rows[i] if c.strip()]
        if len(cells) == 1 and _SECTION_TITLE.match(cells[0]) and i + 1 < len(rows):
            following = rows[i + 1]
            if looks_like_header(following) and _known_names(following) >= 2:
                return i + 1
    return None


def clean_headers(cells: list[str], width: int) -> list[str]:
    """Header names: whitespace collapsed, blanks named "Column N", duplicates numbered."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for i in range(width):
        cell = cells[i] if i < len(cells) else ""
        name = " ".join(cell.split()) or f"Column {i + 1}"
        seen[name] += 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        names.append(name)
    return names


def sniff_file(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    has_header: bool | None = None,
    skip_rows: int | None = None,
) -> FileLayout:
    """Look at ``path`` and say how it is laid out; every guess can be overridden.

    Raises :class:`ReaderError` for files that are not lists (archives, encrypted workbooks,
    binary or control-character feeds, empty files).
    """
    path = Path(path)
    if not path.is_file():
        raise ReaderError(f"{path} does not exist or is not a file")
    size = path.stat().st_size
    with open(path, "rb") as handle:
        magic = handle.read(8)
    if path.suffix.lower() in SPREADSHEET_SUFFIXES or magic.startswith(
        (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
    ):
        from calldesk.importing.sheets import _sniff_spreadsheet

        return _sniff_spreadsheet(path, size, sheet, has_header, skip_rows)
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if size == 0 or not head.strip():
        raise ReaderError(f"{path.name} is empty: there is nothing to import")
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise ReaderError(f"unknown encoding {encoding!r}") from exc
        bom = (
            3
            if encoding.lower().replace("_", "-") in ("utf-8", "utf8")
            and magic.startswith(b"\xef\xbb\xbf")
            else 0
        )
        found_encoding = encoding
    else:
        found_encoding, bom = detect_encoding(path)
    with _open_text(path, found_encoding, bom) as text:
        try:
            sample = text.read(SAMPLE_BYTES)
        except UnicodeDecodeError as exc:
            raise ReaderError(f"{path.name} cannot be read as {found_encoding}: {exc}") from exc
    lines = [line for line in sample.replace("\r", "\n").split("\n") if line.strip()]
    for char in sorted(set(_CONTROL.findall(sample))):
        if lines and sum(char in line for line in lines) >= len(lines) / 2:
            raise ReaderError(
                f"{path.name} is not a CSV file: its rows are separated by the control "
                f"character {char!r} (a feed or export format, not a spreadsheet). Export it "
                "as CSV or XLSX first."
            )
    found_delimiter = delimiter or sniff_delimiter(sample)
    rows = [[c.replace("\x00", "") for c in r] for r in _sample_rows(sample, found_delimiter)]
    if not any(_width(r) for r in rows):
        raise ReaderError(f"{path.name} holds no rows: there is nothing to import")
    guessed_skip, guessed_header = guess_header(rows)
    layout = FileLayout(
        path=path,
        kind="csv",
        encoding=found_encoding,
        delimiter=found_delimiter,
        skip_rows=guessed_skip if skip_rows is None else skip_rows,
        has_header=guessed_header if has_header is None else has_header,
        size=size,
        bom_length=bom,
    )
    return _finish_layout(layout, rows)


def _finish_layout(layout: FileLayout, rows: list[list[str]]) -> FileLayout:
    table = rows[layout.skip_rows :]
    width = max((_width(r) for r in table[: PREVIEW_ROWS * 5]), default=0)
    if layout.has_header and table:
        width = max(width, _width(table[0]))
        layout.headers = clean_headers(table[0], width)
        layout.header_row = list(table[0])
        data = table[1:]
    else:
        layout.headers = [f"Column {i + 1}" for i in range(width)]
        data = table
    layout.preview = [_fit(r, len(layout.headers)) for r in data[:PREVIEW_ROWS] if _width(r)]
    return layout


def _fit(row: list[str], width: int) -> list[str]:
    if len(row) < width:
        return row + [""] * (width - len(row))
    return row


def _bare_nulls(raw: str, row: list[str], delimiter: str) -> list[str]:
    """Bare NULL (a database's missing value) becomes empty; a quoted "NULL" stays text."""
    flat = raw.replace("\r", " ").replace("\n", " ")
    try:
        literal = next(csv.reader([flat], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
    except csv.Error:
        return row
    if len(literal) != len(row):
        return row
    return [
        "" if cell == "NULL" and lit.strip() == "NULL" else cell
        for cell, lit in zip(row, literal, strict=True)
    ]


def open_quote_state(raw: str, delimiter: str, quote: str = '"') -> tuple[bool, int]:
    """(a quote is still open at the end of ``raw``, 0-based line of ``raw`` where the last
    quoted field opened), read as the csv module reads a row (non-strict)."""
    state = 0  # 0 start of field, 1 in field, 2 in quotes, 3 quote in quotes
    line = 0
    opened_at = 0
    for ch in raw:
        if ch == "\n":
            line += 1
        if state == 0:
            if ch == quote:
                state, opened_at = 2, line
            elif ch == delimiter or ch in "\r\n":
                state = 0
            else:
                state = 1
        elif state == 1:
            if ch == delimiter or ch in "\r\n":
                state = 0
        elif state == 2:
            if ch == quote:
                state = 3
        else:  # a quote inside quotes: doubled (escaped), the end of the field, or stray
            if ch == quote:
                state = 2
            elif ch == delimiter or ch in "\r\n":
                state = 0
            else:
                state = 1
    return state == 2, opened_at


class OpenQuoteError(ReaderError):
    """A quoted cell that never closes (or swallows rows); ``line`` is where it opened."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _swallowed_rows(raw: str, delimiter: str, width: int) -> int:
    """How many lines inside one multi-line row look like whole rows of the table (as many
    delimiters as a row has), when most of its lines do; 0 for a cell that merely holds a
    few lines of text."""
    if width < 3:
        return 0
    lines = [line for line in raw.replace("\r\n", "\n").split("\n")[1:] if line.strip()]
    like_rows = sum(1 for line in lines if line.count(delimiter) == width - 1)
    return like_rows if like_rows * 2 > len(lines) else 0


def _plain_lines(layout: FileLayout) -> bool:
    """True when every line of a UTF-8 file is one row read as it stands: no quote (so no cell
    runs over lines and none is left open), no carriage return but in CRLF line ends, no NUL
    or NULL anywhere, valid UTF-8 throughout, and no line near the length a cell may have.
    Such a file is read by whole lines (:func:`_iter_plain`); any other goes line by line
    through the checks of :func:`_iter_rows`, which also words the refusals."""
    if layout.encoding != "utf-8":
        return False
    carry = b""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(layout.path, "rb") as handle:
        handle.seek(layout.bom_length)
        try:
            while chunk := handle.read(8 << 20):
                decoder.decode(chunk)
                block = carry + chunk
                if b'"' in block or b"\x00" in block or b"NULL" in block:
                    return False
                # No line in the block is as long as the block; a block that long means a
                # line ran over a whole chunk: _iter_rows decides (in bytes, at least the
                # characters it counts).
                if len(block) >= _FIELD_LIMIT:
                    return False
                cut = block.rfind(b"\n") + 1
                body, carry = block[:cut], block[cut:]  # the unfinished line goes on
                if body.count(b"\r") != body.count(b"\r\n"):
                    return False  # a carriage return other than a line's CRLF ending
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return b"\r" not in carry


def _iter_plain(layout: FileLayout, batch_size: int) -> Iterator[RowBatch]:
    """:func:`_iter_rows` for a file of plain lines (:func:`_plain_lines`): each line is one
    row, numbered as _iter_rows numbers rows; blank rows counted, not returned."""
    assert layout.encoding and layout.delimiter
    start = layout.skip_rows + (1 if layout.has_header else 0)
    number = 0
    rows: list[list[str]] = []
    numbers: list[int] = []
    blank = 0
    with _open_text(layout.path, layout.encoding, layout.bom_length) as text:
        try:
            while lines := text.readlines(1 << 20):
                for row in csv.reader(lines, delimiter=layout.delimiter, strict=False):
                    number += 1
                    if number <= start:
                        continue
                    if not row or not any(row):
                        blank += 1
                        continue
                    rows.append(row)
                    numbers.append(number)
                    if len(rows) >= batch_size:
                        yield RowBatch(rows, numbers, text.buffer.tell(), blank)
                        rows, numbers, blank = [], [], 0
        except UnicodeDecodeError as exc:
            raise ReaderError(
                f"{layout.path.name}: row {number + 1} (line {number + 1}) cannot be read as "
                f"{layout.encoding} ({exc.reason}); choose the file's encoding"
            ) from exc
    if rows or blank:
        yield RowBatch(rows, numbers, layout.size, blank)


def _iter_csv(layout: FileLayout, batch_size: int) -> Iterator[RowBatch]:
    if _plain_lines(layout):
        return _iter_plain(layout, batch_size)
    return _iter_rows(layout, batch_size)


def _iter_rows(layout: FileLayout, batch_size: int) -> Iterator[RowBatch]:
    """The rows of any CSV file, line by line: a quote left open refuses the file naming its
    line (or the last row, at the end of the file), over-long lines and cells are refused,
    bare NULLs read as empty, NULs dropped."""
    assert layout.encoding and layout.delimiter
    delimiter = layout.delimiter
    width = len(layout.headers)
    name = layout.path.name
    with _open_text(layout.path, layout.encoding, layout.bom_length) as text:
        tap: list[str] = []
        nul = [False]

        def lines() -> Iterator[str]:
            physical = 0
            while line := text.readline(_FIELD_LIMIT + 1):
                physical += 1
                if len(line) > _FIELD_LIMIT:
                    # One line longer than any list row: refused before it fills the memory.
                    raise ReaderError(
                        f"{name}: line {physical} is longer than "
                        f"{_FIELD_LIMIT // (1024 * 1024)} MiB: no contact list holds such a "
                        "row. Fix the file (or export it again) and import again."
                    )
                tap.append(line)
                if "\x00" in line:
                    nul[0] = True
                yield line

        reader = csv.reader(lines(), delimiter=delimiter, strict=False)
        start = layout.skip_rows + (1 if layout.has_header else 0)
        rows: list[list[str]] = []
        numbers: list[int] = []
        number = 0
        line_no = 1  # physical line (1-based) where the current row starts
        blank = 0
        refused: list[tuple[int, str]] = []
        try:
            for row in reader:
                number += 1
                row_line = line_no
                spans = len(tap)
                line_no += spans
                raw = "".join(tap) if ("NULL" in row or spans > 1) else ""
                last_line = tap[-1] if tap else ""
                tap.clear()
                if spans > 1 or not last_line.endswith(("\n", "\r")) or last_line.count('"') % 2:
                    # A quote left open swallows the rest of the file (or the rows up to the
                    # next stray quote) into one cell: refuse, naming the line it opened on.
                    raw_row = raw or last_line
                    still_open, opened = open_quote_state(raw_row, delimiter)
                    if still_open and not _swallowed_rows(raw_row, delimiter, width):
                        # The file ends inside the last row's quoted cell (a cut-off export):
                        # that row is refused with its line, the rows before it are read.
                        if number > start:
                            refused.append(
                                (
                                    number,
                                    f'line {row_line + opened}: a quote (") opened here is '
                                    "never closed before the end of the file",
                                )
                            )
                        continue
                    if still_open:
                        raise OpenQuoteError(
                            f'{name}: line {row_line + opened}: a quote (") opened here is '
                            f"never closed, so the rest of the file ({spans} lines) would be "
                            "read as one cell. Close or remove the quote and import again.",
                            row_line + opened,
                        )
                    swallowed = _swallowed_rows(raw_row, delimiter, width)
                    if swallowed >= 2:
                        raise OpenQuoteError(
                            f"{name}: line {row_line}: a quoted cell runs over {spans} lines, "
                            f'{swallowed} of which look like rows of their own: a quote (") '
                            "is probably left open there. Close or remove it and import again.",
                            row_line,
                        )
                if number <= start:
                    continue
                if not row or not any(row):
                    blank += 1
                    continue
                if "NULL" in row:
                    row = _bare_nulls(raw.rstrip("\r\n"), row, delimiter)
                if nul[0]:
                    # PostgreSQL text cannot hold NUL, and no list means one.
                    row = [c.replace("\x00", "") for c in row]
                    nul[0] = False
                rows.append(row)
                numbers.append(number)
                if len(rows) >= batch_size:
                    yield RowBatch(rows, numbers, text.buffer.tell(), blank, refused)
                    rows, numbers, blank, refused = [], [], 0, []
        except UnicodeDecodeError as exc:
            raise ReaderError(
                f"{name}: row {number + 1} (line {line_no}) cannot be read as "
                f"{layout.encoding} ({exc.reason}); choose the file's encoding"
            ) from exc
        except csv.Error as exc:
            message = str(exc)
            if "field limit" in message:
                still_open, opened = open_quote_state("".join(tap[:2000]), delimiter)
                where = f"line {line_no + opened}" if still_open else f"line {line_no}"
                raise ReaderError(
                    f"{name}: {where}: a cell is larger than {_FIELD_LIMIT // (1024 * 1024)} "
                    "MiB"
                    + (" (a quote opened there is never closed)" if still_open else "")
                    + ": no contact list holds such a cell. Fix the file and import again."
                ) from exc
            raise ReaderError(
                f"{name}: row {number + 1} (line {line_no}) is not valid CSV: {exc}"
            ) from exc
        if rows or blank or refused:
            yield RowBatch(rows, numbers, layout.size, blank, refused)


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def iter_batches(layout: FileLayout, batch_size: int = 20_000) -> Iterator[RowBatch]:
    """The data rows of a sniffed file, ``batch_size`` at a time (blank rows skipped)."""
    if layout.kind == "spreadsheet":
        from calldesk.importing.sheets import _iter_spreadsheet

        yield from _iter_spreadsheet(layout, batch_size)
    else:
        yield from _iter_csv(layout, batch_size)


def read_all(layout: FileLayout) -> list[list[str]]:
    """Every data row at once: for small files and tests."""
    return [row for batch in iter_batches(layout) for row in batch.rows]


def with_overrides(layout: FileLayout, **changes: object) -> FileLayout:
    """The layout re-read with the user's corrections (encoding, delimiter, sheet, header...)."""
    wanted = {
        "encoding": layout.encoding if layout.kind == "csv" else None,
        "delimiter": layout.delimiter if layout.kind == "csv" else None,
        "sheet": layout.sheet if layout.kind == "spreadsheet" else None,
        "has_header": layout.has_header,
        "skip_rows": layout.skip_rows,
    }
    unknown = set(changes) - set(wanted)
    if unknown:
        raise TypeError(f"cannot override {', '.join(sorted(unknown))}")
    if {"encoding", "delimiter", "sheet"} & changes.keys():
        # A new dialect or sheet means new guesses for the rows above the header.
        wanted["has_header"] = None
        wanted["skip_rows"] = None
    wanted.update(changes)
    return sniff_file(layout.path, **wanted)  # type: ignore[arg-type]
