"""The main window: menus, one tab per screen, window state saved and restored."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTabWidget,
)
from sqlalchemy import func, select

import calldesk
from calldesk import paths
from calldesk.models import Rep
from ui import screens
from ui.context import AppContext
from ui.settings.rep_dialog import AddRepDialog
from ui.sync.schedule import SyncSchedule

IMPORTABLE = (".csv", ".txt", ".tsv", ".xlsx")


def app_icon() -> QIcon:
    return QIcon(str(paths.resource("icons", "calldesk.svg")))


def window_settings() -> QSettings:
    """Window geometry and layout, kept apart from user preferences."""
    return QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    #: Settings saved another data location: the app opens it (the URL) in place of this one
    store_chosen = Signal(str)

    def __init__(self, ctx: AppContext, *, sync_every: float | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        # Sync runs by itself while the window is open (the sync screen shows and drives it).
        self.sync_schedule = SyncSchedule(ctx, self)
        ctx.sync_schedule = self.sync_schedule  # type: ignore[attr-defined]
        self.setWindowTitle(f"calldesk — {_store_label(ctx.store.url)}")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.resize(1280, 800)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        hosts: dict[str, screens.ScreenHost] = {}
        for key, title, module_name, class_name in screens.present():
            host = screens.ScreenHost(ctx, key, module_name, class_name, self.tabs)
            hosts[key] = host
            self.tabs.addTab(host, title)  # "&&" shows as "&" in a tab and a menu
            if key in screens.EAGER:
                host.ensure()
        self.screens = screens.Screens(hosts)
        self.tabs.currentChanged.connect(self._tab_shown)
        if not hosts:
            empty = QLabel("Welcome to calldesk.", self.tabs)
            empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.tabs.addTab(empty, "Welcome")

        self._build_menus()
        ctx.show_screen.connect(self.show_screen)
        ctx.work_campaign.connect(lambda _campaign: self.show_screen("desk"))
        self.statusBar().showMessage(f"Store: {_store_label(ctx.store.url)}")
        # A new store has no reps: say so, with the way to add one, until there is one.
        self.no_reps = QPushButton("No reps in this store yet: Add rep…", self)
        self.no_reps.setObjectName("addFirstRep")
        self.no_reps.setFlat(True)
        self.no_reps.setStyleSheet("color: #8a4b00; font-weight: bold;")
        self.no_reps.clicked.connect(self.add_rep)
        self.no_reps.hide()
        self.statusBar().addPermanentWidget(self.no_reps)
        self._rep_signature: tuple[int, int] | None = None
        self.rep_dialog: AddRepDialog | None = None
        self.check_reps()
        self._restore_state()
        self.sync_schedule.start(sync_every)
        # A first background sync soon after start: what waited since the last session goes.
        QTimer.singleShot(5000, self.sync_schedule, self.sync_schedule.tick)

    # --- menus -----------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.import_action = QAction("&Import list or event…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self._choose_import_file)
        file_menu.addAction(self.import_action)
        self.settings_action = QAction("&Settings…", self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.triggered.connect(self._open_settings)
        file_menu.addAction(self.settings_action)
        self.add_rep_action = QAction("Add &rep…", self)
        self.add_rep_action.triggered.connect(self.add_rep)
        file_menu.addAction(self.add_rep_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        for index, key in enumerate(self.screens):
            action = QAction(self.tabs.tabText(index), self)
            if index < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, k=key: self.show_screen(k))
            view_menu.addAction(action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About calldesk", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def show_screen(self, key: str) -> None:
        host = self.screens.hosts.get(key)
        if host is not None:
            host.ensure()
            self.tabs.setCurrentWidget(host)

    def _tab_shown(self, index: int) -> None:
        host = self.tabs.widget(index)
        if isinstance(host, screens.ScreenHost):
            host.ensure()

    def _import(self, path: str) -> None:
        lists = self.screens.hosts.get("lists")
        if lists is not None:
            lists.ensure()  # the import wizard lives there: build it before asking
        self.ctx.import_file.emit(path)

    def _choose_import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a list", str(Path.home()), "Lists (*.csv *.txt *.tsv *.xlsx)"
        )
        if path:
            self._import(path)

    def _open_settings(self) -> None:
        from ui.settings.dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        dialog.exec()
        self.settings_saved(dialog)

    def settings_saved(self, dialog: object) -> None:
        """After the settings dialog: a newly saved data location is opened at once."""
        if not getattr(dialog, "saved", False):
            return
        url = dialog.values["db_url"] or f"sqlite:///{paths.default_db_path()}"  # type: ignore[attr-defined]
        if url != self.ctx.store.url:
            self.store_chosen.emit(url)

    def add_rep(self) -> AddRepDialog:
        """File > Add rep…: the same core function as ``calldesk rep add``."""
        self.rep_dialog = AddRepDialog(self.ctx, self)
        self.rep_dialog.accepted.connect(self._rep_added)
        self.rep_dialog.open()
        return self.rep_dialog

    def _rep_added(self) -> None:
        added = self.rep_dialog.added if self.rep_dialog is not None else None
        if added is not None:
            self.statusBar().showMessage(f"Rep {added['name']} ({added['role']}) added.", 8000)
        self.check_reps()

    def check_reps(self) -> bool:
        """Look at the store's reps; True (and ``data_changed("reps")``) when they changed.

        Runs on start and whenever the window comes back to the front, so reps added with
        ``calldesk rep add`` (or by a colleague on a shared store) appear without a restart.
        """
        with self.ctx.store.session() as session:
            count, last = session.execute(select(func.count(Rep.id), func.max(Rep.id))).one()
        signature = (int(count or 0), int(last or 0))
        self.no_reps.setVisible(signature[0] == 0)
        changed = self._rep_signature is not None and signature != self._rep_signature
        self._rep_signature = signature
        if changed:
            self.ctx.data_changed.emit("reps")
        return changed

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.check_reps()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About calldesk",
            f"calldesk {calldesk.__version__}\nA call desk for inside qualification reps.",
        )

    # --- drag and drop ---------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        urls = event.mimeData().urls()
        if urls and all(u.toLocalFile().lower().endswith(IMPORTABLE) for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt API)
        for url in event.mimeData().urls():
            self._import(url.toLocalFile())
        event.acceptProposedAction()

    # --- window state ----------------------------------------------------------------------

    def _restore_state(self) -> None:
        settings = window_settings()
        geometry = settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = settings.value("state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        tab = settings.value("tab")
        if isinstance(tab, str):
            self.show_screen(tab)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        for widget in self.screens.built():
            closer = getattr(widget, "shutdown", None)
            if closer is not None:
                closer()
        settings = window_settings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("state", self.saveState())
        current = self.tabs.currentWidget()
        if isinstance(current, screens.ScreenHost):
            settings.setValue("tab", current.key)
        settings.sync()
        self.sync_schedule.stop()
        self.ctx.background.wait(5000)
        super().closeEvent(event)


def _store_label(url: str) -> str:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).name
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
