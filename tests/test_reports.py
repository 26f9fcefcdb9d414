"""Reports over a store with a small, fully known history: every figure computed by hand.

The history (November 2026, all times UTC):

- lists "Vendor X" (c1..c5, cost 1000) and "Vendor Y" (c6..c8, cost 600), created 11-02 08:00;
- event "Expo" (created 11-02 09:00, deadline 11-06, cost 900): c5 (also on Vendor X) and
  c9..c12 (created 11-02 09:00), worked under the "Expo sprint" campaign (c9..c12);
- qualifiers Ann, Ben, Carl; field reps Fay, Gus; 15 attempts, 8 appointments, 6 callbacks.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from calldesk import reports
from calldesk.cli.main import main
from calldesk.models import (
    Appointment,
    Attempt,
    Callback,
    CallList,
    Campaign,
    Contact,
    Event,
    EventEngagement,
    ListMember,
    Rep,
)
from calldesk.reports import ReportFilter
from calldesk.store import Store

UTC = dt.UTC
AS_OF = dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def build_history(store: Store) -> dict[str, int]:
    """Write the known history; returns ids by name (reps, lists, event, campaign, contacts)."""
    ids: dict[str, int] = {}
    with store.write() as s:
        reps = {
            n: Rep(name=n, role=role)
            for n, role in [
                ("Ann", "qualifier"),
                ("Ben", "qualifier"),
                ("Carl", "qualifier"),
                ("Fay", "field"),
                ("Gus", "field"),
            ]
        }
        s.add_all(reps.values())
        x = CallList(name="Vendor X", cost=Decimal("1000"), created_at=at(2, 8))
        y = CallList(name="Vendor Y", cost=Decimal("600"), created_at=at(2, 8))
        expo = Event(
            name="Expo",
            kind="trade_show",
            event_date=dt.date(2026, 11, 1),
            follow_up_deadline=dt.date(2026, 11, 6),
            cost=Decimal("900"),
            created_at=at(2, 9),
        )
        s.add_all([x, y, expo])
        s.flush()
        sprint = Campaign(name="Expo sprint", kind="event_sprint", event_id=expo.id)
        s.add(sprint)
        s.flush()
        c: dict[int, Contact] = {}
        for i in range(1, 13):
            c[i] = Contact(
                first_name=f"C{i}",
                last_name="Test",
                created_at=at(2, 8) if i <= 8 else at(2, 9),
                campaign_id=sprint.id if i >= 9 else None,
            )
        s.add_all(c.values())
        s.flush()
        for i in range(1, 6):
            s.add(ListMember(list_id=x.id, contact_id=c[i].id))
        for i in range(6, 9):
            s.add(ListMember(list_id=y.id, contact_id=c[i].id))
        for i in (5, 9, 10, 11, 12):
            s.add(EventEngagement(event_id=expo.id, contact_id=c[i].id, rating="hot"))
        # Contact state as the outcome recording leaves it.
        for i, grade in {1: "A", 2: "B", 4: "A", 5: "A", 7: "D", 9: "A", 10: "A"}.items():
            c[i].grade = grade
        c[11].grade, c[11].stage, c[11].next_eligible_at = "C", "nurture", at(14, 16)

        A, B, C_ = reps["Ann"], reps["Ben"], reps["Carl"]
        attempts = [
            # n, contact, rep, started, disposition, conversation, grade, local hour, weekday
            (1, 1, A, at(2, 10), "no_answer", False, None, 10, 0),
            (2, 1, A, at(3, 14), "qualified", True, "A", 9, 1),
            (3, 2, A, at(2, 10, 30), "qualified", True, "B", 10, 0),
            (4, 3, B, at(2, 11), "no_answer", False, None, 11, 0),
            (5, 3, B, at(4, 11), "not_interested", True, None, 11, 2),
            (6, 4, B, at(2, 12), "qualified", True, "C", 12, 0),
            (7, 4, A, at(10, 12), "qualified", True, "A", 12, 0),
            (8, 6, B, at(3, 10), "busy", False, None, 10, 1),
            (9, 7, B, at(3, 10), "qualified", True, "D", 10, 1),
            (10, 9, C_, at(2, 15), "qualified", True, "A", 15, 0),
            (11, 10, C_, at(5, 9), "qualified", True, "A", 9, 3),
            (12, 11, C_, at(3, 8), "no_answer", False, None, 8, 1),
            (13, 11, C_, at(7, 10), "qualified", True, "C", 10, 5),
            (14, 5, A, at(3, 16), "qualified", True, "A", 16, 1),
            (15, 6, B, at(4, 10), "no_answer", False, None, None, None),
        ]
        for _n, ci, rep, started, disp, conv, grade, hour, wd in attempts:
            s.add(
                Attempt(
                    contact_id=c[ci].id,
                    rep_id=rep.id,
                    started_at=started,
                    ended_at=started + dt.timedelta(minutes=3),
                    disposition=disp,
                    conversation=conv,
                    grade=grade,
                    local_hour=hour,
                    local_weekday=wd,
                )
            )
        F, G = reps["Fay"], reps["Gus"]
        appointments = [
            # n, contact, qualifier, field rep, booked, starts, status, outcome, reason
            (1, 1, A, F, at(3, 14, 10), at(5, 15), "accepted", "won", None),
            (2, 4, A, F, at(10, 12, 10), at(12, 15), "accepted", "held", None),
            (3, 5, A, G, at(3, 16, 10), at(6, 10), "rejected", None, "not_decision_maker"),
            (4, 9, C_, G, at(2, 15, 10), at(4, 10), "accepted", "opportunity", None),
            (5, 10, C_, F, at(5, 9, 10), at(9, 10), "accepted", None, None),
            (6, 2, A, F, at(2, 10, 40), at(4, 9), "rejected", None, "no_budget"),
            (7, 1, A, G, at(3, 14, 20), at(5, 17), "rejected", None, "not_decision_maker"),
            (8, 9, C_, G, at(4, 12), at(6, 10), "accepted", "no_show", None),
        ]
        for n, ci, q, f, booked, starts, status, outcome, reason in appointments:
            s.add(
                Appointment(
                    uid=f"test-{n}",
                    contact_id=c[ci].id,
                    qualifier_id=q.id,
                    field_rep_id=f.id,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=1),
                    status=status,
                    outcome=outcome,
                    reject_reason=reason,
                    created_at=booked,
                )
            )
        callbacks = [
            # contact, rep, kind, due, status
            (2, A, "follow_up", at(1, 9), "open"),  # called since (11-02): not forgotten
            (2, A, "follow_up", at(10, 14), "open"),  # forgotten follow-up
            (3, B, "callback", at(20, 10), "open"),  # forgotten callback
            (6, B, "callback", at(23, 9), "open"),  # due 3 h ago: inside the grace
            (7, B, "callback", at(1, 9), "done"),
            (1, A, "rejected", at(5, 17), "open"),  # forgotten callback
            (10, C_, "follow_up", at(12, 9), "open"),  # c10 is an A: not a B/C follow-up
        ]
        for ci, rep, kind, due, status in callbacks:
            s.add(
                Callback(contact_id=c[ci].id, rep_id=rep.id, kind=kind, due_at=due, status=status)
            )
        s.flush()
        ids.update({n: r.id for n, r in reps.items()})
        ids.update({"x": x.id, "y": y.id, "expo": expo.id, "sprint": sprint.id})
        ids.update({f"c{i}": contact.id for i, contact in c.items()})
        default = s.scalar(select(Campaign.id).where(Campaign.is_default))
        assert default is not None
        ids["default"] = default
    return ids


@pytest.fixture
def history(store: Store) -> tuple[Store, dict[str, int]]:
    return store, build_history(store)


def pick(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: row[k] for k in keys}


FUNNEL_KEYS = (
    "contacts",
    "dialled",
    "reached",
    "graded",
    "grade_a",
    "grade_b",
    "grade_c",
    "grade_d",
    "booked",
    "accepted",
    "held",
    "opportunity",
    "won",
    "attempts",
    "conversations",
    "untouched",
)


def figures(*values: int) -> dict[str, int]:
    return dict(zip(FUNNEL_KEYS, values, strict=True))


# Hand-computed (see the module docstring and build_history).
WHOLE_STORE = figures(12, 10, 9, 8, 5, 1, 1, 1, 8, 5, 3, 2, 1, 15, 10, 2)
VENDOR_X = figures(5, 5, 5, 4, 3, 1, 0, 0, 5, 2, 2, 1, 1, 8, 6, 0)
VENDOR_Y = figures(3, 2, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 1, 1)
EXPO = figures(5, 4, 4, 4, 3, 0, 1, 0, 4, 3, 1, 1, 0, 5, 4, 1)


def test_funnel_whole_store(history: tuple[Store, dict[str, int]]) -> None:
    store, _ = history
    (row,) = reports.funnel(store).main.rows
    assert pick(row, *FUNNEL_KEYS) == WHOLE_STORE
    assert row["dial_rate"] == round(10 / 12, 4)
    assert row["reach_rate"] == 0.9
    assert row["grade_rate"] == round(8 / 9, 4)
    assert row["a_rate"] == 0.625
    assert row["accept_rate"] == 0.625
    assert row["held_rate"] == 0.6
    assert row["opportunity_rate"] == round(2 / 3, 4)
    assert row["won_rate"] == 0.5
    assert row["attempts_per_contact"] == 1.5
    # first attempt minus creation: 2 + 2.5 + 3 + 4 + 32 + 26 + 26 + 6 + 72 + 23 = 196.5 h
    assert row["first_touch_hours"] == 19.65


def test_funnel_by_list_event_campaign(history: tuple[Store, dict[str, int]]) -> None:
    store, ids = history
    rows = {r["name"]: r for r in reports.funnel(store, by="list").main.rows}
    assert set(rows) == {"Vendor X", "Vendor Y"}
    assert pick(rows["Vendor X"], *FUNNEL_KEYS) == VENDOR_X
    assert pick(rows["Vendor Y"], *FUNNEL_KEYS) == VENDOR_Y
    assert rows["Vendor X"]["first_touch_hours"] == 8.7  # (2 + 2.5 + 3 + 4 + 32) / 5
    assert rows["Vendor Y"]["first_touch_hours"] == 26.0

    (expo,) = reports.funnel(store, by="event").main.rows
    assert pick(expo, *FUNNEL_KEYS) == EXPO
    assert expo["first_touch_hours"] == 33.25  # (32 + 6 + 72 + 23) / 4
    # First conversations: c5 11-03 16:00 and c9 11-02 15:00 within 48 h of the show's day
    # (Sun 11-01, so until 11-04 00:00 UTC);
    # c10 11-05 by the deadline; c11 11-07 after it; c12 never.
    assert expo["reached_48h_share"] == 0.4
    assert expo["reached_by_deadline_share"] == 0.6

    # The same single rows through the filters.
    (only_x,) = reports.funnel(store, ReportFilter(list_id=ids["x"])).main.rows
    assert pick(only_x, *FUNNEL_KEYS) == VENDOR_X
    (only_expo,) = reports.funnel(store, ReportFilter(event_id=ids["expo"])).main.rows
    assert pick(only_expo, *FUNNEL_KEYS) == EXPO
    assert only_expo["reached_48h_share"] == 0.4

    camps = {r["key"]: r for r in reports.funnel(store, by="campaign").main.rows}
    assert set(camps) == {ids["default"], ids["sprint"]}
    sprint = camps[ids["sprint"]]
    assert pick(sprint, "contacts", "dialled", "reached", "graded", "grade_a", "grade_c") == {
        "contacts": 4,
        "dialled": 3,
        "reached": 3,
        "graded": 3,
        "grade_a": 2,
        "grade_c": 1,
    }
    assert pick(sprint, "booked", "accepted", "held", "opportunity", "won") == {
        "booked": 3,
        "accepted": 3,
        "held": 1,
        "opportunity": 1,
        "won": 0,
    }
    assert camps[ids["default"]]["contacts"] == 8
    assert camps[ids["default"]]["dialled"] == 7


def test_funnel_by_rep_and_filters(history: tuple[Store, dict[str, int]]) -> None:
    store, ids = history
    rows = {r["name"]: r for r in reports.funnel(store, by="rep").main.rows}
    assert set(rows) == {"Ann", "Ben", "Carl"}
    assert pick(rows["Ann"], *FUNNEL_KEYS) == figures(
        4, 4, 4, 4, 3, 1, 0, 0, 5, 2, 2, 1, 1, 5, 4, 0
    )
    assert pick(rows["Carl"], "contacts", "reached", "grade_a", "grade_c", "booked", "held") == {
        "contacts": 3,
        "reached": 3,
        "grade_a": 2,
        "grade_c": 1,
        "booked": 3,
        "held": 1,
    }

    # Ben on 3 and 4 November: a5, a8, a9, a15.
    ben = ReportFilter(
        rep_id=ids["Ben"], date_from=dt.date(2026, 11, 3), date_to=dt.date(2026, 11, 4)
    )
    (row,) = reports.funnel(store, ben).main.rows
    assert pick(row, "contacts", "dialled", "reached", "graded", "grade_d", "attempts") == {
        "contacts": 3,
        "dialled": 3,
        "reached": 2,
        "graded": 1,
        "grade_d": 1,
        "attempts": 4,
    }
    assert row["booked"] == 0

    # One day: attempts a1, a3, a4, a6, a10; appointments booked that day p4 and p6.
    day = ReportFilter(date_from=dt.date(2026, 11, 2), date_to=dt.date(2026, 11, 2))
    (row,) = reports.funnel(store, day).main.rows
    assert pick(row, *FUNNEL_KEYS) == figures(12, 5, 3, 3, 1, 1, 1, 0, 2, 1, 1, 1, 0, 5, 3, 7)
    assert row["first_touch_hours"] == 3.5


def test_scorecard(history: tuple[Store, dict[str, int]]) -> None:
    store, ids = history
    report = reports.scorecard(store)
    q = {r["rep"]: r for r in report.tables["qualifiers"].rows}
    assert set(q) == {"Ann", "Ben", "Carl"}
    # Ann: a1, a2, a3, a7, a14 in the UTC hours 11-02 10 (twice), 11-03 14, 11-10 12, 11-03 16.
    assert pick(q["Ann"], "dials", "hours", "dials_per_hour", "conversations") == {
        "dials": 5,
        "hours": 4,
        "dials_per_hour": 1.25,
        "conversations": 4,
    }
    assert pick(q["Ann"], "grade_a", "grade_b", "grade_c", "grade_d") == {
        "grade_a": 3,
        "grade_b": 1,
        "grade_c": 0,
        "grade_d": 0,
    }
    assert pick(q["Ann"], "booked", "accepted", "rejected", "held", "no_show") == {
        "booked": 5,
        "accepted": 2,
        "rejected": 3,
        "held": 2,
        "no_show": 0,
    }
    assert (q["Ann"]["accept_rate"], q["Ann"]["held_rate"], q["Ann"]["reject_rate"]) == (
        0.4,
        0.4,
        0.6,
    )
    assert q["Ann"]["rejection_reasons"] == {"not_decision_maker": 2, "no_budget": 1}
    assert q["Ann"]["flag"] == "rejected 60% vs team 0%"
    assert pick(q["Ben"], "dials", "hours", "dials_per_hour", "conversations", "grade_c") == {
        "dials": 6,
        "hours": 5,
        "dials_per_hour": 1.2,
        "conversations": 3,
        "grade_c": 1,
    }
    assert q["Ben"]["booked"] == 0 and q["Ben"]["flag"] is None
    assert pick(q["Carl"], "dials", "hours", "booked", "accepted", "held", "no_show") == {
        "dials": 4,
        "hours": 4,
        "booked": 3,
        "accepted": 3,
        "held": 1,
        "no_show": 1,
    }
    assert q["Carl"]["held_rate"] == round(1 / 3, 4)
    assert q["Carl"]["no_show_rate"] == 0.5
    assert q["Carl"]["flag"] is None  # too few decided appointments to judge

    f = {r["rep"]: r for r in report.tables["field_reps"].rows}
    assert pick(
        f["Fay"], "received", "accepted", "rejected", "held", "opportunity", "won", "no_outcome"
    ) == {
        "received": 4,
        "accepted": 3,
        "rejected": 1,
        "held": 2,
        "opportunity": 1,
        "won": 1,
        "no_outcome": 1,
    }
    assert (f["Fay"]["accept_rate"], f["Fay"]["held_rate"]) == (0.75, round(2 / 3, 4))
    assert pick(f["Gus"], "received", "accepted", "rejected", "held", "no_show") == {
        "received": 4,
        "accepted": 2,
        "rejected": 2,
        "held": 1,
        "no_show": 1,
    }

    # One rep shown, still judged against the whole team.
    only = reports.scorecard(store, ReportFilter(rep_id=ids["Ann"])).tables["qualifiers"].rows
    assert [r["rep"] for r in only] == ["Ann"]
    assert only[0]["flag"] == "rejected 60% vs team 0%"


def test_list_return(history: tuple[Store, dict[str, int]]) -> None:
    store, ids = history
    with store.write() as s:  # the event's own badge-scan list: shown as the event
        scans = CallList(name="Expo badge scans", source_kind="event", event_id=ids["expo"])
        s.add(scans)
        s.flush()
        s.add(ListMember(list_id=scans.id, contact_id=ids["c9"]))
    rows = {r["name"]: r for r in reports.list_return(store).main.rows}
    assert set(rows) == {"Vendor X", "Vendor Y", "Expo"}
    x, y, expo = rows["Vendor X"], rows["Vendor Y"], rows["Expo"]
    assert pick(x, "cost", "conversations", "grade_a", "held", "opportunity") == {
        "cost": Decimal("1000.00"),
        "conversations": 6,
        "grade_a": 3,
        "held": 2,
        "opportunity": 1,
    }
    assert pick(
        x, "cost_per_conversation", "cost_per_a_lead", "cost_per_held", "cost_per_opportunity"
    ) == {
        "cost_per_conversation": Decimal("166.67"),
        "cost_per_a_lead": Decimal("333.33"),
        "cost_per_held": Decimal("500.00"),
        "cost_per_opportunity": Decimal("1000.00"),
    }
    assert y["cost_per_conversation"] == Decimal("600.00")
    assert y["cost_per_a_lead"] is None and y["cost_per_held"] is None
    assert pick(
        expo, "cost_per_conversation", "cost_per_a_lead", "cost_per_held", "cost_per_opportunity"
    ) == {
        "cost_per_conversation": Decimal("225.00"),
        "cost_per_a_lead": Decimal("300.00"),
        "cost_per_held": Decimal("900.00"),
        "cost_per_opportunity": Decimal("900.00"),
    }


def test_best_hours(history: tuple[Store, dict[str, int]]) -> None:
    store, _ = history
    report = reports.best_hours(store)
    cells = {(r["weekday"], r["hour"]): (r["dials"], r["conversations"]) for r in report.main.rows}
    assert cells == {
        (0, 10): (2, 1),
        (0, 11): (1, 0),
        (0, 12): (2, 2),
        (0, 15): (1, 1),
        (1, 8): (1, 0),
        (1, 9): (1, 1),
        (1, 10): (2, 1),
        (1, 16): (1, 1),
        (2, 11): (1, 1),
        (3, 9): (1, 1),
        (5, 10): (1, 1),
    }  # a15 has no local time and is left out
    by_hour = {r["hour"]: r["connect_rate"] for r in report.tables["by_hour"].rows}
    assert by_hour == {8: 0.0, 9: 1.0, 10: 0.6, 11: 0.5, 12: 1.0, 15: 1.0, 16: 1.0}
    by_day = {
        r["weekday_name"]: (r["dials"], r["connect_rate"]) for r in report.tables["by_weekday"].rows
    }
    assert by_day == {
        "Mon": (6, round(4 / 6, 4)),
        "Tue": (5, 0.6),
        "Wed": (1, 1.0),
        "Thu": (1, 1.0),
        "Sat": (1, 1.0),
    }


def test_trend_by_week(history: tuple[Store, dict[str, int]]) -> None:
    store, _ = history
    rows = reports.trend(store).main.rows
    assert rows == [
        {
            "period": "2026-11-02",
            "dials": 14,
            "conversations": 9,
            "graded_a": 4,
            "booked": 7,
            "held": 2,
            "connect_rate": round(9 / 14, 4),
        },
        {
            "period": "2026-11-09",
            "dials": 1,
            "conversations": 1,
            "graded_a": 1,
            "booked": 1,
            "held": 1,
            "connect_rate": 1.0,
        },
    ]


def test_forgotten(history: tuple[Store, dict[str, int]]) -> None:
    store, ids = history
    report = reports.forgotten(store, as_of=AS_OF, opportunity_after=dt.timedelta(days=7))
    counts = {r["kind"]: r["count"] for r in report.tables["counts"].rows}
    assert counts == {"follow_up": 2, "callback": 2, "no_outcome": 1, "no_opportunity": 1}
    items = [(i["kind"], i["contact_id"], i["days_late"]) for i in report.main.rows]
    assert items == [
        ("follow_up", ids["c2"], 12),  # due 11-10 14:00
        ("follow_up", ids["c11"], 8),  # C, next eligible 11-14 16:00, no open callback
        ("callback", ids["c1"], 17),  # the rejection callback due 11-05 17:00
        ("callback", ids["c3"], 3),  # due 11-20 10:00
        ("no_outcome", ids["c10"], 14),  # p5 ended 11-09 11:00
        ("no_opportunity", ids["c4"], 10),  # p2 held 11-12, ended 16:00
    ]
    # The default wait before "never an opportunity" is 30 days: p2 is not late yet.
    default = reports.forgotten(store, as_of=AS_OF)
    assert {r["kind"]: r["count"] for r in default.tables["counts"].rows}["no_opportunity"] == 0

    ann = reports.forgotten(
        store, ReportFilter(rep_id=ids["Ann"]), as_of=AS_OF, opportunity_after=dt.timedelta(7)
    )
    assert [(i["kind"], i["contact_id"]) for i in ann.main.rows] == [
        ("follow_up", ids["c2"]),
        ("callback", ids["c1"]),
        ("no_opportunity", ids["c4"]),
    ]
    expo = reports.forgotten(store, ReportFilter(event_id=ids["expo"]), as_of=AS_OF)
    assert [(i["kind"], i["contact_id"]) for i in expo.main.rows] == [
        ("follow_up", ids["c11"]),
        ("no_outcome", ids["c10"]),
    ]


# --- command line ---------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(list(args))
    out = capsys.readouterr()
    data = json.loads(out.out) if "--json" in args and code == 0 else None
    return code, data, out.out + out.err


def test_cli_gives_the_same_figures(
    history: tuple[Store, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, ids = history
    db = ["--db", store.url]
    code, data, _ = run_cli(capsys, "report", "funnel", "--by", "list", "--json", *db)
    assert code == 0
    rows = {r["name"]: r for r in data["rows"]}
    assert pick(rows["Vendor X"], *FUNNEL_KEYS) == VENDOR_X
    assert pick(rows["Vendor Y"], *FUNNEL_KEYS) == VENDOR_Y

    code, data, _ = run_cli(capsys, "report", "funnel", "--event", "Expo", "--json", *db)
    assert pick(data["rows"][0], *FUNNEL_KEYS) == EXPO
    assert data["rows"][0]["reached_48h_share"] == 0.4

    code, data, _ = run_cli(
        capsys, "report", "funnel", "--rep", "Ben", "--from", "2026-11-03", "--to", "2026-11-04",
        "--json", *db,
    )  # fmt: skip
    assert (data["rows"][0]["dialled"], data["rows"][0]["reached"]) == (3, 2)

    code, data, _ = run_cli(capsys, "report", "scorecard", "--json", *db)
    ann = next(r for r in data["qualifiers"] if r["rep"] == "Ann")
    assert (ann["dials_per_hour"], ann["reject_rate"], ann["flag"]) == (
        1.25,
        0.6,
        "rejected 60% vs team 0%",
    )
    assert ann["rejection_reasons"] == {"not_decision_maker": 2, "no_budget": 1}

    code, data, _ = run_cli(capsys, "report", "lists", "--json", *db)
    x = next(r for r in data["rows"] if r["name"] == "Vendor X")
    assert (x["cost_per_conversation"], x["cost_per_held"]) == (166.67, 500.0)

    code, data, _ = run_cli(capsys, "report", "hours", "--json", *db)
    assert {(c["weekday"], c["hour"]): c["dials"] for c in data["cells"]}[(1, 10)] == 2

    code, data, _ = run_cli(
        capsys, "report", "forgotten", "--as-of", "2026-11-23T12:00:00+00:00", "--json", *db
    )
    assert [(i["kind"], i["contact_id"]) for i in data["items"]][:3] == [
        ("follow_up", ids["c2"]),
        ("follow_up", ids["c11"]),
        ("callback", ids["c1"]),
    ]

    code, _, text = run_cli(capsys, "report", "funnel", "--by", "list", *db)
    assert code == 0
    lines = {line.split("  ")[0].strip(): line.split() for line in text.splitlines()}
    assert lines["Contacts"][-2:] == ["5", "3"]  # Vendor X, Vendor Y side by side
    assert "Dialled %" in text and "100.0%" in text


def test_cli_errors(
    history: tuple[Store, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = history
    db = ["--db", store.url]
    code, _, text = run_cli(capsys, "report", "funnel", "--list", "Nope", "--json", *db)
    assert code == 2 and "no list named or numbered 'Nope'" in text
    code, _, text = run_cli(capsys, "report", "funnel", "--rep", "Zed", *db)
    assert code == 2 and "no rep named 'Zed'" in text
    code, _, text = run_cli(capsys, "report", "funnel", "--from", "2026-13-01", *db)
    assert code == 2 and "not a date" in text
    code, _, text = run_cli(
        capsys, "report", "funnel", "--from", "2026-11-05", "--to", "2026-11-01", *db
    )
    assert code == 2 and "--from is after --to" in text


def test_cli_costs(
    history: tuple[Store, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, ids = history
    db = ["--db", store.url]
    code, data, _ = run_cli(capsys, "lists", "set-cost", "Vendor Y", "1,234.5", "--json", *db)
    assert code == 0 and data["cost"] == 1234.5
    code, data, _ = run_cli(capsys, "events", "set-cost", str(ids["expo"]), "none", "--json", *db)
    assert code == 0 and data["cost"] is None
    code, _, text = run_cli(capsys, "lists", "set-cost", "Vendor Y", "-5", *db)
    assert code == 2 and "not an amount" in text
    code, data, _ = run_cli(capsys, "lists", "list", "--json", *db)
    by_name = {r["name"]: r for r in data["lists"]}
    assert (by_name["Vendor Y"]["contacts"], by_name["Vendor Y"]["cost"]) == (3, 1234.5)
    rows = {r["name"]: r for r in reports.list_return(store).main.rows}
    assert rows["Vendor Y"]["cost_per_conversation"] == Decimal("1234.50")
    assert rows["Expo"]["cost"] is None and rows["Expo"]["cost_per_held"] is None
    with store.session() as s:
        assert s.get(Event, ids["expo"]).cost is None  # type: ignore[union-attr]


# --- export ---------------------------------------------------------------------------------


def test_export_neutralises_formulas(
    history: tuple[Store, dict[str, int]], capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    store, ids = history
    with store.write() as s:
        s.get(CallList, ids["y"]).name = '=HYPERLINK("http://x.test","click")'  # type: ignore[union-attr]
        s.get(Rep, ids["Ben"]).name = "@SUM(1+1)"  # type: ignore[union-attr]
    out = tmp_path / "lists.csv"
    code, data, _ = run_cli(
        capsys, "report", "lists", "--out", str(out), "--json", "--db", store.url
    )
    assert code == 0 and data["files"] == [str(out)]
    with open(out, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0][:3] == ["Kind", "List or event", "Cost"]
    names = [row[1] for row in table[1:]]
    assert '\'=HYPERLINK("http://x.test","click")' in names
    assert all(not n.startswith(("=", "+", "-", "@")) for n in names)

    xlsx = tmp_path / "score.xlsx"
    files = reports.export_report(reports.scorecard(store), xlsx)
    assert files == [xlsx]
    from openpyxl import load_workbook

    book = load_workbook(xlsx)
    assert book.sheetnames == ["qualifiers", "field_reps"]
    sheet = book["qualifiers"]
    header = [c.value for c in sheet[1]]
    values = {
        row[0]: dict(zip(header, row, strict=True))
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert "'@SUM(1+1)" in values and values["Ann"]["Dials"] == 5
    assert values["Ann"]["Rejection reasons"] == "not_decision_maker: 2; no_budget: 1"

    csv_files = reports.export_report(reports.scorecard(store), tmp_path / "score.csv")
    assert [f.name for f in csv_files] == ["score.csv", "score-field_reps.csv"]
    with pytest.raises(ValueError, match="export to .csv or .xlsx"):
        reports.export_report(reports.scorecard(store), tmp_path / "score.pdf")


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+1 555", "'+1 555"),
        ("-3", "-3"),  # a plain number is not a formula (one rule with the exports)
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Acme = best", "Acme = best"),
    ],
)
def test_neutralise(text: str, safe: str) -> None:
    assert reports.neutralise(text) == safe


def test_empty_store_reports(store: Store) -> None:
    (row,) = reports.funnel(store).main.rows
    assert row["contacts"] == 0 and row["dial_rate"] is None
    assert reports.scorecard(store).tables["qualifiers"].rows == []
    assert reports.best_hours(store).main.rows == []
    assert reports.list_return(store).main.rows == []
    counts = reports.forgotten(store, as_of=AS_OF).tables["counts"].rows
    assert [c["count"] for c in counts] == [0, 0, 0, 0]
