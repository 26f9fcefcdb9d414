"""The sprint board's figures from the core, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from test_ui_sprints import TODAY, import_show, work_one

from calldesk.models import Campaign, Event
from calldesk.sprints import sprint_board
from calldesk.store import Store


def test_figures_follow_the_work(store: Store, tmp_path: Path) -> None:
    event_id, sprint_id, rep_id = import_show(store, tmp_path)
    (fresh,) = sprint_board(store, today=TODAY)
    assert (fresh.event_id, fresh.campaign_id, fresh.campaign_active) == (event_id, sprint_id, True)
    assert (fresh.deadline, fresh.days_left, fresh.time_used) == (dt.date(2026, 11, 30), 6, 0.4)
    assert (fresh.contacts, fresh.reached, fresh.untouched, fresh.untouched_hot) == (4, 0, 4, 2)

    work_one(store, rep_id, sprint_id, "no_answer")
    work_one(store, rep_id, sprint_id, "qualified")
    (worked,) = sprint_board(store, today=TODAY)
    assert (worked.reached, worked.graded, worked.grades["D"]) == (1, 1, 1)
    assert (worked.untouched, worked.untouched_hot) == (2, 0)
    # The show was Fri 20 Nov: a first conversation on Tue 24 Nov is not within 48 hours of it
    assert worked.reached_48h_share == 0.0
    assert worked.as_dict()["reached_share"] == 0.25

    # After the deadline the sprint shows as over, time fully used.
    (late,) = sprint_board(store, today=dt.date(2026, 12, 3))
    assert (late.days_left, late.time_used) == (-3, 1.0)

    # A paused sprint campaign is still shown, but not offered to work.
    with store.write() as s:
        s.get(Campaign, sprint_id).active = False
    (paused,) = sprint_board(store, today=TODAY)
    assert paused.campaign_id == sprint_id and not paused.campaign_active


def test_reached_within_48_hours_counts_from_the_event_day(store: Store, tmp_path: Path) -> None:
    event_id, sprint_id, rep_id = import_show(store, tmp_path)
    with store.write() as s:
        s.get(Event, event_id).event_date = dt.date(2026, 11, 22)  # Sunday: until Wed 00:00 UTC
    work_one(store, rep_id, sprint_id, "qualified")
    (board,) = sprint_board(store, today=TODAY)
    assert board.reached_48h_share == 0.25
    with store.write() as s:
        s.get(Event, event_id).event_date = None  # unknown: no honest figure
    (unknown,) = sprint_board(store, today=TODAY)
    assert unknown.reached == 1 and unknown.reached_48h_share is None
