"""The report summaries stay equal to a computation from scratch as attempts keep arriving.

Each report folds the attempts recorded since the last one into the summaries
(:mod:`calldesk.reports.summary`); these tests record more attempts after a report ran and
check every figure against a rebuild from empty and against the attempts read directly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from test_reports import at, build_history

from calldesk import reports
from calldesk.models import Attempt, Contact, ListMember, Rep, ReportContact, Setting
from calldesk.reports import ReportFilter, summary
from calldesk.store import Store

ALL_TIME = ReportFilter(date_from=dt.date(2000, 1, 1), date_to=dt.date(2100, 1, 1))


def snapshot(store: Store, ids: dict[str, int]) -> dict[str, Any]:
    """Every figure the summaries feed, as plain data."""
    out: dict[str, Any] = {}
    for by in (None, "list", "event", "campaign", "rep"):
        out[f"funnel {by}"] = reports.funnel(store, by=by).main.rows
    out["funnel sprint"] = reports.funnel(store, ReportFilter(campaign_id=ids["sprint"])).main.rows
    for name in ("Ann", "Carl"):
        flt = ReportFilter(rep_id=ids[name])
        out[f"funnel {name}"] = reports.funnel(store, flt).main.rows
        out[f"funnel {name} by list"] = reports.funnel(store, flt, by="list").main.rows
        out[f"funnel {name} by campaign"] = reports.funnel(store, flt, by="campaign").main.rows
        out[f"hours {name}"] = reports.best_hours(store, flt).as_dict()
        out[f"trend {name}"] = reports.trend(store, flt, period="day").as_dict()
    out["funnel list x by rep"] = reports.funnel(
        store, ReportFilter(list_id=ids["x"]), by="rep"
    ).main.rows
    out["scorecard"] = reports.scorecard(store).as_dict()
    out["scorecard week"] = reports.scorecard(
        store, ReportFilter(date_from=dt.date(2026, 11, 2), date_to=dt.date(2026, 11, 8))
    ).as_dict()
    out["hours"] = reports.best_hours(store).as_dict()
    out["trend week"] = reports.trend(store).as_dict()
    out["trend day"] = reports.trend(store, period="day").as_dict()
    out["lists"] = reports.list_return(store).main.rows
    return out


def from_attempts(store: Store, by: str | None, rep_id: int | None = None) -> list[dict]:
    """The funnel read straight from the attempts (a date range wider than the history)."""
    flt = ReportFilter(rep_id=rep_id, date_from=ALL_TIME.date_from, date_to=ALL_TIME.date_to)
    return reports.funnel(store, flt, by=by).main.rows


def record_more(store: Store, ids: dict[str, int]) -> None:
    """A second day of work after the first reports ran."""
    with store.write() as s:
        dan = Rep(name="Dan", role="qualifier")
        newcomer = Contact(first_name="New", last_name="Comer", created_at=at(12, 8))
        s.add_all([dan, newcomer])
        s.flush()
        s.add(ListMember(list_id=ids["y"], contact_id=newcomer.id))
        rows = [
            # contact, rep, started, conversation, grade, local hour, weekday
            (ids["c12"], dan.id, at(12, 9), True, "B", 9, 3),  # never touched before
            (ids["c3"], ids["Ben"], at(12, 10), True, "A", 10, 3),  # first grade, better
            (ids["c7"], ids["Ben"], at(12, 10, 30), True, "B", 10, 3),  # D becomes B
            (ids["c1"], dan.id, at(13, 11), False, None, 11, 4),  # a new rep on c1
            (ids["c6"], None, at(13, 12), False, None, None, None),  # no rep, no local time
            (newcomer.id, ids["Ann"], at(13, 13), True, "C", 13, 4),
            (ids["c9"], ids["Carl"], at(2, 16), False, None, 16, 0),  # late entry, old day
        ]
        for contact_id, rep_id, started, conv, grade, hour, weekday in rows:
            s.add(
                Attempt(
                    contact_id=contact_id,
                    rep_id=rep_id,
                    started_at=started,
                    disposition="qualified" if grade else "no_answer",
                    conversation=conv,
                    grade=grade,
                    local_hour=hour,
                    local_weekday=weekday,
                )
            )


def check_against_scratch(store: Store, ids: dict[str, int]) -> dict[str, Any]:
    incremental = snapshot(store, ids)
    for by in (None, "list", "event", "campaign", "rep"):
        assert incremental[f"funnel {by}"] == from_attempts(store, by), by
    assert incremental["funnel Ann"] == from_attempts(store, None, ids["Ann"])
    assert incremental["funnel Carl by campaign"] == [
        r for r in from_attempts(store, "campaign", ids["Carl"])
    ]
    summary.rebuild(store)
    assert snapshot(store, ids) == incremental
    return incremental


def test_attempts_after_a_report_are_folded_in(store: Store) -> None:
    ids = build_history(store)
    before = check_against_scratch(store, ids)
    record_more(store, ids)
    after = check_against_scratch(store, ids)
    assert after != before
    (whole,) = after["funnel None"]
    assert (whole["contacts"], whole["dialled"], whole["attempts"]) == (13, 12, 22)
    assert (whole["grade_a"], whole["grade_b"], whole["grade_c"], whole["grade_d"]) == (6, 3, 2, 0)
    reps = {r["name"]: r for r in after["funnel rep"]}
    assert reps["(no rep)"]["attempts"] == 1
    assert reps["Dan"]["contacts"] == 2
    # A list gains a contact dialled long ago, with no attempt since: the list's figures move.
    with store.write() as s:
        s.add(ListMember(list_id=ids["y"], contact_id=ids["c1"]))
    lists = check_against_scratch(store, ids)["funnel list"]
    y = next(r for r in lists if r["key"] == ids["y"])
    assert (y["contacts"], y["dialled"], y["attempts"]) == (5, 4, 9)
    # A contact moves to the sprint campaign: both campaigns' figures move.
    with store.write() as s:
        s.get(Contact, ids["c1"]).campaign_id = ids["sprint"]  # type: ignore[union-attr]
    camps = {r["key"]: r for r in check_against_scratch(store, ids)["funnel campaign"]}
    assert (camps[ids["sprint"]]["contacts"], camps[ids["sprint"]]["attempts"]) == (5, 9)
    assert camps[ids["default"]]["contacts"] == 8


def test_summaries_built_and_folded_in_small_chunks(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(summary, "CONTACT_CHUNK", 2)
    monkeypatch.setattr(summary, "DAY_CHUNK", 1)
    monkeypatch.setattr(summary, "FOLD_CHUNK", 2)
    ids = build_history(store)
    check_against_scratch(store, ids)
    record_more(store, ids)
    check_against_scratch(store, ids)


def test_nothing_new_writes_nothing(store: Store) -> None:
    ids = build_history(store)
    reports.funnel(store)
    with store.session() as s:
        state = s.scalar(select(Setting.value).where(Setting.key == summary.STATE_KEY))
        top = s.scalar(select(func.max(Attempt.id)))
    assert state["through"] == top and state["build"] is None
    summary.refresh(store)
    with store.session() as s:
        assert s.scalar(select(Setting.value).where(Setting.key == summary.STATE_KEY)) == state
        assert s.scalar(select(func.count()).select_from(ReportContact)) == 10
    assert ids


def test_empty_summary_of_an_upgraded_store_is_built(store: Store) -> None:
    """A store with attempts but no summary yet (new schema): the first report builds it."""
    ids = build_history(store)
    with store.write() as s:
        s.execute(Setting.__table__.delete().where(Setting.key == summary.STATE_KEY))
    (row,) = reports.funnel(store).main.rows
    assert (row["dialled"], row["attempts"]) == (10, 15)
    assert ids


@pytest.mark.postgres
def test_attempt_committed_below_the_watermark_is_folded_in(pg_store: Store) -> None:
    """PostgreSQL hands out ids at insert and shows rows at commit: an attempt with an id below
    one already folded in can appear later. Its id is kept as a hole until it does."""
    store = pg_store
    ids = build_history(store)
    reports.funnel(store)
    with store.session() as s:
        top = s.scalar(select(func.max(Attempt.id)))
    assert top is not None

    def attempt(attempt_id: int, contact: str, grade: str | None) -> Attempt:
        return Attempt(
            id=attempt_id,
            contact_id=ids[contact],
            rep_id=ids["Ben"],
            started_at=at(14, 10),
            disposition="qualified" if grade else "no_answer",
            conversation=grade is not None,
            grade=grade,
            local_hour=10,
            local_weekday=5,
        )

    with store.write() as s:  # committed first, though its id comes second
        s.add(attempt(top + 2, "c8", None))
    reports.funnel(store)
    with store.session() as s:
        state = s.scalar(select(Setting.value).where(Setting.key == summary.STATE_KEY))
    assert [h[:2] for h in state["holes"]] == [[top + 1, top + 1]]
    with store.write() as s:
        s.add(attempt(top + 1, "c12", "A"))
    (row,) = reports.funnel(store).main.rows
    assert (row["dialled"], row["grade_a"], row["attempts"]) == (12, 6, 17)
    with store.session() as s:
        state = s.scalar(select(Setting.value).where(Setting.key == summary.STATE_KEY))
    assert state["holes"] == []
    check_against_scratch(store, ids)
