"""The sync screen: per target what is pending, delivered and failed (and why); a sync run in
the background with progress and Stop; a dry-run preview; retry or skip an entry; targets added
and removed. The work is :mod:`calldesk.sync`'s, the same as ``calldesk sync``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from calldesk.sync import (
    SyncError,
    SyncProgress,
    SyncReport,
    Target,
    TargetStatus,
    delete_secret,
    get_secret,
    load_targets,
    prepare_review,
    remove_target,
    run_sync,
    sync_status,
)
from calldesk.sync.config import mask_url
from ui.context import AppContext
from ui.rules.tables import ERROR_STYLE, fill, fit_columns, plain_label, read_only_table
from ui.rules.tables import selected_data as selected_target
from ui.sync.deliveries import DeliveriesPanel, local_time
from ui.sync.schedule import INTERVAL_SECONDS, SyncSchedule
from ui.sync.target_dialog import FILE_NOTICE, SECRET_WHERE, TargetDialog
from ui.worker import Task

# What may have written outbox entries (graded outcomes, appointments and their outcomes).
RELOAD_ON = ("contacts", "appointments", "outcomes", "all")
HEADERS = (
    "Target",
    "Kind",
    "Sends to",
    "Secret",
    "Pending",
    "Delivered",
    "Parked",
    "Skipped",
    "Next try",
    "Last error",
)


def report_text(report: SyncReport) -> str:
    lines = []
    for name, t in report.targets.items():
        if report.dry_run:
            lines.append(f"{name}: would send {t.pending:,}")
            continue
        line = f"{name}: {t.delivered:,} delivered, {t.failed:,} parked, {t.pending:,} pending"
        if t.failed_waiting:
            line += f"; {t.failed_waiting:,} parked, waiting for review (see their reasons)"
        if t.last_error and t.pending:
            line += f"; will retry after: {t.last_error}"
        if t.error:
            line += f"; not worked: {t.error}"
        lines.append(line)
    head = "Sync stopped. " if report.stopped else ""
    return head + ("\n".join(lines) or "No targets to sync.")


class SyncView(QWidget):
    """Targets and their deliveries; run, stop, preview; add and remove targets."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.config: dict[str, Target] = {}
        self.statuses: dict[str, TargetStatus] = {}
        self.task: Task | None = None
        self.last_report: SyncReport | None = None
        self.dialog: TargetDialog | None = None
        self.max_wait = 30.0  # keep retrying while the next retry is this close (seconds)
        self._running = False
        self._generation = 0

        self.run_button = QPushButton("&Run sync", self)
        self.run_button.clicked.connect(lambda: self.run(dry_run=False))
        self.preview_button = QPushButton("&Preview (dry run)", self)
        self.preview_button.clicked.connect(lambda: self.run(dry_run=True))
        self.stop_button = QPushButton("&Stop", self)
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.add_button = QPushButton("&Add target…", self)
        self.add_button.clicked.connect(self.open_add_dialog)
        self.remove_button = QPushButton("Remove target", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.status = plain_label("", self)
        # What waits and why, and when the background sync last ran (one line per target).
        self.waiting = plain_label("", self)
        self.waiting.setObjectName("syncWaiting")
        # Never squeezed by the splitter below: each line is something a person must read.
        self.waiting.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        # The window's background sync (a screen built on its own gets an idle one).
        self.schedule: SyncSchedule = getattr(ctx, "sync_schedule", None) or SyncSchedule(ctx, self)
        self.schedule.started.connect(self._sync_started)
        self.schedule.progressed.connect(self._progressed)
        self.schedule.finished.connect(self._sync_finished)
        self.schedule.failed.connect(self._sync_failed)
        self.targets = read_only_table(HEADERS, self)
        fit_columns(self.targets, (130, 70, 260, 170, 65, 75, 55, 60, 130))
        self.targets.itemSelectionChanged.connect(self._target_chosen)
        self.deliveries = DeliveriesPanel(ctx, self)
        self.deliveries.changed.connect(self.reload)
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText("A dry run lists here what would be sent, per target.")

        bar = QHBoxLayout()
        for widget in (self.run_button, self.preview_button, self.stop_button):
            bar.addWidget(widget)
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.add_button)
        bar.addWidget(self.remove_button)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.targets)
        splitter.addWidget(self.deliveries)
        splitter.addWidget(self.preview)
        splitter.setSizes([170, 380, 110])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.waiting)
        layout.addWidget(splitter, 1)
        # Loaded when first shown (and again when shown after a change): the window opens at
        # once and the desk is not kept waiting by screens nobody is looking at.
        self._stale = True
        ctx.data_changed.connect(self._data_changed)

    # --- status ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> None:
        self._stale = False
        self._generation += 1
        generation, store = self._generation, self.ctx.store

        def load(_task: Any) -> tuple[dict[str, Target], dict[str, TargetStatus], dict]:
            config = load_targets()
            prepare_review(store, config)  # so entries no run has seen yet are listed too
            secrets = {}
            for name, target in config.items():
                if target.type == "webhook":
                    found = get_secret(name)
                    secrets[name] = found[1] if found else None
            return config, sync_status(store, config), secrets

        def done(result: tuple[dict[str, Target], dict[str, TargetStatus], dict]) -> None:
            if generation == self._generation:
                self._show(*result)

        def failed(exc: BaseException) -> None:
            self._error(f"Sync settings could not be read: {exc}")

        self.ctx.background.run(load, on_done=done, on_error=failed)

    def _show(
        self,
        config: dict[str, Target],
        statuses: dict[str, TargetStatus],
        secrets: dict[str, str | None],
    ) -> None:
        self.config, self.statuses = config, statuses
        chosen = selected_target(self.targets)
        names = list(statuses)
        rows = []
        for name in names:
            s, target = statuses[name], config.get(name)
            if target is None:
                kind, where, secret = "removed", "(no longer configured)", ""
            else:
                kind = target.type + ("" if target.enabled else " (off)")
                where = mask_url(target.url) if target.url else target.folder or ""
                if target.type == "files":
                    where += f" ({target.layout}, {target.format})"
                secret = ""
                if target.type == "webhook":
                    source = secrets.get(name)
                    secret = SECRET_WHERE[source] if source else "MISSING: add it again"
            rows.append(
                (
                    name,
                    kind,
                    where,
                    secret,
                    f"{s.pending:,}",
                    f"{s.delivered:,}",
                    f"{s.failed:,}",
                    f"{s.skipped:,}",
                    local_time(s.next_try_at),
                    s.last_error or "",
                )
            )
        self.targets.blockSignals(True)
        fill(self.targets, rows, data=names, warn=[statuses[n].failed > 0 for n in names])
        if names:
            self.targets.selectRow(names.index(chosen) if chosen in names else 0)
        self.targets.blockSignals(False)
        if not names:
            self.status.setText("No sync targets yet: add a webhook, a CRM folder or a calendar.")
        self.waiting.setText(self._waiting_text(statuses))
        self.deliveries.show_target(selected_target(self.targets))

    def _waiting_text(self, statuses: dict[str, TargetStatus]) -> str:
        """Per target what waits and why; and that sync runs by itself."""
        lines = []
        for name, s in statuses.items():
            if not s.pending and not s.failed:
                continue
            parts = []
            if s.pending:
                when = (
                    f"next try {local_time(s.next_try_at)}"
                    if s.next_try_at is not None and s.next_try_at > self.ctx.clock()
                    else "due now"
                )
                why = f" after: {s.last_error}" if s.last_error else ""
                parts.append(f"{s.pending:,} waiting ({when}{why})")
            if s.failed:
                parts.append(f"{s.failed:,} failed, need review below")
            lines.append(f"{name}: " + "; ".join(parts))
        if not statuses:
            return ""
        minutes = max(1, round((self.schedule.timer.interval() or INTERVAL_SECONDS * 1000) / 60000))
        ran = self.schedule.last_run_at
        tail = (
            f"Sync runs by itself every {minutes} min while calldesk is open"
            + (f"; last run {local_time(ran)}." if ran else ".")
            + " Run sync sends what waits now."
        )
        return "\n".join([*(lines or ["Nothing waits: everything was delivered."]), tail])

    def _target_chosen(self) -> None:
        self.deliveries.show_target(selected_target(self.targets))

    # --- running -----------------------------------------------------------------------------

    def run(self, *, dry_run: bool = False) -> None:
        """Sync (or preview) every enabled target in the background."""
        if self._running or self.schedule.running:
            # Never silently nothing: the run going on is the one that sends.
            self.status.setStyleSheet("")
            self.status.setText("A sync is already running; its progress shows here.")
            return
        store, config, max_wait = self.ctx.store, dict(self.config), self.max_wait
        if not config:
            self._error("Add a target first.")
            return
        self.status.setStyleSheet("")
        self.status.setText("Previewing…" if dry_run else "Syncing…")
        self.progress.setFormat("%v of %m")
        self.progress.setRange(0, 0)
        for button in (self.run_button, self.preview_button, self.add_button, self.remove_button):
            button.setEnabled(False)
        self.stop_button.setEnabled(not dry_run)
        if not dry_run:
            self._running = True
            if not self.schedule.run_now(max_wait=max_wait, config=config):
                self.status.setText("A sync is already running; its progress shows here.")
            self.task = self.schedule.task if self._running else None
            return

        def work(task: Task) -> SyncReport:
            return run_sync(
                store,
                dry_run=dry_run,
                stop=task.cancel_event,
                progress=task.progress,
                max_wait=max_wait,
                config=config,
            )

        self._running = True
        task = self.ctx.background.run(
            work, on_done=self._finished, on_error=self._failed, on_progress=self._progressed
        )
        # (a synchronous runner has finished already: nothing is running any more)
        self.task = task if self._running else None

    def stop(self) -> None:
        """Ask the running sync to stop after the batch in flight (nothing is lost)."""
        task = self.task or self.schedule.task
        if task is not None:
            task.cancel()
            self.stop_button.setEnabled(False)
            self.status.setText("Stopping after the batch in flight…")

    def _progressed(self, p: SyncProgress) -> None:
        done = p.delivered + p.failed
        self.progress.setRange(0, max(1, done + p.pending))
        self.progress.setValue(done)
        task = self.task or self.schedule.task
        if not (task is not None and task.cancelled):
            self.status.setText(
                f"{p.target}: {p.message} ({p.delivered:,} delivered, {p.failed:,} failed, "
                f"{p.pending:,} pending)"
            )

    def _finished(self, report: SyncReport) -> None:
        self._idle()
        self.last_report = report
        if report.dry_run:
            self.preview.setPlainText(self._preview_text(report))
        trouble = report.failed or any(t.error for t in report.targets.values())
        self.status.setStyleSheet(ERROR_STYLE if trouble else "")
        self.status.setText(report_text(report))
        self.reload()
        self.ctx.data_changed.emit("sync")

    def _sync_started(self, manual: bool) -> None:
        self._running = True
        if not manual:
            self.status.setStyleSheet("")
            self.status.setText("Syncing by itself (what is due now)…")
            self.progress.setFormat("%v of %m")
            self.progress.setRange(0, 0)
            for button in (self.run_button, self.preview_button, self.remove_button):
                button.setEnabled(False)
            self.stop_button.setEnabled(True)

    def _sync_finished(self, report: SyncReport | None) -> None:
        if report is None:
            self._idle()
            self._error("No enabled sync targets: add one or turn one on.")
            self.reload()
            return
        self._finished(report)

    def _sync_failed(self, message: str) -> None:
        self._idle()
        self._error(f"Sync failed: {message}")
        self.reload()

    def _preview_text(self, report: SyncReport) -> str:
        lines = []
        for name, t in report.targets.items():
            lines.append(f"{name}: would send {t.pending:,} ({t.failed_waiting:,} failed wait)")
            lines.extend(f"  #{e['id']} {e['kind']} {e['key']}" for e in t.would_send)
            if t.pending > len(t.would_send):
                lines.append(f"  … and {t.pending - len(t.would_send):,} more")
        return "\n".join(lines)

    def _failed(self, exc: BaseException) -> None:
        self._idle()
        self._error(str(exc) if isinstance(exc, SyncError) else f"Sync failed: {exc!r}")
        self.reload()

    def _idle(self) -> None:
        self.task = None
        self._running = False
        self.progress.setFormat("")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        for button in (self.run_button, self.preview_button, self.add_button, self.remove_button):
            button.setEnabled(True)
        self.stop_button.setEnabled(False)

    # --- targets -----------------------------------------------------------------------------

    def open_add_dialog(self) -> TargetDialog:
        self.dialog = TargetDialog(self.ctx, self)
        self.dialog.accepted.connect(self._target_added)
        self.dialog.open()
        return self.dialog

    def _target_added(self) -> None:
        dialog = self.dialog
        if dialog is None or dialog.saved is None:
            return
        text = f"Target {dialog.saved.name} ({dialog.saved.type}) added."
        if dialog.secret_where == "file":
            text += " " + FILE_NOTICE
        elif dialog.secret_where:
            text += f" Its secret is kept {SECRET_WHERE[dialog.secret_where]}."
        self.status.setStyleSheet("")
        self.status.setText(text)
        self.reload()

    def remove_selected(self) -> None:
        name = selected_target(self.targets)
        if name is None or name not in self.config:
            return

        def work(_task: Any) -> None:
            remove_target(name)
            delete_secret(name)

        def done(_result: Any) -> None:
            self.status.setStyleSheet("")
            self.status.setText(f"Target {name} removed (its delivery history is kept).")
            self.reload()

        self.ctx.background.run(work, on_done=done, on_error=lambda e: self._error(str(e)))

    def _error(self, text: str) -> None:
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(text)

    def _data_changed(self, what: str) -> None:
        if what in RELOAD_ON:
            if self.isVisible() and not self._running:
                self.reload()
            else:
                self._stale = True  # (a run reloads when it ends)

    def shutdown(self) -> None:
        """The window closes: let a running sync stop cleanly."""
        self.stop()
        self.schedule.stop()
