"""The one way calldesk's interface runs work off the UI thread.

``Background.run(fn, on_done=..., on_error=...)`` runs ``fn(task)`` on a worker thread and
delivers its result (or exception) back on the main thread. ``task.progress(...)`` posts
progress to the main thread and ``task.cancelled`` tells long work to stop. Widgets are only
touched in the callbacks, which always run on the main thread. Tests build
``Background(synchronous=True)`` so everything runs inline and deterministically.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class Task:
    """Handed to background work: progress reporting and a cancel flag."""

    def __init__(self, post_progress: Callable[[Any], None]) -> None:
        self._post_progress = post_progress
        self._cancel = threading.Event()

    def progress(self, value: Any) -> None:
        self._post_progress(value)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        return self._cancel


class _Relay(QObject):
    """Lives on the main thread; queued signals carry results back to it."""

    done = Signal(object, object)  # callback, result
    failed = Signal(object, object)  # callback, exception
    progressed = Signal(object, object)  # callback, value

    def __init__(self) -> None:
        super().__init__()
        self.done.connect(self._call)
        self.failed.connect(self._call)
        self.progressed.connect(self._call)

    @Slot(object, object)
    def _call(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        if callback is not None:
            callback(value)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[Task], Any], task: Task, finish: Callable[..., None]):
        super().__init__()
        self._fn = fn
        self._task = task
        self._finish = finish

    def run(self) -> None:
        try:
            result = self._fn(self._task)
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the UI
            exc.__calldesk_traceback__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._finish(error=exc)
        else:
            self._finish(result=result)


class Background:
    """Runs callables off the UI thread and posts results back to it."""

    def __init__(self, *, synchronous: bool = False, max_threads: int = 2) -> None:
        self.synchronous = synchronous
        self._relay = _Relay()
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self._active = 0

    @property
    def busy(self) -> bool:
        return self._active > 0

    def run(
        self,
        fn: Callable[[Task], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> Task:
        """Run ``fn(task)`` in the background; callbacks run on the main thread."""
        relay = self._relay

        def post_progress(value: Any) -> None:
            if self.synchronous:
                if on_progress:
                    on_progress(value)
            else:
                relay.progressed.emit(on_progress, value)

        task = Task(post_progress)
        if self.synchronous:
            try:
                result = fn(task)
            except Exception as exc:  # noqa: BLE001
                if on_error is None:
                    raise
                on_error(exc)
            else:
                if on_done:
                    on_done(result)
            return task

        self._active += 1

        def finish(result: Any = None, error: BaseException | None = None) -> None:
            if error is not None:
                relay.failed.emit(self._wrap_done(on_error or _raise_later), error)
            else:
                relay.done.emit(self._wrap_done(on_done), result)

        self._pool.start(_Job(fn, task, finish))
        return task

    def _wrap_done(self, callback: Callable[[Any], None] | None) -> Callable[[Any], None]:
        def wrapped(value: Any) -> None:
            self._active -= 1
            if callback is not None:
                callback(value)

        return wrapped

    def wait(self, msecs: int = 30000) -> bool:
        """Block until all background work finished (tests and shutdown only)."""
        return self._pool.waitForDone(msecs)


def _raise_later(exc: BaseException) -> None:
    raise exc
