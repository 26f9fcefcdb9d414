"""Script text as the rep reads it aloud: merge fields filled, defaults used, no syntax left."""

from __future__ import annotations

import datetime as dt

from calldesk.models import Company, Contact, Event, EventEngagement
from calldesk.scripts.library import get_script, install_defaults
from calldesk.scripts.merge import merge_values, speakable
from calldesk.scripts.runner import personalise
from calldesk.store import Store


def test_empty_fields_leave_no_stray_commas_or_spaces() -> None:
    closing = "Thanks again for visiting us at {event_name|the show}, {first_name|}. I'll confirm."
    assert speakable(closing, {}) == "Thanks again for visiting us at the show. I'll confirm."
    assert speakable(closing, {"event_name": "Expo East", "first_name": "Ava"}) == (
        "Thanks again for visiting us at Expo East, Ava. I'll confirm."
    )
    assert speakable("Thank you {first_name|}, I'll send a note.", {}) == (
        "Thank you, I'll send a note."
    )
    # a field with no fallback still shows the gap, and literal braces stay literal
    assert speakable("Hi {first_name}! {{x}}", {}) == "Hi [first_name]! {x}"


def _contact_at_booth_and_webinar(store: Store) -> int:
    with store.write() as s:
        install_defaults(s)
        company = Company(name="Harbor Events", name_key="harbor events")
        s.add(company)
        s.flush()
        ava = Contact(first_name="Ava", last_name="Stone", company_id=company.id)
        s.add(ava)
        booth = Event(name="Expo East 2026", kind="trade_show", event_date=dt.date(2026, 11, 20))
        # the webinar came later: the most recent event is not what the rep can speak to
        webinar = Event(name="Data webinar", kind="webinar", event_date=dt.date(2026, 11, 22))
        s.add_all([booth, webinar])
        s.flush()
        s.add_all(
            [
                EventEngagement(
                    event_id=booth.id,
                    contact_id=ava.id,
                    rating="hot",
                    booth_notes="wants a demo of the API",
                ),
                EventEngagement(event_id=webinar.id, contact_id=ava.id, attended=True),
            ]
        )
        return ava.id


def test_the_opener_names_the_booth_with_its_notes_and_nothing_is_raw(store: Store) -> None:
    contact_id = _contact_at_booth_and_webinar(store)
    with store.session() as s:
        values = merge_values(s, s.get(Contact, contact_id))
        assert values["event_name"] == "Expo East 2026"
        assert values["booth_notes"] == "wants a demo of the API"
        script = personalise(get_script(s, "trade_show"), values)
    assert "Expo East 2026" in script.opener and "wants a demo of the API" in script.opener
    assert "Thanks again for visiting us at Expo East 2026, Ava." in script.closing
    texts = [script.opener, script.closing]
    texts += [q.prompt for q in script.questions] + [q.help or "" for q in script.questions]
    texts += [o.response for o in script.objections]
    assert not [t for t in texts if "{" in t or "}" in t]
    assert any("Harbor Events" in q.prompt for q in script.questions)
    # the same questions and version: answers are graded against the same script
    with store.session() as s:
        original = get_script(s, "trade_show")
    assert [q.id for q in script.questions] == [q.id for q in original.questions]
    assert script.sha256 == original.sha256


def test_every_shipped_script_renders_without_merge_syntax_for_a_bare_contact(
    store: Store,
) -> None:
    with store.write() as s:
        install_defaults(s)
        bare = Contact()
        s.add(bare)
        s.flush()
        values = merge_values(s, bare)
        for key in ("trade_show", "bant", "open_territory", "whitepaper"):
            script = personalise(get_script(s, key), values)
            for text in [script.closing, *(q.prompt for q in script.questions)]:
                assert "|" not in text and "{" not in text, (key, text)
