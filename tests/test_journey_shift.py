"""Journey 3 of ../shared/JOURNEYS.md, "A rep's shift", walked through the real desk window.

A fresh store (nothing but what every store starts with), a purchased list imported through the
core's importer, reps added as ``calldesk rep add`` adds them; then only what a rep can reach:
the pickers, keys, the callback picker's buttons, the booking form. Every clock is the desk's
injected one (Tuesday 24 November 2026), so the walk never depends on today's date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication
from sqlalchemy import select
from test_ui_desk import Clock, Softphone, press, type_text

from calldesk import reps as reps_mod
from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.models import Appointment, Attempt, Callback, Claim, Contact, DncEntry
from calldesk.store import Store
from ui.context import AppContext
from ui.desk.booking import ONLINE
from ui.desk.view import DeskView
from ui.worker import Background

# Tuesday 24 November 2026, 15:00 UTC: 10:00 in New York and Miami, 07:00 in San Francisco.
TUESDAY = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
# The gatekeeper says "call back Thursday at 10" (their time).
THURSDAY_10_NY = dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC)

LIST = """First Name,Last Name,Company,Title,Phone,Email,State
Maria,Chen,Summit Meetings,Event Planner,(212) 555-0102,maria@summit.example,NY
James,Patel,Summit Meetings,Office Manager,212.555.0103,,NY
Priya,Okafor,Harbor Events,Event Planner,+1 212 555 0104,,NY
Olivia,Schmidt,Harbor Events,Director of Events,212-555-0106,,NY
Noah,Tremblay,Northwind Travel,Head of Events,2125550107,noah@northwind.example,NY
Ahmed,Nguyen,Northwind Travel,Coordinator,(212) 555-0105,,NY
Ethan,Fox,Sunshine Expos,Owner,(305) 555-0111,,FL
Liam,Roy,Pacific Summits,Planner,(415) 555-0110,,CA
"""


def _fresh_store(store: Store, tmp_path: Path) -> None:
    with store.write() as session:
        reps_mod.add_rep(session, "Dana Reyes", time_zone="America/Chicago")
        reps_mod.add_rep(session, "Maya Lind", role="manager", time_zone="America/Chicago")
        reps_mod.add_rep(
            session, "Frank Field", role="field", time_zone="America/New_York", territory="US-NY"
        )
        reps_mod.add_rep(
            session, "Cora West", role="field", time_zone="America/Los_Angeles", territory="US-CA"
        )
    path = tmp_path / "vendor-x.csv"
    path.write_text(LIST, encoding="utf-8")
    result = import_file(store, path, ImportOptions(list_name="Vendor X planners"))
    assert result.imported == 8, result.to_json()


def _open(store: Store, qtbot, clock: Clock) -> DeskView:
    view = DeskView(AppContext(store, Background(synchronous=True)), clock=clock)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    return view


def _name(view: DeskView) -> str | None:
    lead = view.controller.lead
    return lead.card.name if lead else None


def _coming(view: DeskView) -> list[str]:
    return [view.queue.coming.item(i).text() for i in range(view.queue.coming.count())]


def _attempts(store: Store, name: str) -> list[Attempt]:
    first, last = name.split(" ")
    with store.session() as session:
        return list(
            session.scalars(
                select(Attempt)
                .join(Contact, Contact.id == Attempt.contact_id)
                .where(Contact.first_name == first, Contact.last_name == last)
                .order_by(Attempt.id)
            )
        )


def _check_card(view: DeskView) -> str:
    """What the rep must see on every card: who, their time, the rule and until when, and a
    "Coming next" that does not list the person already on screen."""
    name = _name(view)
    assert name is not None
    assert view.card.name.text() == name
    assert view.card.clock.text().startswith("Their time: ")
    assert view.card.rule.text().startswith("Allowed until "), view.card.rule.text()
    assert view.card.why.text().startswith("Why: ")
    qtbot_coming = _coming(view)
    assert not any(line.startswith(name) for line in qtbot_coming), (name, qtbot_coming)
    return name


def test_a_reps_shift(sqlite_store: Store, qtbot, tmp_path: Path) -> None:
    store = sqlite_store
    _fresh_store(store, tmp_path)
    clock = Clock(TUESDAY)
    phone = Softphone()
    QDesktopServices.setUrlHandler("tel", phone, "dial")
    try:
        _shift(store, qtbot, clock, phone, tmp_path)
    finally:
        QDesktopServices.unsetUrlHandler("tel")


def _shift(store: Store, qtbot, clock: Clock, phone: Softphone, tmp_path: Path) -> None:
    # --- 1. she picks herself and the campaign; the first card comes with one key -------------
    view = _open(store, qtbot, clock)
    assert "Dials 0" in view.queue.counters.text()
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # &Rep
    assert QApplication.focusWidget() is view.session.rep
    type_text(qtbot, "Dana")
    assert view.session.rep.currentText() == "Dana Reyes"
    press(qtbot, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # Ca&mpaign
    type_text(qtbot, "Default")
    assert view.session.campaign.currentText().startswith("Default")
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    done: dict[str, str] = {}
    handled: list[str] = []

    def next_card(expected_gone: str) -> str:
        assert _name(view) != expected_gone, f"{expected_gone} is still on the card"
        handled.append(expected_gone)
        return _check_card(view)

    # Seven contacts are callable at 10:00 in New York and Miami; San Francisco is at 07:00.
    name = _check_card(view)
    assert name != "Liam Roy"
    seen_first = name
    plan = [
        "no_answer",
        "busy",
        "voicemail",
        "gatekeeper_callback",
        "grade_a_booked",
        "grade_d",
        "do_not_call",
    ]
    for step in plan:
        name = _name(view)
        assert name is not None, f"no card for {step}"
        done[step] = name
        if step == "no_answer":
            press(qtbot, Qt.Key.Key_F10)  # one key dials...
            assert phone.urls and phone.urls[-1].startswith("tel:+1")
            press(qtbot, Qt.Key.Key_F1)  # ...one key records no answer; the next card is there
            (attempt,) = _attempts(store, name)
            assert attempt.disposition == "no_answer" and attempt.number_dialled
            next_card(name)
        elif step == "busy":
            press(qtbot, Qt.Key.Key_F2)
            next_card(name)
            assert view.session.status.text().endswith(f"saved: Busy ({name})")
        elif step == "voicemail":
            press(qtbot, Qt.Key.Key_F3)
            next_card(name)
        elif step == "gatekeeper_callback":
            _callback(view, qtbot, clock, name)
            next_card(name)
        elif step == "grade_a_booked":
            _grade_a(view, qtbot, store, name)
            next_card(name)
        elif step == "grade_d":
            _grade_d(view, qtbot, store, name)
            next_card(name)
        elif step == "do_not_call":
            # --- 3. "never call me again" -------------------------------------------------
            number = view.controller.lead.card.phones[0].e164
            press(qtbot, Qt.Key.Key_F12)
            assert _name(view) != name
            with store.session() as session:
                assert session.scalar(select(DncEntry.e164).where(DncEntry.e164 == number))
            # gone from the queue before the next card: it is neither on screen nor coming
            assert not any(line.startswith(name) for line in _coming(view))
            handled.append(name)
    assert seen_first in handled

    # Everyone in the East has been handled; San Francisco opens at 08:00 their time.
    assert _name(view) is None
    assert "Nothing to call now" in view.card.rule.text()
    assert "your time" in view.card.why.text()
    qtbot.waitUntil(lambda: "Dials 7" in view.queue.counters.text(), timeout=3000)
    assert "A 1" in view.queue.counters.text() and "D 1" in view.queue.counters.text()
    assert "Appointments 1" in view.queue.counters.text()

    # --- 11:00 in New York: Liam's window opens and his card comes by itself --------------------
    clock.now = TUESDAY + dt.timedelta(hours=1, seconds=1)
    qtbot.waitUntil(lambda: _name(view) == "Liam Roy", timeout=5000)
    _check_card(view)

    # --- 5. she closes the laptop mid-call: the claim expires, the contact returns -------------
    view.tick_timer.stop()  # the window is gone without a goodbye (no shutdown, no release)
    view.controller.renew_timer.stop()
    view.hide()
    with store.session() as session:
        held = session.scalar(select(Claim).where(Claim.released_at.is_(None)))
        assert held is not None and held.expires_at is not None
        expires = held.expires_at.replace(tzinfo=dt.UTC)
    clock.now = expires + dt.timedelta(seconds=1)
    again = _open(store, qtbot, clock)
    # --- the next morning of the same shift: remembered rep and campaign, today's figures ----
    assert again.session.rep.currentText() == "Dana Reyes"
    assert again.session.campaign.currentText().startswith("Default")
    qtbot.waitUntil(lambda: "Dials 7" in again.queue.counters.text(), timeout=3000)
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert _name(again) == "Liam Roy"  # back in the queue, handed out again
    press(qtbot, Qt.Key.Key_F7)  # not interested
    # an hour on, the no-answer, busy and voicemail contacts are due for another try; the
    # graded, the booked, the do-not-call and the callback contact never come back by themselves
    retries = {done["no_answer"], done["busy"], done["voicemail"]}
    assert _name(again) in retries, _name(again)
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # a break
    assert _name(again) is None

    # --- 4. Thursday 10:00 their time: the callback appears, with a notification -----------------
    gatekeeper = done["gatekeeper_callback"]
    clock.now = THURSDAY_10_NY + dt.timedelta(seconds=30)
    qtbot.waitUntil(lambda: again.queue.banner.isVisible(), timeout=5000)
    assert again.queue.banner_text.text() == (
        f"Callback due now: {gatekeeper}. It comes next in the queue."
    )
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # back from the break
    assert _name(again) == gatekeeper
    assert "your callback" in again.card.why.text()
    last = again.card.history.topLevelItem(0)
    assert last.text(1) == "Callback requested"
    # the banner goes once the callback is being handled
    qtbot.waitUntil(lambda: again.queue.banner.isHidden(), timeout=3000)
    press(qtbot, Qt.Key.Key_F7)
    with store.session() as session:
        (callback,) = session.scalars(select(Callback).where(Callback.kind == "callback")).all()
        assert callback.status == "done"
    assert again.queue.banner.isHidden()

    # --- 4. at 21:00 Eastern the East Coast stops; the queue goes on with the West --------------
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # a break till the evening
    clock.now = dt.datetime(2026, 11, 27, 1, 59, 50, tzinfo=dt.UTC)  # Thu 20:59:50 in New York
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    late = _name(again)
    assert late in retries, late
    assert again.card.rule.text().startswith("Allowed until 21:00 their time")
    dialled = len(phone.urls)
    clock.advance(seconds=11)  # 21:00:01: the card says so by itself, and the dial is refused
    qtbot.waitUntil(lambda: again.card.rule.text().startswith("Not allowed now"), timeout=3000)
    press(qtbot, Qt.Key.Key_F10)
    assert len(phone.urls) == dialled and again.manual.isVisible()
    press(qtbot, Qt.Key.Key_Escape)
    press(qtbot, Qt.Key.Key_F1)  # the card is saved all the same (not dialled: no answer)
    assert _name(again) is None  # no East Coast contact is offered after 21:00 Eastern
    assert "calling window" in again.card.rule.text()
    # the manager loads a West Coast list; the desk looks again by itself
    west = tmp_path / "west.csv"
    west.write_text(
        "First Name,Last Name,Company,Phone,State\nZoe,Park,Bay Events,(415) 555-0112,CA\n",
        encoding="utf-8",
    )
    import_file(store, west, ImportOptions(list_name="West Coast planners"))
    clock.advance(seconds=61)  # an idle desk asks the queue again at least every minute
    qtbot.waitUntil(lambda: _name(again) == "Zoe Park", timeout=5000)
    assert _check_card(again) == "Zoe Park"  # 18:00 in San Francisco: allowed until 21:00
    again.shutdown()
    view.shutdown()


def _callback(view: DeskView, qtbot, clock: Clock, name: str) -> None:
    """1. A gatekeeper asks to call back Thursday at 10 their time: both clocks, quick picks, and
    a time refused with its reason instead of silently."""
    press(qtbot, Qt.Key.Key_F8)
    picker = view.bar.picker
    assert picker.isVisible()
    assert picker.their_label.text() == "Their time (America/New_York):"
    labels = [b.text() for b in picker.quick_buttons]
    assert labels == ["In 1 h", "Tomorrow 10:00 their time", "Next Monday 10:00 their time"]
    qtbot.mouseClick(picker.quick_buttons[2], Qt.MouseButton.LeftButton)
    assert picker.value() == dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)  # Mon 10:00 NY
    qtbot.mouseClick(picker.quick_buttons[1], Qt.MouseButton.LeftButton)
    assert picker.value() == dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)  # Wed 10:00 NY
    # a time in the past is refused, with the reason, and nothing is saved
    picker.set_value(clock.now - dt.timedelta(hours=2))
    assert "already passed" in picker.problem_label.text()
    press(qtbot, Qt.Key.Key_Return)
    assert view.bar.form.isVisible() and "pick another time" in view.bar.form_error.text()
    assert _name(view) == name
    # 22:00 their time is outside their calling window: refused with the rule and when it opens
    picker.set_value(dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC))
    assert "Outside their calling window" in picker.problem_label.text()
    assert "opens again" in picker.problem_label.text()
    # Thursday 10:00 their time, typed in their clock; the rep sees her own beside it
    picker.set_value(THURSDAY_10_NY)
    assert picker.problem_label.isHidden()
    assert "Thu 2026-11-26 09:00 your time" in picker.rep_clock.text()
    assert "Thu 10:00 theirs" in picker.rep_clock.text()
    view.bar.form_notes.setFocus()
    type_text(qtbot, "Assistant: call Thursday 10 am")
    press(qtbot, Qt.Key.Key_Return)
    with view.ctx.store.session() as session:
        callback = session.scalar(select(Callback).where(Callback.status == "open"))
        assert callback is not None and callback.due_at.replace(tzinfo=dt.UTC) == THURSDAY_10_NY


def _grade_a(view: DeskView, qtbot, store: Store, name: str) -> None:
    """2. The script leads her; the grade it heads to is visible and never contradicts the
    answers; grade A books a field rep's free slot, conflicts refused."""
    assert view.script.heading.text().startswith("Heading to: not decided yet")
    press(qtbot, "1")  # role: decides
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, "1")  # need: actively looking
    press(qtbot, Qt.Key.Key_Return)
    heading = view.script.heading.text()
    assert "no immediate need" not in heading and heading.startswith("Heading to: not decided")
    for key in ("1", "3"):  # within 3 months, no budget
        press(qtbot, key)
        press(qtbot, Qt.Key.Key_Return)
    press(qtbot, "y")  # wants a meeting
    press(qtbot, Qt.Key.Key_Return)
    assert view.script.heading.text().startswith("Heading to A (meet now)")
    press(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # no notes
    assert view.script.prompt.text().startswith("Script done: grade A (meet now). F9 opens")
    press(qtbot, Qt.Key.Key_F9)
    form = view.booking
    assert form.isVisible()
    # the field rep for the contact's territory comes first, and the form says why
    assert form.field_rep.currentText() == "Frank Field"
    assert form.rep_why.text() == "Frank Field: covers US-NY"
    # the default is his first free working-hour slot, their time (never a Sunday 20:00)
    local = form.when.value().astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert local.weekday() < 5 and 9 <= local.hour < 17, local
    assert form.slots.count() > 5
    # the card is not cut off by the form
    assert view.card.viewport().height() >= 500
    press(qtbot, Qt.Key.Key_Return)  # Place and Link empty: an online meeting
    with store.session() as session:
        booked = session.scalar(select(Appointment))
        assert booked is not None
        assert booked.location == ONLINE and booked.meeting_link is None
        assert booked.starts_at.replace(tzinfo=dt.UTC) == form.when.value()
        assert "Wants a meeting: Yes" in (booked.summary or "")  # the qualification goes along
    (attempt,) = _attempts(store, name)
    assert attempt.grade == "A"


def _grade_d(view: DeskView, qtbot, store: Store, name: str) -> None:
    """A D is saved as what it is: the finish line says so, not "saves it as qualified"."""
    press(qtbot, "1")  # decides
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, "4")  # does not fit
    press(qtbot, Qt.Key.Key_Return)
    assert view.script.heading.text().startswith("Heading to D (not qualified)")
    while view.script.runner.current is not None:
        press(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    prompt = view.script.prompt.text()
    assert "saves it as D (not qualified)" in prompt and "as qualified" not in prompt, prompt
    press(qtbot, Qt.Key.Key_F9)
    (attempt,) = _attempts(store, name)
    assert attempt.grade == "D"
