"""Portable SQL pieces the reports need: epoch seconds, hour and day buckets, boolean sums.

SQLite stores :class:`~calldesk.models.UTCDateTime` as ISO text and PostgreSQL as a timestamp,
so date arithmetic is compiled per dialect; everything else is plain SQLAlchemy Core.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Date, Float, Integer, String, case, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class epoch_seconds(FunctionElement[float]):  # noqa: N801 - reads as SQL
    """Seconds since 1970 of a stored UTC timestamp."""

    type = Float()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds, "postgresql")
def _epoch_pg(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


class day_bucket(FunctionElement[str]):  # noqa: N801
    """The UTC day of a timestamp as 'YYYY-MM-DD' text."""

    type = String()
    inherit_cache = True


@compiles(day_bucket, "sqlite")
def _day_sqlite(element: day_bucket, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(day_bucket, "postgresql")
def _day_pg(element: day_bucket, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


class week_bucket(FunctionElement[str]):  # noqa: N801
    """The Monday (UTC) of a timestamp's ISO week as 'YYYY-MM-DD' text."""

    type = String()
    inherit_cache = True


@compiles(week_bucket, "sqlite")
def _week_sqlite(element: week_bucket, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    # 'weekday 0' moves forward to the next Sunday (or stays); six days back is that week's Monday.
    return f"date(substr({arg}, 1, 10), 'weekday 0', '-6 days')"


@compiles(week_bucket, "postgresql")
def _week_pg(element: week_bucket, compiler: Any, **kw: Any) -> str:
    return f"to_char(date_trunc('week', {compiler.process(element.clauses, **kw)}), 'YYYY-MM-DD')"


class hour_bucket(FunctionElement[str]):  # noqa: N801
    """The UTC clock hour of a timestamp as 'YYYY-MM-DD HH' text."""

    type = String()
    inherit_cache = True


@compiles(hour_bucket, "sqlite")
def _hour_sqlite(element: hour_bucket, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


@compiles(hour_bucket, "postgresql")
def _hour_pg(element: hour_bucket, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD HH24')"


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group meet ``condition`` (0, never NULL, for an empty match)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 where ``condition`` holds, else 0: for max()/sum() over booleans on both back ends."""
    return case((condition, 1), else_=0)


def rate(numerator: int | float | None, denominator: int | float | None) -> float | None:
    """A share rounded to four places; None when there is nothing to divide by."""
    if not denominator or numerator is None:
        return None
    return round(numerator / denominator, 4)


class epoch_int(FunctionElement[int]):  # noqa: N801
    """Whole seconds since 1970 of a stored UTC timestamp (fractions dropped), exact on both."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_int, "sqlite")
def _epoch_int_sqlite(element: epoch_int, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_int, "postgresql")
def _epoch_int_pg(element: epoch_int, compiler: Any, **kw: Any) -> str:
    return f"CAST(floor(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


class utc_day(FunctionElement[dt.date]):  # noqa: N801
    """The UTC calendar day of a stored timestamp, as a date."""

    type = Date()
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_pg(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


class utc_hour(FunctionElement[int]):  # noqa: N801
    """The UTC clock hour (0-23) of a stored timestamp."""

    type = Integer()
    inherit_cache = True


@compiles(utc_hour, "sqlite")
def _utc_hour_sqlite(element: utc_hour, compiler: Any, **kw: Any) -> str:
    return f"CAST(substr({compiler.process(element.clauses, **kw)}, 12, 2) AS INTEGER)"


@compiles(utc_hour, "postgresql")
def _utc_hour_pg(element: utc_hour, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(HOUR FROM {compiler.process(element.clauses, **kw)}) AS INTEGER)"
