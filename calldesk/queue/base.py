"""What every part of the queue shares: its error, the lease and the "held" moment, the
queue's clock, the rules engine (imported late), and expiring objects a Core statement changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from calldesk.models import utcnow

DEFAULT_LEASE = dt.timedelta(minutes=15)
# A contact waiting on a callback or a hand-off is out of the list queue until it is done.
HELD = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


class QueueError(ValueError):
    """A queue request cannot be served as asked (unknown claim, claim of another rep...)."""


def _now(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return utcnow()
    if at.tzinfo is None:
        raise ValueError("the moment must be timezone-aware")
    return at.astimezone(dt.UTC)


def _rules():
    """The rules engine, imported on first use. Every part calls it as ``base._rules()``, so a
    bench can stand in for the engine by setting this one attribute."""
    engine = _engine[0]
    if engine is None:  # kept: an import statement per call went through importlib each time
        from calldesk import rules

        engine = _engine[0] = rules
    return engine


_engine: list[Any] = [None]


def _expire(session: Session, model: Any, ids: Any) -> None:
    """Objects the session holds that a Core statement just changed: read them again."""
    if not session.identity_map:  # the hot path holds none (no key to build per id)
        return
    for ident in ids:
        obj = session.identity_map.get(identity_key(model, ident))
        if obj is not None:
            session.expire(obj)
