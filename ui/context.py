"""What every screen is handed: the store, the background runner, and app-wide signals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from calldesk.models import utcnow
from calldesk.store import Store
from ui.worker import Background


class AppContext(QObject):
    """Shared by the screens of one window; screens talk to each other only through signals."""

    #: something in the store changed; the argument names what ("contacts", "appointments", ...)
    data_changed = Signal(str)
    #: open a contact's card (from a list, a report, the sprint board)
    open_contact = Signal(int)
    #: start working a campaign at the desk (the sprint board's one click)
    work_campaign = Signal(int)
    #: bring a screen to the front by its key ("desk", "lists", ...)
    show_screen = Signal(str)
    #: start the import wizard on a file (a drop on the window, File > Import)
    import_file = Signal(str)

    def __init__(
        self,
        store: Store,
        background: Background | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.background = background or Background()
        #: the app's one clock (aware UTC); screens read the time only through it (tests set it)
        self.clock: Callable[[], dt.datetime] = clock or utcnow
