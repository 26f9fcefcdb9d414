"""Sync by itself: while the window is open, due outbox entries go to their targets.

A ``QTimer`` in the main window asks :func:`calldesk.sync.run_sync` (the same core run as the
sync screen and ``calldesk sync``) to deliver what is due, on the app's background worker, with
``max_wait=0``: entries waiting for their next try (the receiver was down) are left for a later
tick, so next-try times are honoured and the window never waits. "Run sync" on the sync screen
goes through :meth:`SyncSchedule.run_now`, which first makes waiting entries due (the person
believes the receiver is back) and never silently does nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from calldesk.sync import SyncProgress, SyncReport, load_targets, retry, run_sync
from ui.context import AppContext
from ui.worker import Task

#: seconds between two background runs while the window is open
INTERVAL_SECONDS = 60


class SyncSchedule(QObject):
    """One sync run at a time: the timer's, or one a person asked for."""

    #: a run started (True: a person asked for it)
    started = Signal(bool)
    #: progress of the run in flight
    progressed = Signal(object)
    #: a run ended with its report
    finished = Signal(object)
    #: a run could not be done (the message says why)
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: Task | None = None
        self.running = False
        self.last_report: SyncReport | None = None
        self.last_run_at: dt.datetime | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_SECONDS * 1000)
        self.timer.timeout.connect(self.tick)

    def start(self, interval_seconds: float | None = None) -> None:
        """Run every ``interval_seconds`` (default :data:`INTERVAL_SECONDS`) from now on."""
        if interval_seconds is not None:
            self.timer.setInterval(int(interval_seconds * 1000))
        self.timer.start()

    def stop(self) -> None:
        """No more runs; a run in flight stops after its batch (nothing is lost)."""
        self.timer.stop()
        if self.task is not None:
            self.task.cancel()

    def tick(self) -> bool:
        """A background run of what is due now; False when one is already running."""
        return self._run(manual=False)

    def run_now(self, *, max_wait: float = 30.0, config: dict[str, Any] | None = None) -> bool:
        """Retry what waits now and sync; False when a run is already going (it is shown)."""
        return self._run(manual=True, max_wait=max_wait, config=config)

    def _run(
        self, *, manual: bool, max_wait: float = 0.0, config: dict[str, Any] | None = None
    ) -> bool:
        if self.running:
            return False
        store = self.ctx.store

        def work(task: Task) -> SyncReport | None:
            targets = load_targets() if config is None else config
            enabled = [name for name, t in targets.items() if t.enabled]
            if not enabled:
                return None
            if manual:
                for name in enabled:
                    retry(store, target=name, waiting=True)
            return run_sync(
                store,
                targets=enabled,
                stop=task.cancel_event,
                progress=task.progress,
                max_wait=max_wait,
                config=targets,
            )

        self.running = True
        self.started.emit(manual)
        self.task = self.ctx.background.run(
            work, on_done=self._done, on_error=self._failed, on_progress=self._progress
        )
        if not self.running:  # a synchronous runner has finished already
            self.task = None
        return True

    def _progress(self, value: SyncProgress) -> None:
        self.progressed.emit(value)

    def _done(self, report: SyncReport | None) -> None:
        self.running, self.task = False, None
        self.last_run_at = self.ctx.clock()
        self.last_report = report
        self.finished.emit(report)
        if report is not None and (report.delivered or report.failed):
            self.ctx.data_changed.emit("sync")

    def _failed(self, exc: BaseException) -> None:
        self.running, self.task = False, None
        self.last_run_at = self.ctx.clock()
        self.failed.emit(str(exc) or type(exc).__name__)
