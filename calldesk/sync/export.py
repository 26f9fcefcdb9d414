"""Export graded leads to a CSV or XLSX file in a CRM's import layout.

The export streams: contacts are read in id order 20,000 at a time (keyset pagination), turned
into layout columns in a fixed number of queries per chunk (:mod:`calldesk.sync.frames`, the
same cells as a row of a lead payload) and written straight to the file as column operations
(CSV lines, or XLSX worksheet XML streamed into the package), so a million rows take bounded
memory. Contacts on the do-not-call list are never exported, and numbers on
the DNC list are left out of every row. The file appears under its name only when complete.
"""

from __future__ import annotations

import glob
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from calldesk.models import Contact
from calldesk.store import Store
from calldesk.sync.frames import LeadFrames
from calldesk.sync.layouts import RowWriter, XlsxFrameWriter, headers

EXPORT_FORMATS = ("csv", "xlsx", "salesforce", "hubspot")
GRADES = ("A", "B", "C", "D")


class ExportCancelled(Exception):
    """The export was stopped before it finished; no file was left behind."""


@dataclass
class ExportResult:
    path: Path
    rows: int
    layout: str
    file_format: str


def remove_stale_parts(out: Path) -> None:
    """Delete ``.<name>.<pid>.part`` files a killed writer of ``out`` left behind.

    A part file of a process still running is left alone (it may be writing right now).
    """
    prefix = f".{out.name}."
    for path in out.parent.glob(f"{glob.escape(prefix)}*.part"):
        pid = path.name[len(prefix) : -len(".part")]
        if pid.isdigit() and not _running(int(pid)):
            path.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours from an earlier, failed attempt
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def layout_and_format(fmt: str, out: Path) -> tuple[str, str]:
    """The (layout, file format) a ``--format`` value means for the file ``out``.

    ``csv``/``xlsx`` are calldesk's full layout; ``salesforce``/``hubspot`` are CSV unless the
    file name ends in ``.xlsx``.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}")
    if fmt in ("csv", "xlsx"):
        return "calldesk", fmt
    return fmt, "xlsx" if out.suffix.lower() == ".xlsx" else "csv"


def export_leads(
    store: Store,
    out: Path,
    *,
    grades: Sequence[str] = ("A", "B"),
    fmt: str = "csv",
    chunk_size: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
) -> ExportResult:
    """Write every non-DNC contact graded one of ``grades`` to ``out``; returns the row count.

    ``progress(done, total)`` is called after each chunk; setting ``stop`` cancels the export
    (raises :class:`ExportCancelled`, leaving no file).
    """
    wanted = [g.strip().upper() for g in grades if g.strip()]
    bad = [g for g in wanted if g not in GRADES]
    if bad or not wanted:
        raise ValueError(f"grades are A, B, C or D (got {', '.join(grades) or 'none'})")
    out = Path(out)
    layout, file_format = layout_and_format(fmt, out)
    condition = (Contact.grade.in_(wanted), Contact.dnc.is_(False))
    with store.session() as session:
        total = session.scalar(select(func.count()).select_from(Contact).where(*condition)) or 0
    # The chunks walk the contacts by id, the next ones each time: a condition the grade
    # index could answer would lead a planner without statistics (calldesk gathers none) to
    # read every graded contact again for each chunk. The same test, in a form no index
    # answers (a NULL grade was never in the list).
    walked = (func.coalesce(Contact.grade, "").in_(wanted), Contact.dnc.is_(False))
    remove_stale_parts(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    done = 0
    source = LeadFrames(layout, walked)
    writer: RowWriter | XlsxFrameWriter
    if file_format == "xlsx":
        writer = XlsxFrameWriter(tmp, headers(layout))
    else:
        writer = RowWriter(tmp, file_format, headers(layout))
    with writer:
        last_id = 0
        while True:
            if stop is not None and stop.is_set():
                raise ExportCancelled(f"export stopped after {done} of {total} rows")
            with store.session() as session:
                frame, last_id = source.chunk(session, last_id, chunk_size)
            if frame.height == 0:
                break
            writer.write_frame(frame)
            done += frame.height
            if progress is not None:
                progress(done, total)
    os.replace(tmp, out)
    return ExportResult(path=out, rows=writer.rows, layout=layout, file_format=file_format)
