"""The delivery loop: outbox entries to every configured target, each exactly once.

How an entry travels: the first run that sees it creates one delivery row per target that
takes it (``pending``). A target's run takes the oldest pending entries in order (head of line:
a receiver gets a contact's events in the order they happened), sends them, and records the
answer: ``delivered``; ``pending`` again with ``next_try_at`` after a transient failure
(exponential backoff with jitter, or the receiver's ``Retry-After``); ``failed`` with the reason
after a permanent one, for a person to review, retry or skip. An entry is marked delivered only
after the receiver acknowledged it, and every resend carries the same idempotency key, so a
crash or a lost answer can make calldesk send something again but never makes a receiver apply
it twice.

Only one run works on a target at a time (a lease in the store's settings, renewed while the
run lives and expiring if it dies), so the desk and a cron job cannot both send an entry.
A run stops cleanly between batches when its ``stop`` event is set, and reports progress through
a plain callback: the interface runs it in the background.
"""

from __future__ import annotations

import datetime as dt
import glob
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from calldesk.models import OutboxDelivery, OutboxEntry, Setting, utcnow
from calldesk.outbox import lead_payloads
from calldesk.store import Store, StoreError
from calldesk.sync import ics, layouts
from calldesk.sync.config import Target, load_targets
from calldesk.sync.deliveries import (
    SyncError,
    materialise,
    not_materialised,
    pending_count,
    state_count,
    takes,
)
from calldesk.sync.privacy import scrub_payloads
from calldesk.sync.review import target_status
from calldesk.sync.secrets import env_var, get_secret
from calldesk.sync.webhook import (
    SendResult,
    WebhookClient,
    backoff_delay,
    batch_body,
    batch_key,
)

# Permanent answers that may be caused by one bad entry in a batch: resend one by one to find it.
_SPLIT_ON = (400, 409, 413, 415, 422)
# Permanent answers about the target itself (credentials, address): stop sending to it.
_TARGET_LEVEL = (401, 403, 404, 405, 410)


class _Stopped(Exception):
    """A file run was stopped: the half-written file is gone and nothing was marked."""


@dataclass
class SyncProgress:
    """Reported after every batch (and file) of a run."""

    target: str
    delivered: int
    failed: int
    pending: int
    message: str


@dataclass
class TargetReport:
    """What one run did for one target."""

    name: str
    type: str
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    failed_waiting: int = 0  # failed entries (this run or before) waiting for review
    error: str | None = None  # the target could not be worked (no secret, busy, 401, ...)
    last_error: str | None = None  # the latest transient trouble (it will be retried)
    next_try_at: dt.datetime | None = None
    files: list[str] = field(default_factory=list)
    would_send: list[dict[str, Any]] = field(default_factory=list)  # dry run: first entries

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["next_try_at"] = self.next_try_at.isoformat() if self.next_try_at else None
        return data


@dataclass
class SyncReport:
    """A whole run: totals over targets, and each target's report."""

    delivered: int
    failed: int
    pending: int
    targets: dict[str, TargetReport]
    stopped: bool = False
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "failed": self.failed,
            "pending": self.pending,
            "targets": {name: t.to_dict() for name, t in self.targets.items()},
            "stopped": self.stopped,
            "dry_run": self.dry_run,
        }


ProgressCallback = Callable[[SyncProgress], None]


# --- one run at a time per target -------------------------------------------------------------


LEASE_SECONDS = 30.0  # a lease left by a killed run blocks its target at most this long


class _Lease:
    """A target's run lease, kept in the settings table so it works for SQLite and PostgreSQL.

    The lease lasts ``seconds``; a heartbeat thread renews it every third of that while the run
    lives (also during a slow request), so a run killed by kill -9 or a power cut holds its
    target for at most ``seconds``.
    """

    def __init__(self, store: Store, target: str, seconds: float = LEASE_SECONDS) -> None:
        self.store = store
        self.key = f"sync.lease.{target}"
        self.seconds = seconds
        self.owner = uuid.uuid4().hex
        self.lost = False
        self._beat: threading.Thread | None = None
        self._stop_beat = threading.Event()

    def _claim(self) -> bool:
        """Take or extend the lease; False when another live run holds it (DB errors raise)."""
        now = utcnow()
        with self.store.write() as session:
            row = session.get(Setting, self.key, with_for_update=True)
            value = {
                "owner": self.owner,
                "until": (now + dt.timedelta(seconds=self.seconds)).isoformat(),
            }
            if row is None:
                session.add(Setting(key=self.key, value=value))
            else:
                held = row.value or {}
                until = held.get("until")
                if (
                    held.get("owner") not in (None, self.owner)
                    and until
                    and dt.datetime.fromisoformat(until) > now
                ):
                    return False
                row.value = value
        return True

    def acquire(self) -> bool:
        try:
            return self._claim()
        except (IntegrityError, OperationalError):
            return False

    def start_heartbeat(self) -> None:
        """Renew the lease in the background until :meth:`release`."""
        self._beat = threading.Thread(
            target=self._heartbeat, name=f"calldesk {self.key} heartbeat", daemon=True
        )
        self._beat.start()

    def _heartbeat(self) -> None:
        while not self._stop_beat.wait(self.seconds / 3):
            try:
                if not self._claim():
                    self.lost = True  # another run took over after we stalled
                    return
            except (IntegrityError, OperationalError):
                continue  # the store is busy: the next beat tries again, well in time

    def renew(self) -> bool:
        """Whether the lease is still ours (the heartbeat keeps it)."""
        return not self.lost

    def release(self) -> None:
        self._stop_beat.set()
        if self._beat is not None:
            self._beat.join()
        with self.store.write() as session:
            row = session.get(Setting, self.key, with_for_update=True)
            if row is not None and (row.value or {}).get("owner") == self.owner:
                session.delete(row)


# --- the run -----------------------------------------------------------------------------------


class _Run:
    def __init__(
        self,
        store: Store,
        stop: threading.Event,
        progress: ProgressCallback | None,
        max_wait: float,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.store = store
        self.stop = stop
        self.progress = progress
        self.max_wait = max_wait
        self.lease_seconds = lease_seconds

    def report(self, report: TargetReport, message: str) -> None:
        if self.progress is not None:
            self.progress(
                SyncProgress(report.name, report.delivered, report.failed, report.pending, message)
            )

    def wait_until(self, when: dt.datetime) -> bool:
        """Sleep until ``when`` if it is within ``max_wait``; False: the run should end."""
        seconds = (when - utcnow()).total_seconds()
        if seconds <= 0:
            return True
        if seconds > self.max_wait:
            return False
        # Wake up at least every 20 s so the caller renews its lease during long waits.
        return not self.stop.wait(min(seconds, 20.0))


def run_sync(
    store: Store,
    *,
    targets: Sequence[str] | None = None,
    dry_run: bool = False,
    stop: threading.Event | None = None,
    progress: ProgressCallback | None = None,
    max_wait: float = 30.0,
    config: dict[str, Target] | None = None,
    lease_seconds: float = LEASE_SECONDS,
) -> SyncReport:
    """Deliver pending outbox entries to the configured targets (all, or those named).

    A run ends when nothing is pending, when the next retry is further away than ``max_wait``
    seconds, or soon after ``stop`` is set (at most one request timeout later; nothing is lost
    or marked wrongly). ``dry_run`` sends and changes nothing and lists what would go.
    ``progress`` is called from the running thread after each batch. A target that fails in
    an unexpected way is reported with its error and the other targets still run; an entry
    that cannot be sent or written is parked (``failed``, with the reason) and the rest go on.
    """
    config = load_targets() if config is None else config
    names = list(targets) if targets else [n for n, t in config.items() if t.enabled]
    unknown = [n for n in names if n not in config]
    if unknown:
        raise SyncError(f"no sync target named {', '.join(map(repr, unknown))}")
    stop = stop or threading.Event()
    run = _Run(store, stop, progress, max_wait, lease_seconds)
    reports: dict[str, TargetReport] = {}
    for name in names:
        target = config[name]
        report = TargetReport(name=name, type=target.type)
        reports[name] = report
        if stop.is_set():
            break
        if dry_run:
            _dry_run(store, target, report)
            continue
        try:
            _run_target(run, target, report)
        except Exception as exc:  # one target's trouble never stops the others
            detail = str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
            report.error = f"{target.name}: {detail}"
            run.report(report, report.error)
    for name, report in reports.items():
        if not dry_run:
            try:
                _fill_counts(store, config[name], report)
            except Exception as exc:
                report.error = report.error or f"cannot read the state: {exc}"
    return SyncReport(
        delivered=sum(r.delivered for r in reports.values()),
        failed=sum(r.failed for r in reports.values()),
        pending=sum(r.pending for r in reports.values()),
        targets=reports,
        stopped=stop.is_set(),
        dry_run=dry_run,
    )


def _fill_counts(store: Store, target: Target, report: TargetReport) -> None:
    status = target_status(store, target.name, target)
    report.pending = status.pending
    report.failed_waiting = status.failed
    report.next_try_at = status.next_try_at


def _dry_run(store: Store, target: Target, report: TargetReport) -> None:
    with store.session() as session:
        report.pending = pending_count(session, target)
        report.failed_waiting = state_count(session, target.name, "failed")
        shown = session.execute(
            select(OutboxEntry.id, OutboxEntry.idempotency_key, OutboxEntry.kind)
            .where(
                *takes(target),
                or_(
                    not_materialised(target),
                    exists().where(
                        OutboxDelivery.outbox_id == OutboxEntry.id,
                        OutboxDelivery.target == target.name,
                        OutboxDelivery.state == "pending",
                    ),
                ),
            )
            .order_by(OutboxEntry.id)
            .limit(20)
        ).all()
        report.would_send = [{"id": i, "key": k, "kind": kind} for i, k, kind in shown]


def _run_target(run: _Run, target: Target, report: TargetReport) -> None:
    secret: str | None = None
    if target.type == "webhook":
        found = get_secret(target.name)
        if found is None:
            report.error = (
                f"no shared secret for {target.name!r}: set it with "
                f"`calldesk sync target secret {target.name}` or ${env_var(target.name)}"
            )
            run.report(report, report.error)
            return
        secret = found[0]
    lease = _Lease(run.store, target.name, seconds=run.lease_seconds)
    if not lease.acquire():
        report.error = f"another sync is already working on {target.name!r}"
        run.report(report, report.error)
        return
    lease.start_heartbeat()
    try:
        with run.store.write() as session:
            materialise(session, target)
        with run.store.session() as session:
            report.pending = pending_count(session, target)
        run.report(report, f"{report.pending} to send")
        if target.type == "webhook":
            assert secret is not None
            _deliver_webhook(run, target, secret, report, lease)
        else:
            _deliver_files(run, target, report)
    finally:
        lease.release()


# --- webhook ------------------------------------------------------------------------------------


@dataclass
class _Item:
    delivery_id: int
    attempts: int
    next_try_at: dt.datetime | None
    entry: dict[str, Any]
    contact_id: int | None


def _head(session: Session, target: Target, limit: int) -> list[_Item]:
    """The oldest pending deliveries of ``target``, whether due or not."""
    rows = session.execute(
        select(OutboxDelivery, OutboxEntry)
        .join(OutboxEntry, OutboxEntry.id == OutboxDelivery.outbox_id)
        .where(OutboxDelivery.target == target.name, OutboxDelivery.state == "pending")
        .order_by(OutboxDelivery.outbox_id)
        .limit(limit)
    ).all()
    return [
        _Item(
            delivery_id=delivery.id,
            attempts=delivery.attempts,
            next_try_at=delivery.next_try_at,
            contact_id=entry.contact_id,
            entry={
                "idempotency_key": entry.idempotency_key,
                "id": entry.id,
                "kind": entry.kind,
                "created_at": entry.created_at.isoformat(),
                "contact_id": entry.contact_id,
                "appointment_id": entry.appointment_id,
                "payload": entry.payload,
            },
        )
        for delivery, entry in rows
    ]


def _scrub_dnc(session: Session, items: list[_Item]) -> None:
    """Numbers that joined the DNC list after the entry was written never leave either.

    Every shape of payload is scrubbed (see :mod:`calldesk.sync.privacy`), not only the
    contact's phones: an attempt's ``number_dialled``, an appointment, notes.
    """
    payloads = scrub_payloads(session, [(i.contact_id, i.entry["payload"]) for i in items])
    for item, payload in zip(items, payloads, strict=True):
        if payload is not item.entry["payload"]:
            item.entry = dict(item.entry, payload=payload)


def _deliver_webhook(
    run: _Run, target: Target, secret: str, report: TargetReport, lease: _Lease
) -> None:
    assert target.url is not None
    client = WebhookClient(target.url, secret, timeout=target.timeout)
    try:
        while not run.stop.is_set():
            if not lease.renew():
                report.error = f"lost the lease on {target.name!r} to another sync"
                return
            with run.store.session() as session:
                head = _head(session, target, target.batch_size)
                if not head:
                    return
                first_due = head[0].next_try_at
                now = utcnow()
                if first_due is not None and first_due > now:
                    due: list[_Item] = []
                else:
                    due = [i for i in head if i.next_try_at is None or i.next_try_at <= now]
                    _scrub_dnc(session, due)
            if not due:
                assert first_due is not None
                if not run.wait_until(first_due):
                    return
                continue
            if not _send(run, client, target, due, report):
                return
    finally:
        client.close()


def _send(
    run: _Run, client: WebhookClient, target: Target, items: list[_Item], report: TargetReport
) -> bool:
    """Send one batch and record the answer; False when the target should not be worked on."""
    keys = [i.entry["idempotency_key"] for i in items]
    key = batch_key(keys)
    try:
        body = batch_body(key, [i.entry for i in items])
    except (TypeError, ValueError, UnicodeError) as exc:
        if len(items) > 1:  # find the entry that cannot be sent; the others go
            return all(_send(run, client, target, [item], report) for item in items)
        _mark_failed(run.store, items, f"cannot be sent as JSON: {exc}")
        report.failed += 1
        report.pending -= 1
        run.report(report, f"parked entry {items[0].entry['id']}: cannot be sent as JSON")
        return True
    result = client.post(key, body)
    if result.ok:
        _mark_delivered(run.store, items)
        report.delivered += len(items)
        report.pending -= len(items)
        run.report(report, f"delivered {len(items)}")
        return True
    if not result.permanent:
        _mark_retry(run.store, target, items, result)
        report.last_error = result.error
        run.report(report, f"will retry: {result.error}")
        return True
    if len(items) > 1 and result.status in _SPLIT_ON:
        # One bad entry must not fail its neighbours: find it by sending one at a time.
        for item in items:
            if run.stop.is_set():
                return False
            if not _send(run, client, target, [item], report):
                return False
        return True
    _mark_failed(run.store, items, result.error or "refused")
    report.failed += len(items)
    report.pending -= len(items)
    run.report(report, f"failed: {result.error}")
    if result.status in _TARGET_LEVEL:
        report.error = result.error
        return False
    return True


def _mark_delivered(store: Store, items: list[_Item]) -> None:
    now = utcnow()
    with store.write() as session:
        session.execute(
            update(OutboxDelivery)
            .where(
                OutboxDelivery.id.in_([i.delivery_id for i in items]),
                OutboxDelivery.state == "pending",  # a skip made meanwhile stays a skip
            )
            .values(
                state="delivered",
                attempts=OutboxDelivery.attempts + 1,
                delivered_at=now,
                last_error=None,
                next_try_at=None,
            )
            .execution_options(synchronize_session=False)
        )


def _mark_retry(store: Store, target: Target, items: list[_Item], result: SendResult) -> None:
    attempts = max(i.attempts for i in items) + 1
    delay = backoff_delay(attempts, target.backoff_base, target.backoff_max)
    if result.retry_after is not None:
        delay = result.retry_after  # the receiver knows best when it can take more
    next_try = utcnow() + dt.timedelta(seconds=delay)
    with store.write() as session:
        session.execute(
            update(OutboxDelivery)
            .where(
                OutboxDelivery.id.in_([i.delivery_id for i in items]),
                OutboxDelivery.state == "pending",
            )
            .values(
                attempts=OutboxDelivery.attempts + 1,
                last_error=result.error,
                next_try_at=next_try,
            )
            .execution_options(synchronize_session=False)
        )


def _mark_failed(store: Store, items: list[_Item], error: str) -> None:
    with store.write() as session:
        session.execute(
            update(OutboxDelivery)
            .where(
                OutboxDelivery.id.in_([i.delivery_id for i in items]),
                OutboxDelivery.state == "pending",
            )
            .values(
                state="failed",
                attempts=OutboxDelivery.attempts + 1,
                last_error=error,
                next_try_at=None,
            )
            .execution_options(synchronize_session=False)
        )


# --- files and calendar -----------------------------------------------------------------------


def _run_file_path(folder: Path, stem: str, suffix: str) -> Path:
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{stem}-{stamp}.{suffix}"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{stamp}-{n}.{suffix}"
    return path


def _deliver_files(run: _Run, target: Target, report: TargetReport) -> None:
    """One file per run with what changed since the last run (latest state per contact)."""
    assert target.folder is not None
    folder = Path(target.folder).expanduser()
    cutoff = utcnow()
    due = and_(
        OutboxDelivery.target == target.name,
        OutboxDelivery.state == "pending",
        or_(OutboxDelivery.next_try_at.is_(None), OutboxDelivery.next_try_at <= cutoff),
    )
    with run.store.session() as session:
        max_id = session.scalar(select(func.max(OutboxDelivery.outbox_id)).where(due))
    if max_id is None:
        return
    due_upto = and_(due, OutboxDelivery.outbox_id <= max_id)
    parked: list[tuple[Any, str]] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_partial_files(folder, target.name)
        if target.type == "calendar":
            written = _write_calendar_file(run, target, folder, due_upto, report, parked)
        else:
            written = _write_leads_file(run, target, folder, due_upto, report, parked)
    except _Stopped:
        run.report(report, "stopped")
        return
    except OSError as exc:
        error = f"cannot write to {folder}: {exc}"
        with run.store.write() as session:
            session.execute(
                update(OutboxDelivery)
                .where(due_upto)
                .values(attempts=OutboxDelivery.attempts + 1, last_error=error)
            )
        report.error = error
        run.report(report, error)
        return
    if parked:
        report.failed += _park(run.store, due_upto, parked)
    now = utcnow()
    with run.store.write() as session:
        count = session.execute(
            update(OutboxDelivery)
            .where(due_upto)
            .values(
                state="delivered",
                attempts=OutboxDelivery.attempts + 1,
                delivered_at=now,
                last_error=None,
                next_try_at=None,
            )
        ).rowcount
    report.delivered += count
    report.pending -= count
    if written:
        report.files.append(str(written))
    run.report(report, f"wrote {written}" if written else "nothing to write")


_PARTIAL_STAMP = re.compile(r"-\d{8}T\d{6}Z(-\d+)?\.(csv|xlsx|ics)\.part")


def _remove_partial_files(folder: Path, name: str) -> None:
    """Delete the half-written files a killed run of target ``name`` left (we hold its lease)."""
    prefix = f".{name}"
    for path in folder.glob(f".{glob.escape(name)}-*.part"):
        if _PARTIAL_STAMP.fullmatch(path.name[len(prefix) :]):
            path.unlink(missing_ok=True)


def _park(store: Store, due: Any, parked: list[tuple[Any, str]]) -> int:
    """Mark the due deliveries of the entries matching each condition failed with its reason."""
    count = 0
    with store.write() as session:
        for condition, reason in parked:
            count += session.execute(
                update(OutboxDelivery)
                .where(due, OutboxDelivery.outbox_id.in_(select(OutboxEntry.id).where(condition)))
                .values(
                    state="failed",
                    attempts=OutboxDelivery.attempts + 1,
                    last_error=reason[:2000],
                    next_try_at=None,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
    return count


def _row_or_park(
    layout: str, payload: Any, condition: Any, parked: list[tuple[Any, str]]
) -> list[Any] | None:
    try:
        return layouts.row(layout, payload)
    except Exception as exc:  # a payload of an unexpected shape: park it, write the rest
        parked.append((condition, f"cannot be written as a {layout} row: {exc!r}"))
        return None


def _write_leads_file(
    run: _Run,
    target: Target,
    folder: Path,
    due: Any,
    report: TargetReport,
    parked: list[tuple[Any, str]],
) -> Path | None:
    """The file written (None: nothing to write); raises _Stopped when asked to stop.

    An entry whose row cannot be built is added to ``parked`` (with the reason) and left out.
    """
    path = _run_file_path(folder, target.name, target.format)
    tmp = path.with_name(f".{path.name}.part")
    last_contact = 0
    with run.store.session() as session:
        orphan_rows = session.execute(
            select(OutboxEntry.id, OutboxEntry.payload)
            .join(OutboxDelivery, OutboxDelivery.outbox_id == OutboxEntry.id)
            .where(due, OutboxEntry.contact_id.is_(None))
            .order_by(OutboxEntry.id)
        ).all()
        orphans = zip(
            [entry_id for entry_id, _ in orphan_rows],
            scrub_payloads(session, [(None, payload) for _, payload in orphan_rows]),
            strict=True,
        )
    with layouts.RowWriter(tmp, target.format, layouts.headers(target.layout)) as writer:
        for entry_id, payload in orphans:  # the contact was deleted: its last snapshot it is
            cells = _row_or_park(target.layout, payload, OutboxEntry.id == entry_id, parked)
            if cells is not None:
                writer.write(cells)
        while True:
            if run.stop.is_set():
                raise _Stopped
            with run.store.session() as session:
                ids = list(
                    session.scalars(
                        select(OutboxEntry.contact_id)
                        .join(OutboxDelivery, OutboxDelivery.outbox_id == OutboxEntry.id)
                        .where(due, OutboxEntry.contact_id > last_contact)
                        .group_by(OutboxEntry.contact_id)
                        .order_by(OutboxEntry.contact_id)
                        .limit(2000)
                    )
                )
                if not ids:
                    break
                payloads = lead_payloads(session, ids)
                found = [c for c in ids if c in payloads]
                # Listed numbers are already left out of the phones; this catches the rest
                # (a number in the notes or the meeting place).
                scrubbed = scrub_payloads(session, [(c, payloads[c]) for c in found])
            for contact_id, payload in zip(found, scrubbed, strict=True):
                condition = OutboxEntry.contact_id == contact_id
                cells = _row_or_park(target.layout, payload, condition, parked)
                if cells is not None:
                    writer.write(cells)
            last_contact = ids[-1]
            run.report(report, f"writing {path.name}: {writer.rows} rows")
    if writer.rows == 0:
        tmp.unlink(missing_ok=True)
        return None
    tmp.replace(path)
    return path


def _write_calendar_file(
    run: _Run,
    target: Target,
    folder: Path,
    due: Any,
    report: TargetReport,
    parked: list[tuple[Any, str]],
) -> Path | None:
    with run.store.session() as session:
        ids = list(
            session.scalars(
                select(OutboxEntry.appointment_id)
                .join(OutboxDelivery, OutboxDelivery.outbox_id == OutboxEntry.id)
                .where(due, OutboxEntry.appointment_id.is_not(None))
                .distinct()
            )
        )
        if run.stop.is_set():
            raise _Stopped
        if not ids:
            return None
        skipped: list[tuple[int, str]] = []
        data = ics.appointments_ics(session, ids, skipped)
    parked.extend((OutboxEntry.appointment_id == a, reason) for a, reason in skipped)
    if len(skipped) == len(ids):
        return None
    path = _run_file_path(folder, target.name, "ics")
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
