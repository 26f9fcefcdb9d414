"""Campaigns: rules validated on save, contacts placed under their best active campaign."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from test_queue_helpers import make_contact, make_list

from calldesk import campaigns, dispositions
from calldesk.models import Contact, Event, EventEngagement
from calldesk.store import Store


def test_queue_rank_orders_tier_priority_engagement_deadline() -> None:
    rank = campaigns.queue_rank
    assert rank(1, 0) < rank(2, 99)  # any event sprint before any list
    assert rank(2, 5) < rank(2, 1) < rank(2, -3)  # higher priority first
    soon, late = dt.date(2026, 12, 1), dt.date(2027, 1, 15)
    assert rank(1, 0, 90, late) < rank(1, 0, 10, soon)  # hotter first, across sprints too
    assert rank(1, 0, 50, soon) < rank(1, 0, 50, late)  # then the sooner deadline
    assert rank(1, 3, 0, late) < rank(1, 0, 90, soon)  # a campaign's priority before heat
    assert rank(1, 0, 9_999, dt.date(2299, 1, 1)) > rank(1, 0, 9_999, dt.date(2100, 1, 1))
    assert rank(1, 0, 0, None) > rank(1, 0, 0, late)  # no deadline last among sprints
    assert rank(2, 0) == Contact.__table__.c.queue_rank.default.arg  # the model's default


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"retry": {"no_such": 5}}, "unknown disposition"),
        ({"retry": {"busy": -1}}, "retry.busy"),
        ({"hours": ["25:00", "17:00"]}, "."),
        ({"days": ["funday"]}, "funday"),
        ({"colour": "red"}, "unknown rule"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(sqlite_store: Store, rules, message) -> None:
    with sqlite_store.write() as session, pytest.raises(campaigns.CampaignError, match=message):
        campaigns.create_campaign(session, "Bad", rules=rules)


def test_contacts_go_to_their_best_active_campaign(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.write() as session:
        both = make_contact(session, "NY")
        only_list = make_contact(session, "NY")
        event = Event(name="Expo", kind="trade_show", follow_up_deadline=dt.date(2026, 12, 4))
        session.add(event)
        session.flush()
        session.add(EventEngagement(event_id=event.id, contact_id=both.id, score=80))
        purchased = make_list(session, "purchased", [both, only_list])
        fall = campaigns.create_campaign(session, "Fall", priority=3, list_ids=[purchased.id])
        assert (both.campaign_id, only_list.campaign_id) == (fall.id, fall.id)
        sprint = campaigns.create_campaign(
            session,
            "Expo sprint",
            kind="event_sprint",
            event_id=event.id,
            deadline=event.follow_up_deadline,
        )
        session.refresh(both)
        session.refresh(only_list)
        assert both.campaign_id == sprint.id and both.tier == 1 and both.engagement == 80
        assert both.queue_rank == campaigns.queue_rank(1, 0, 80, dt.date(2026, 12, 4))
        assert only_list.campaign_id == fall.id
        assert only_list.queue_rank == campaigns.queue_rank(2, 3)
        campaigns.update_campaign(session, sprint.id, active=False)
        session.refresh(both)
        assert both.campaign_id == fall.id and both.tier == 2
        campaigns.remove_list(session, fall.id, purchased.id)
        session.refresh(only_list)
        assert only_list.campaign_id is None  # back to the default campaign
        shown = campaigns.campaign_dict(session, fall, counts=True)
        assert shown["counts"]["contacts"] == 0 and shown["list_ids"] == []


def test_shipped_dispositions_are_valid_and_checked() -> None:
    rules = {r.code: r for r in dispositions.load_defaults()}
    assert set(dispositions.DEFAULT_CODES) <= set(rules)
    assert rules["bad_number"].retry_minutes is None and rules["bad_number"].final
    assert rules["callback"].requires_callback
    assert rules["gatekeeper"].retry_rule == "next_business_day"
    with pytest.raises(dispositions.DispositionError, match="retry_rule"):
        dispositions.validate([{"code": "x", "label": "X", "retry_rule": "someday"}])
    with pytest.raises(dispositions.DispositionError, match="hotkey F1 is already a"):
        dispositions.validate(
            [
                {"code": "a", "label": "A", "hotkey": "F1"},
                {"code": "b", "label": "B", "hotkey": "F1"},
            ]
        )
    with pytest.raises(dispositions.DispositionError, match="missing: busy"):
        text = yaml.safe_dump([{"code": "no_answer", "label": "No answer"}])
        dispositions.validate(yaml.safe_load(text))
