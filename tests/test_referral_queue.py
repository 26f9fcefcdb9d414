"""A decision maker captured from a wrong-person call at a sprint is called right after the
sprint's hot contacts, not behind the purchased list."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from test_ui_sprints import AT, import_show

from calldesk import campaigns
from calldesk.handoff import capture_referral
from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.models import Contact, EventEngagement
from calldesk.store import Store

PURCHASED = """First Name,Last Name,Company,Phone,State
Zoe,Marsh,Pine Labs,+1 212 555 0111,NY
Yan,Cho,Elm Works,+1 212 555 0122,NY
"""


def test_a_referral_from_the_booth_comes_right_after_the_hot_contacts(
    store: Store, tmp_path: Path
) -> None:
    event_id, sprint_id, _rep_id = import_show(store, tmp_path)
    vendor = tmp_path / "vendor.csv"
    vendor.write_text(PURCHASED, encoding="utf-8")
    assert import_file(store, vendor, ImportOptions(list_name="Vendor X")).imported == 2
    with store.write() as s:
        dev = s.scalar(select(Contact).where(Contact.first_name == "Dev"))  # cold, wrong person
        dana = capture_referral(
            s,
            dev,
            {
                "first_name": "Dana",
                "last_name": "Cole",
                "title": "VP Operations",
                "phone": "+1 212 555 0188",
            },
            at=AT,
        )
        dana_id = dana.id
    with store.session() as s:
        order = list(s.scalars(select(Contact.first_name).order_by(Contact.queue_rank, Contact.id)))
        dana = s.get(Contact, dana_id)
        assert dana.campaign_id == sprint_id and dana.callable
        assert s.scalar(
            select(EventEngagement.id).where(
                EventEngagement.contact_id == dana_id, EventEngagement.event_id == event_id
            )
        )
    assert order == ["Ava", "Ben", "Dana", "Cara", "Dev", "Zoe", "Yan"]

    # Campaigns re-applied (a manager edits one): she keeps her place in the sprint
    with store.write() as s:
        campaigns.assign_contacts(s)
    with store.session() as s:
        again = list(s.scalars(select(Contact.first_name).order_by(Contact.queue_rank, Contact.id)))
    assert again == order
