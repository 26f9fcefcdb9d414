"""The calling desk driven like a rep drives it: by keyboard only, on a real SQLite store.

The store is built with the core's own functions (reps, campaigns, scripts); contacts are
written with the models, as the importer would leave them (phones normalised, locale known).
Time comes from an injectable clock so the contacts' calling windows are open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from sqlalchemy import select

from calldesk import reps as reps_mod
from calldesk import settings as preferences
from calldesk.locale import Locale
from calldesk.models import (
    Appointment,
    Attempt,
    Callback,
    CallList,
    Claim,
    Company,
    Contact,
    DncEntry,
    Email,
    Event,
    EventEngagement,
    ListMember,
    Phone,
)
from calldesk.scripts import library
from calldesk.store import Store
from ui.context import AppContext
from ui.desk.view import DeskView
from ui.worker import Background

# Tuesday 24 November 2026, 15:00 UTC: 10:00 in New York, 09:00 in Chicago.
START = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
NY = "America/New_York"


class Clock:
    """The desk's clock, moved by the test."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class Softphone(QObject):
    """Answers tel: links as a softphone would (QDesktopServices' handler mechanism)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def dial(self, url: QUrl) -> None:
        self.urls.append(url.toString())


def add_contact(
    session,
    first: str,
    last: str,
    number: str,
    *,
    company: Company | None = None,
    title: str | None = "Event Planner",
    state: str = "NY",
    zone: str = NY,
    email: str | None = None,
    shared: bool = False,
) -> Contact:
    contact = Contact(
        first_name=first,
        last_name=last,
        title=title,
        company=company,
        state=state,
        country="US",
        locale_key=Locale("US", (state,), (zone,)).key,
        created_at=START - dt.timedelta(days=3),
    )
    contact.phones.append(
        Phone(
            position=0,
            label="work",
            raw=number,
            e164=number,
            number_type="FIXED_LINE",
            region="US",
            time_zones=zone,
            valid=True,
            shared=shared,
        )
    )
    if email:
        contact.emails.append(Email(address=email, address_key=email.lower()))
    session.add(contact)
    session.flush()
    return contact


def build_store(store: Store) -> dict[str, int]:
    """A small demo-like store: a qualifier, two field reps, a list and an event."""
    ids: dict[str, int] = {}
    with store.write() as session:
        library.install_defaults(session)
        ids["rep"] = reps_mod.add_rep(session, "Dana Reyes", time_zone="America/Chicago").id
        ids["field"] = reps_mod.add_rep(
            session, "Frank Field", role="field", time_zone=NY, territory="US-NY"
        ).id
        acme = Company(name="Acme <b>Events</b>", name_key="acme events", state="NY", country="US")
        summit = Company(name="Summit Meetings", name_key="summit meetings", country="US")
        session.add_all([acme, summit])
        purchased = CallList(name="Vendor X planners", source_kind="purchased")
        session.add(purchased)
        session.flush()
        people = [
            ("rich", "<b>x</b>", "Lopez", "+12125550101", acme, "x@acme.example"),
            ("noans", "Maria", "Chen", "+12125550102", summit, None),
            ("busy", "James", "Patel", "+12125550103", summit, None),
            ("vm", "Priya", "Okafor", "+12125550104", summit, None),
            ("dnc", "Ahmed", "Nguyen", "+12125550105", acme, None),
            ("gate", "Olivia", "Schmidt", "+12125550106", summit, None),
            ("qual", "Noah", "Tremblay", "+12125550107", summit, None),
            ("wrong", "Chloe", "Gagnon", "+12125550108", summit, None),
        ]
        for rank, (key, first, last, number, company, email) in enumerate(people):
            contact = add_contact(
                session, first, last, number, company=company, email=email, shared=key == "dnc"
            )
            contact.queue_rank = 2_000_000_000_000_000 + rank  # this order, for the test
            session.add(ListMember(list_id=purchased.id, contact_id=contact.id, source_row=rank))
            ids[key] = contact.id
        # A colleague who answers on the number the DNC contact will refuse: the number must
        # never come back, whoever it is listed under.
        twin = add_contact(
            session, "Ahmad", "Nguyen-Shared", "+12125550105", company=acme, shared=True
        )
        twin.queue_rank = 2_000_000_000_000_000 + 99
        ids["dnc_twin"] = twin.id
        show = Event(name="IMEX America", kind="trade_show", event_date=dt.date(2026, 10, 14))
        session.add(show)
        session.flush()
        session.add(
            EventEngagement(
                event_id=show.id,
                contact_id=ids["rich"],
                rating="hot",
                booth_notes="Asked about <i>pricing</i> for 300 seats",
            )
        )
    return ids


@pytest.fixture
def desk_env(sqlite_store: Store, qtbot) -> Iterator[tuple[DeskView, Store, Clock, Softphone]]:
    yield from _desk_env(sqlite_store, qtbot)


@pytest.fixture
def any_desk_env(store: Store, qtbot) -> Iterator[tuple[DeskView, Store, Clock, Softphone]]:
    """The desk on a SQLite file and on a PostgreSQL database (a team's shared queue)."""
    yield from _desk_env(store, qtbot)


def _desk_env(sqlite_store: Store, qtbot) -> Iterator[tuple[DeskView, Store, Clock, Softphone]]:
    ids = build_store(sqlite_store)
    preferences.save(rep_name="Dana Reyes")
    clock = Clock(START)
    phone = Softphone()
    QDesktopServices.setUrlHandler("tel", phone, "dial")
    ctx = AppContext(sqlite_store, Background(synchronous=True))
    view = DeskView(ctx, clock=clock)
    view.ids = ids  # type: ignore[attr-defined]
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    yield view, sqlite_store, clock, phone
    QDesktopServices.unsetUrlHandler("tel")
    view.shutdown()


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key as the rep presses it: to whatever has the focus."""
    target: QWidget | None = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def type_text(qtbot, text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClicks(target, text)


def on_card(view: DeskView) -> int | None:
    lead = view.controller.lead
    return lead.contact_id if lead else None


def attempts(store: Store, contact_id: int) -> list[Attempt]:
    with store.session() as session:
        return list(
            session.scalars(
                select(Attempt).where(Attempt.contact_id == contact_id).order_by(Attempt.id)
            )
        )


def test_start_shows_the_first_card_with_plain_text_and_live_clock(desk_env, qtbot) -> None:
    view, store, clock, _phone = desk_env
    assert view.session.rep.currentText() == "Dana Reyes"  # remembered
    press(qtbot, Qt.Key.Key_Return)
    assert on_card(view) == view.ids["rich"]
    # user-supplied text is shown character for character
    assert view.card.name.text() == "<b>x</b> Lopez"
    assert view.card.name.textFormat() == Qt.TextFormat.PlainText
    assert "Acme <b>Events</b>" in view.card.title_company.text()
    assert "Asked about <i>pricing</i>" in view.card.sources.text()
    assert "x@acme.example" in view.card.email.text()
    assert "10:00:00" in view.card.clock.text() and "America/New_York" in view.card.clock.text()
    assert view.card.rule.text().startswith("Allowed until 21:00 their time: US federal")
    clock.advance(seconds=61)
    qtbot.waitUntil(lambda: "10:01:01" in view.card.clock.text(), timeout=3000)
    # same company, one click away
    names = [view.card.colleagues.item(i).text() for i in range(view.card.colleagues.count())]
    assert any("Ahmed Nguyen" in n for n in names)
    with store.session() as session:
        claim = session.scalar(select(Claim).where(Claim.released_at.is_(None)))
        assert claim is not None and claim.contact_id == view.ids["rich"]


def test_a_whole_shift_by_keyboard(any_desk_env, qtbot) -> None:
    view, store, clock, phone = any_desk_env
    ids = view.ids
    seen: list[int] = []
    view.controller.card_changed.connect(lambda lead: lead and seen.append(lead.contact_id))
    press(qtbot, Qt.Key.Key_Return)  # start calling
    assert on_card(view) == ids["rich"]

    # --- a prospect answers: the script to grade A, then the meeting booked -----------------
    press(qtbot, Qt.Key.Key_F10)  # one key dials
    assert phone.urls == ["tel:+12125550101"]
    for digit in ("1", "1", "1", "1"):  # decides, actively looking, within 3 months, approved
        press(qtbot, digit)
        press(qtbot, Qt.Key.Key_Return)
    assert view.script.runner.current.id == "budget_amount"
    type_text(qtbot, "50k")
    press(qtbot, Qt.Key.Key_Return)
    # need and timeline, no meeting question yet: A or B, so no grade is claimed
    assert view.script.heading.text().startswith("Heading to: not decided yet")
    press(qtbot, Qt.Key.Key_Backspace)  # back to the amount: it is still there
    assert view.script.runner.current.id == "budget_amount"
    assert QApplication.focusWidget().text() == "50000"
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, "1")  # wants a meeting: yes
    press(qtbot, Qt.Key.Key_Return)
    assert "Heading to A (meet now)" in view.script.heading.text()
    type_text(qtbot, "Uses spreadsheets today")
    press(qtbot, Qt.Key.Key_Return)
    assert view.script.runner.finished
    assert view.script.heading.text().startswith("Grade A (meet now)")
    press(qtbot, Qt.Key.Key_F9)  # qualified: grade A opens the booking
    assert view.booking.isVisible()
    assert view.booking.field_rep.currentText() == "Frank Field"
    press(qtbot, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)  # Lin&k
    type_text(qtbot, "https://meet.example/acme")
    press(qtbot, Qt.Key.Key_Return)
    assert on_card(view) == ids["noans"]
    with store.session() as session:
        appointment = session.scalar(select(Appointment))
        assert appointment is not None
        assert appointment.contact_id == ids["rich"]
        assert appointment.field_rep_id == ids["field"]
        assert appointment.qualifier_id == ids["rep"]
        assert appointment.meeting_link == "https://meet.example/acme"
        assert appointment.starts_at > START
        rich = session.get(Contact, ids["rich"])
        assert (rich.grade, rich.stage) == ("A", "appointment")
    (graded,) = attempts(store, ids["rich"])
    assert graded.disposition == "qualified" and graded.grade == "A"
    assert graded.number_dialled == "+12125550101"
    assert graded.answers["budget_amount"] == 50000
    assert graded.answers["wants_meeting"] is True

    # --- no answer, busy, voicemail: one key each, the next card is already there -----------
    press(qtbot, Qt.Key.Key_F10)
    press(qtbot, Qt.Key.Key_F1)
    assert on_card(view) == ids["busy"]
    press(qtbot, Qt.Key.Key_F2)
    assert on_card(view) == ids["vm"]
    assert view.session.status.text().endswith("saved: Busy (James Patel)")
    press(qtbot, Qt.Key.Key_F3)
    assert on_card(view) == ids["dnc"]
    (no_answer,) = attempts(store, ids["noans"])
    assert no_answer.disposition == "no_answer"
    assert no_answer.number_dialled == "+12125550102"
    assert [a.disposition for a in attempts(store, ids["busy"])] == ["busy"]
    assert [a.disposition for a in attempts(store, ids["vm"])] == ["voicemail"]
    with store.session() as session:
        retry = session.get(Contact, ids["noans"]).next_eligible_at
        assert retry is not None and retry > START

    # --- "never call me again" ------------------------------------------------------------
    phone_lines = [label.text() for label in view.card.phones_box.findChildren(QLabel)]
    assert any("also answers: Ahmad Nguyen-Shared" in text for text in phone_lines), phone_lines
    press(qtbot, Qt.Key.Key_F12)
    assert on_card(view) == ids["gate"]
    with store.session() as session:
        assert session.scalar(select(DncEntry.e164)) == "+12125550105"
        assert session.get(Contact, ids["dnc"]).callable is False

    # --- a gatekeeper: call back at 11:00 their time ---------------------------------------
    press(qtbot, Qt.Key.Key_F8)
    assert view.bar.form.isVisible() and view.bar.picker.isVisible()
    assert QApplication.focusWidget() is view.bar.picker.edit
    assert "America/New_York" in view.bar.picker.their_label.text()
    assert "Tue 2026-11-24 10:00 your time" in view.bar.picker.rep_clock.text()
    assert view.bar.picker.edit.text() == "Tue 2026-11-24 11:00"
    press(qtbot, Qt.Key.Key_Return)  # save and next
    assert on_card(view) == ids["qual"]
    with store.session() as session:
        callback = session.scalar(select(Callback).where(Callback.kind == "callback"))
        assert callback.contact_id == ids["gate"]
        assert callback.due_at == dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)
        assert callback.rep_id == ids["rep"] and callback.personal

    # --- the wrong person names the right one, through the script ---------------------------
    press(qtbot, "3")  # no, that's someone else
    press(qtbot, Qt.Key.Key_Return)
    assert view.script.runner.current.kind == "contact"
    type_text(qtbot, "Sofia")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "Silva")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "Director of Events")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "212-555-0150")
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # skip the notes
    press(qtbot, Qt.Key.Key_F6)
    with store.session() as session:
        sofia = session.scalar(select(Contact).where(Contact.referred_by_id == ids["qual"]))
        assert sofia is not None and sofia.full_name == "Sofia Silva"
        assert sofia.title == "Director of Events"
    # she is ready to call at once, and her card says who sent us
    assert on_card(view) == sofia.id
    assert view.card.referred.text() == "Referred by Noah Tremblay"
    press(qtbot, Qt.Key.Key_F1)
    assert on_card(view) == ids["wrong"]

    # --- and by hand, without the script (Ctrl+R) -------------------------------------------
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert view.referral.isVisible()
    type_text(qtbot, "Liam")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "Roy")
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "(212) 555-0151")
    press(qtbot, Qt.Key.Key_Return)
    with store.session() as session:
        referred = {
            c.full_name: c
            for c in session.scalars(select(Contact).where(Contact.referred_by_id.is_not(None)))
        }
        assert set(referred) == {"Sofia Silva", "Liam Roy"}
        assert referred["Sofia Silva"].referred_by_id == ids["qual"]
        assert referred["Liam Roy"].referred_by_id == ids["wrong"]
        assert {c.company_id for c in referred.values()} == {
            session.get(Contact, ids["qual"]).company_id
        }
    assert [a.disposition for a in attempts(store, ids["wrong"])] == ["wrong_person"]
    assert attempts(store, ids["wrong"])[0].notes == "Referred to Liam Roy"
    assert on_card(view) == referred["Liam Roy"].id
    press(qtbot, Qt.Key.Key_F1)

    # --- the DNC number never comes back, under anyone's name --------------------------------
    assert on_card(view) is None
    assert "Nothing to call now" in view.card.rule.text()
    assert seen.count(ids["dnc"]) == 1 and ids["dnc_twin"] not in seen
    with store.session() as session:
        assert session.get(Contact, ids["dnc_twin"]).callable is False

    # --- 11:00 their time: the callback comes due, with a notification, and is offered -------
    clock.now = dt.datetime(2026, 11, 24, 16, 0, 30, tzinfo=dt.UTC)
    qtbot.waitUntil(lambda: on_card(view) == ids["gate"], timeout=5000)
    assert view.queue.banner.isVisible()
    assert "Olivia Schmidt" in view.queue.banner_text.text()
    assert "your callback" in view.card.why.text()
    # "why am I calling again?": the history says, with the notes and the number dialled
    last = view.card.history.topLevelItem(0)
    assert last.text(1) == "Callback requested" and last.text(2) == "+12125550106"
    press(qtbot, Qt.Key.Key_F1)
    with store.session() as session:
        assert session.get(Callback, callback.id).status == "done"

    # --- today's counters, from the store ------------------------------------------------------
    qtbot.waitUntil(lambda: "Dials 11" in view.queue.counters.text(), timeout=3000)
    assert "A 1" in view.queue.counters.text()
    assert "Appointments 1" in view.queue.counters.text()


def test_a_typed_number_inside_the_rules_is_dialled_at_once(desk_env, qtbot) -> None:
    view, store, _clock, phone = desk_env
    press(qtbot, Qt.Key.Key_Return)
    assert on_card(view) == view.ids["rich"]
    press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is view.session.dial_box
    type_text(qtbot, "(212) 555-0188")
    press(qtbot, Qt.Key.Key_Return)
    assert phone.urls == ["tel:+12125550188"]
    assert not view.manual.isVisible()
    press(qtbot, Qt.Key.Key_F1)
    (attempt,) = attempts(store, view.ids["rich"])
    assert attempt.manual is True and attempt.number_dialled == "+12125550188"
    assert attempt.override_by is None


def test_help_overlay_lists_every_shortcut(desk_env, qtbot) -> None:
    view, _store, _clock, _phone = desk_env
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, "?")
    assert view.help.isVisible()
    rows = dict(view.help.rows)
    assert rows["F1"] == "No answer" and rows["F12"] == "Do not call"
    assert rows["F10"] == "Dial (the number the queue chose)"
    assert "? or Shift+F1" in rows  # F1 belongs to "no answer" in the default table
    assert QApplication.focusWidget() is view.help
    press(qtbot, Qt.Key.Key_Space)
    assert not view.help.isVisible()
    assert attempts(view.ctx.store, view.ids["rich"]) == []  # closing the help recorded nothing


def test_pause_gives_the_card_back_and_closing_releases_the_claim(desk_env, qtbot) -> None:
    view, store, clock, _phone = desk_env
    press(qtbot, Qt.Key.Key_Return)
    first = on_card(view)

    def holder() -> int | None:
        with store.session() as session:
            return session.get(Contact, first).claimed_by_id

    assert holder() == view.ids["rep"]
    # the claim is renewed while the card stays open
    clock.advance(minutes=12)
    view.controller.renew_timer.timeout.emit()
    with store.session() as session:
        contact = session.get(Contact, first)
        assert contact.claim_expires_at == clock.now + dt.timedelta(minutes=15)
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert on_card(view) is None and holder() is None
    assert "Paused" in view.session.status.text()
    assert not view.bar.buttons["no_answer"].isEnabled()
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert on_card(view) == first and holder() == view.ids["rep"]
    view.shutdown()
    assert holder() is None
    with store.session() as session:
        assert session.scalar(select(Claim).where(Claim.released_at.is_(None))) is None


def test_qualified_needs_a_finished_script_and_a_booking_conflict_is_refused(
    desk_env, qtbot
) -> None:
    view, store, clock, _phone = desk_env
    with store.write() as session:  # Frank is busy tomorrow at 16:00 UTC
        session.add(
            Appointment(
                uid="busy@test",
                contact_id=view.ids["busy"],
                field_rep_id=view.ids["field"],
                starts_at=START + dt.timedelta(days=1, hours=1),
                ends_at=START + dt.timedelta(days=1, hours=2),
            )
        )
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_F9)
    assert "Finish the script first" in view.message.text()
    assert not view.booking.isVisible()
    for key in ("1", "1", "1", "3"):  # decides, looking, now, no budget
        press(qtbot, key)
        press(qtbot, Qt.Key.Key_Return)
    press(qtbot, "y")
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # no notes
    press(qtbot, Qt.Key.Key_F9)
    assert view.booking.isVisible()
    # Frank's taken hour is not among his free slots, and typed in anyway it is refused
    slots = [view.booking.slots.item(i).text() for i in range(view.booking.slots.count())]
    assert "Wed 25 11:00" not in slots and "Wed 25 12:00" in slots, slots
    view.booking.when.set_value(START + dt.timedelta(days=1, hours=1))
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # &Place
    type_text(qtbot, "Their office, 5th floor")
    press(qtbot, Qt.Key.Key_Return)
    assert "already has a meeting" in view.booking.error.text(), view.booking.error.text()
    assert on_card(view) == view.ids["rich"]  # nothing saved, the card stays
    assert attempts(store, view.ids["rich"]) == []
    # an hour later is free
    view.booking.when.set_value(START + dt.timedelta(days=1, hours=3))
    press(qtbot, Qt.Key.Key_Return)
    assert on_card(view) == view.ids["noans"]
    with store.session() as session:
        booked = session.scalar(select(Appointment).where(Appointment.uid != "busy@test"))
        assert booked.location == "Their office, 5th floor"
        assert booked.starts_at == START + dt.timedelta(days=1, hours=3)


def test_a_colleague_is_one_click_away(desk_env, qtbot) -> None:
    view, _store, _clock, _phone = desk_env
    press(qtbot, Qt.Key.Key_Return)
    colleagues = view.card.colleagues
    row = next(i for i in range(colleagues.count()) if "Ahmed Nguyen" in colleagues.item(i).text())
    rect = colleagues.visualItemRect(colleagues.item(row))
    qtbot.mouseClick(colleagues.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(view.peek.isVisible, timeout=3000)
    assert view.peek.card.name.text() == "Ahmed Nguyen"
    assert on_card(view) == view.ids["rich"]  # the lead on the desk is untouched
    view.peek.close()


def test_the_splitter_layout_is_remembered(sqlite_store, qtbot) -> None:
    build_store(sqlite_store)
    ctx = AppContext(sqlite_store, Background(synchronous=True))
    first = DeskView(ctx, clock=Clock(START))
    qtbot.addWidget(first)
    first.resize(1280, 800)
    first.show()
    first.splitter.setSizes([700, 400, 160])
    sizes = first.splitter.sizes()
    first.shutdown()
    second = DeskView(ctx, clock=Clock(START))
    qtbot.addWidget(second)
    second.resize(1280, 800)
    second.show()
    assert second.splitter.sizes() == sizes
    second.shutdown()


def test_recording_runs_off_the_ui_thread(sqlite_store, qtbot) -> None:
    build_store(sqlite_store)
    preferences.save(rep_name="Dana Reyes")
    ctx = AppContext(sqlite_store, Background())
    view = DeskView(ctx, clock=Clock(START))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.session.rep.count() > 0, timeout=5000)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.session.start, timeout=3000)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: on_card(view) is not None, timeout=5000)
    first = on_card(view)
    press(qtbot, Qt.Key.Key_F1)
    assert view.controller.busy  # the keystroke returned before the store was written
    press(qtbot, Qt.Key.Key_F1)  # a second press while saving is ignored, not doubled
    qtbot.waitUntil(lambda: on_card(view) not in (None, first), timeout=5000)
    assert len(attempts(sqlite_store, first)) == 1
    view.shutdown()
    assert ctx.background.wait(5000)


def test_the_main_window_hosts_the_desk_and_closing_releases_the_claim(sqlite_store, qtbot) -> None:
    from ui.main_window import MainWindow

    ids = build_store(sqlite_store)
    preferences.save(rep_name="Dana Reyes")
    ctx = AppContext(sqlite_store, Background(synchronous=True))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    desk = window.screens["desk"]
    assert isinstance(desk, DeskView)
    desk.controller.clock = lambda: START  # the real clock may be outside calling hours
    window.show()
    window.show_screen("desk")
    desk.controller.start(ids["rep"], "Dana Reyes", 0)
    assert on_card(desk) == ids["rich"]
    window.close()
    with sqlite_store.session() as session:
        assert session.get(Contact, ids["rich"]).claimed_by_id is None
        assert session.scalar(select(Claim).where(Claim.released_at.is_(None))) is None


def test_a_team_disposition_with_required_notes_is_asked_inline(sqlite_store, qtbot) -> None:
    from calldesk.models import Disposition

    build_store(sqlite_store)
    with sqlite_store.write() as session:
        session.add(
            Disposition(
                code="wrong_company",
                label="Wrong company",
                hotkey="F11",
                retry_minutes=None,
                final=True,
                requires_notes=True,
                position=50,
            )
        )
    preferences.save(rep_name="Dana Reyes")
    view = DeskView(AppContext(sqlite_store, Background(synchronous=True)), clock=Clock(START))
    qtbot.addWidget(view)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    assert view.bar.buttons["wrong_company"].text() == "F11  Wrong company"
    press(qtbot, Qt.Key.Key_Return)
    first = on_card(view)
    press(qtbot, Qt.Key.Key_F11)
    assert view.bar.form.isVisible()
    assert QApplication.focusWidget() is view.bar.form_notes
    press(qtbot, Qt.Key.Key_Return)
    assert view.bar.form_error.text() == "Notes are required"
    assert on_card(view) == first and attempts(sqlite_store, first) == []
    type_text(qtbot, "Sold the business in 2025")
    press(qtbot, Qt.Key.Key_Return)
    (attempt,) = attempts(sqlite_store, first)
    assert (attempt.disposition, attempt.notes) == ("wrong_company", "Sold the business in 2025")
    assert on_card(view) != first
    view.shutdown()


def test_the_campaign_is_picked_by_keyboard_and_remembered(desk_env, qtbot) -> None:
    view, store, _clock, _phone = desk_env
    from calldesk import campaigns

    with store.write() as session:
        sprint = campaigns.create_campaign(session, "Tiny sprint", priority=5)
    view.controller.load_choices("Dana Reyes", 0)
    press(qtbot, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # Ca&mpaign
    assert QApplication.focusWidget() is view.session.campaign
    while view.session.campaign.currentText() != "Tiny sprint":
        press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # start calling
    assert preferences.load()["campaign_id"] == sprint.id
    assert view.controller.campaign_id == sprint.id
    # the sprint holds nobody yet: nothing from other campaigns is handed out
    assert on_card(view) is None
    again = DeskView(view.ctx, clock=Clock(START))
    qtbot.addWidget(again)
    assert again.session.campaign.currentText() == "Tiny sprint"
    assert again.session.rep.currentText() == "Dana Reyes"
    again.shutdown()


def test_the_card_says_where_the_contact_came_from(sqlite_store) -> None:
    from calldesk import desk_data

    ids = build_store(sqlite_store)
    with sqlite_store.write() as session:
        webinar = Event(name="Planning 2027 webinar", kind="webinar")
        paper = Event(name="Venue checklist", kind="whitepaper")
        session.add_all([webinar, paper])
        session.flush()
        session.add_all(
            [
                EventEngagement(
                    event_id=webinar.id, contact_id=ids["vm"], attended=True, minutes_attended=42
                ),
                EventEngagement(
                    event_id=paper.id,
                    contact_id=ids["vm"],
                    download_title="The venue checklist",
                ),
                EventEngagement(event_id=webinar.id, contact_id=ids["busy"], attended=False),
            ]
        )
    with sqlite_store.session() as session:
        card = desk_data.load_card(session, ids["vm"])
        other = desk_data.load_card(session, ids["busy"])
        assert desk_data.load_card(session, 999_999) is None
    details = {s.name: s.detail for s in card.sources}
    assert details["Planning 2027 webinar (webinar)"] == "attended 42 min"
    assert details["Venue checklist (whitepaper)"] == "downloaded: The venue checklist"
    assert details["Vendor X planners"] == "purchased, row 3"
    assert other.sources[0].detail == "registered, did not attend"
    assert card.time_zone == NY and card.phones[0].dialable
    # everyone else at Summit Meetings, by last name
    assert [c.name for c in card.colleagues] == [
        "Maria Chen",
        "Chloe Gagnon",
        "James Patel",
        "Olivia Schmidt",
        "Noah Tremblay",
    ]


def test_a_configured_dial_command_is_run_with_the_number(desk_env, qtbot, tmp_path) -> None:
    view, store, _clock, phone = desk_env
    out = tmp_path / "dialled.txt"
    preferences.save(dialer="command", dialer_command=f"sh -c 'echo {{e164}} > {out}'")
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: out.exists() and out.read_text().strip() != "", timeout=5000)
    assert out.read_text().strip() == "+12125550101"
    assert phone.urls == []  # not through a tel: link
    press(qtbot, Qt.Key.Key_F2)
    (attempt,) = attempts(store, view.ids["rich"])
    assert attempt.number_dialled == "+12125550101" and attempt.disposition == "busy"
