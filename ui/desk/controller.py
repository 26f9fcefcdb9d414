"""The desk's session: who is calling, the lead on the card, and every call to the core.

Every store access runs through ``ctx.background`` (never on the UI thread); results come back
as signals the view lays out. Recording a call and claiming the next contact are one core call
(:func:`calldesk.outcomes.record_and_next`), one transaction, so a "do not call" takes effect
before the next contact is chosen.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from calldesk import desk_checks, desk_data, handoff, outcomes
from calldesk import queue as queue_mod
from calldesk import settings as preferences
from calldesk.models import Contact, Rep
from ui.context import AppContext
from ui.desk import leads
from ui.desk.leads import Lead

#: how often the queue panel (callbacks, counters, coming next) is refreshed, on the desk's clock
SIDE_REFRESH = dt.timedelta(seconds=30)
#: how often an idle desk (nothing to call) asks the queue again, at most
IDLE_LOOK = dt.timedelta(seconds=60)
#: how long after a card appears the queue panel is refreshed (and the next card prefetched)
SIDE_DELAY_MS = 800


@dataclass
class DialRequest:
    """A dial the rep asked for, and the rules' answer at that instant."""

    number: str
    phone_id: int | None
    extension: str | None
    lead: Lead
    decision: desk_checks.DialDecision | None = None

    @property
    def manual(self) -> bool:
        return self.phone_id is None


class DeskController(QObject):
    choices_loaded = Signal(object, object, object, str, int)  # reps, campaigns, dispositions
    session_changed = Signal(bool, bool, str)  # running, paused, status
    card_changed = Signal(object)  # Lead | None
    queue_empty = Signal(str, object)  # why, when something may become callable (or None)
    message = Signal(object)  # str | None
    counters_changed = Signal(object)
    callbacks_changed = Signal(object, object, object)  # dicts, rep zone, due and callable
    coming_changed = Signal(object)
    booking_failed = Signal(str)
    booking_ready = Signal(object, object)  # field rep choices, their taken times
    saved = Signal(str, str)  # disposition code, the contact's name
    dial_checked = Signal(object)  # DialRequest, with the rules' decision
    card_verdict = Signal(object, object)  # Lead, desk_checks.CardVerdict
    #: seconds from the rep's keystroke to the next card on screen (bench and status)
    card_latency = Signal(float)

    def __init__(
        self, ctx: AppContext, clock: Callable[[], dt.datetime], claim_minutes: int = 15
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.clock = clock
        self.lease = dt.timedelta(minutes=max(claim_minutes, 2))
        self.rep_id: int | None = None
        self.rep_name = ""
        self.rep_zone: str | None = None
        self.campaign_id: int | None = None
        self.running = False
        self.paused = False
        self.busy = False
        self.lead: Lead | None = None
        self._empty_since: dt.datetime | None = None
        self._next_try: dt.datetime | None = None
        self._prefetched: dict[int, leads.Prepared] = {}
        self._coming: list[Any] = []
        # Set when the window closes: work already running claims no new contact.
        self._closing = threading.Event()
        # A claim is renewed well before its lease runs out while the card stays open.
        self.renew_timer = QTimer(self)
        self.renew_timer.setInterval(int(self.lease.total_seconds() * 1000 / 3))
        self.renew_timer.timeout.connect(self.renew)
        self._side_at: dt.datetime | None = None
        # The queue panel is refreshed a moment after a card appears, so its queries never
        # compete with the rep's next keystroke (record and next card come first).
        self.side_soon = QTimer(self)
        self.side_soon.setSingleShot(True)
        self.side_soon.setInterval(SIDE_DELAY_MS)
        self.side_soon.timeout.connect(self.refresh_side)

    # --- background plumbing ------------------------------------------------------------------

    def _run(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.ctx.background.run(lambda _task: fn(), on_done=done, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.message.emit(f"Something went wrong: {exc}")

    # --- start, pause, stop -------------------------------------------------------------------

    def load_choices(self, rep_name: str, campaign_id: int) -> None:
        store = self.ctx.store

        def load() -> tuple[Any, ...]:
            with store.session() as session:
                reps = [r for r in desk_data.reps(session) if r.detail != "field"]
                return reps, desk_data.campaigns(session), desk_data.dispositions(session)

        def done(result: tuple[Any, ...]) -> None:
            reps, campaigns, dispositions = result
            self.choices_loaded.emit(reps, campaigns, dispositions, rep_name, campaign_id)
            remembered = next((r for r in reps if r.name == rep_name), None)
            if remembered is not None:
                self.preview(remembered.id, campaign_id or None)

        self._run(load, done)

    def preview(self, rep_id: int, campaign_id: int | None) -> None:
        """Who comes first, shown before the rep starts; it also warms the queue (the rules
        engine's per-place verdicts, the database pages), so the first card comes quickly."""
        store, at = self.ctx.store, self.clock()

        def coming() -> tuple[Any, ...]:
            with store.session() as session:
                items = queue_mod.upcoming(session, rep_id, campaign_id=campaign_id, at=at)
                counters = _counters(session, rep_id, at)
                return leads.coming_lines(items), _prepare_first(session, items, rep_id), counters

        def done(result: tuple[Any, ...]) -> None:
            lines, prepared, counters = result
            if self.lead is None:
                self._prefetched = prepared
            # today's figures from the store before the first call, not 0 until then
            self.counters_changed.emit(counters)
            self._show_coming(lines)

        self.ctx.background.run(lambda _t: coming(), on_done=done)

    def start(self, rep_id: int, rep_name: str, campaign_id: int) -> None:
        self.rep_id, self.rep_name = rep_id, rep_name
        self.campaign_id = campaign_id or None
        preferences.save(rep_name=rep_name, campaign_id=campaign_id or 0)
        store = self.ctx.store

        at = self.clock()

        def zone() -> tuple[str | None, desk_data.Counters]:
            with store.session() as session:
                return desk_data.rep_zone(session, rep_id), _counters(session, rep_id, at)

        def done(result: tuple[str | None, desk_data.Counters]) -> None:
            value, counters = result
            self.rep_zone = value
            self.counters_changed.emit(counters)
            self.running, self.paused = True, False
            self.session_changed.emit(True, False, f"Calling as {rep_name}")
            self.fetch_next()

        self._run(zone, done)

    def toggle_pause(self) -> None:
        if not self.running:
            return
        if self.busy:
            self.message.emit("Saving the call: press Ctrl+P again in a moment")
            return
        if self.paused:
            self.paused = False
            self.session_changed.emit(True, False, f"Calling as {self.rep_name}")
            if self.lead is None:
                self.fetch_next()
            return
        self.paused = True
        self.session_changed.emit(True, True, "Paused: the card is given back to the queue")
        self.release_current()

    def shutdown(self) -> None:
        """Release the claim on the open card (window closing); stop the timers."""
        self._closing.set()
        self.renew_timer.stop()
        self.side_soon.stop()
        self.running = False
        self.release_current()

    def release_current(self) -> None:
        lead, self.lead = self.lead, None
        self.renew_timer.stop()
        self.card_changed.emit(None)
        if lead is None:
            return
        store, at = self.ctx.store, self.clock()

        def release() -> None:
            with store.write() as session:
                queue_mod.release_claim(session, lead.claim_id, at=at)

        self._run(release, lambda _r: None)

    # --- the next card ------------------------------------------------------------------------

    def fetch_next(self) -> None:
        if not self.running or self.paused or self.busy or self.rep_id is None:
            return
        self.busy = True
        started = time.perf_counter()
        store, rep_id, campaign_id = self.ctx.store, self.rep_id, self.campaign_id
        at, lease, prefetched = self.clock(), self.lease, dict(self._prefetched)
        closing = self._closing

        def work() -> Any:
            with store.write() as session:
                offer = _next(session, rep_id, campaign_id, at, lease, closing)
                verdict = _verdict(session, offer, at)
            if offer is None:
                return None
            return leads.build(store, offer, rep_id, at, prefetched, verdict)

        self._run(work, lambda result: self._recorded(result, started))

    def record_and_next(
        self, code: str, notes: str, callback_at: dt.datetime | None, **extra: Any
    ) -> None:
        """Save the call on the card and bring the next contact: one transaction, off-thread."""
        lead = self.lead
        if lead is None or self.busy or self.rep_id is None:
            return
        self.busy = True
        started = time.perf_counter()
        store, rep_id, at, lease = self.ctx.store, self.rep_id, self.clock(), self.lease
        campaign_id = None if self.paused else self.campaign_id
        want_next = self.running and not self.paused
        prefetched = dict(self._prefetched) if code != "do_not_call" else {}
        outcome = self._outcome(lead, code, notes, callback_at, at, **extra)

        referral = outcome.pop("referral", None)
        contact_id = lead.contact_id
        closing = self._closing

        def work() -> Any:
            with store.write() as session:
                offer: Any = None
                if referral:
                    # Captured first, in the same transaction, so the right person can be the
                    # very next card (the queue puts a referral right behind its referrer).
                    handoff.capture_referral(
                        session,
                        session.get(Contact, contact_id),
                        referral,
                        rep=session.get(Rep, rep_id),
                        at=at,
                    )
                if want_next and not closing.is_set():
                    # The core's save-and-next: one transaction, so a "do not call" counts
                    # before the next contact is chosen.
                    _result, offer = outcomes.record_and_next(
                        session,
                        claim_id=lead.claim_id,
                        disposition=code,
                        campaign_id=campaign_id,
                        lease=lease,
                        at=at,
                        **outcome,
                    )
                else:
                    outcomes.record_outcome(
                        session, claim_id=lead.claim_id, disposition=code, at=at, **outcome
                    )
                if closing.is_set() and isinstance(offer, queue_mod.Offer):
                    queue_mod.release_claim(session, offer.claim_id, at=at)  # window closing
                    offer = None
                verdict = _verdict(session, offer, at)
            if offer is None:
                return None
            return leads.build(store, offer, rep_id, at, prefetched, verdict)

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.renew_timer.start()  # the card stays, and stays ours
            if code == "qualified" and extra.get("booking") is not None:
                self.booking_failed.emit(str(exc))
            else:
                self.message.emit(f"Not saved: {exc}")

        self.renew_timer.stop()
        self.ctx.background.run(
            lambda _t: work(),
            on_done=lambda result: self._saved(result, started, code, extra, lead.card.name),
            on_error=failed,
        )

    def _outcome(
        self,
        lead: Lead,
        code: str,
        notes: str,
        callback_at: dt.datetime | None,
        at: dt.datetime,
        **extra: Any,
    ) -> dict[str, Any]:
        runner = lead.runner
        outcome: dict[str, Any] = {
            "notes": notes or None,
            "callback_at": callback_at,
            "answers": (runner.answers or None) if runner else None,
            "ended_at": at,
        }
        dialled = lead.dialled
        if dialled:
            outcome["started_at"] = dialled.get("at")
            outcome["number_dialled"] = dialled.get("number")
            for key in ("phone_id", "manual", "override_by", "override_reason"):
                if dialled.get(key) is not None:
                    outcome[key] = dialled[key]
        if runner is not None:
            outcome["script_key"] = runner.script.key
            outcome["script_version"] = runner.script.version
            if code in ("qualified", "wrong_person"):
                result = runner.result() if code == "qualified" else runner.grade_so_far()
                if result is not None:
                    outcome["grade_result"] = result
        outcome.update(extra)
        return outcome

    def _saved(self, result: Any, started: float, code: str, extra: Any, name: str) -> None:
        self._recorded(result, started, code, extra)
        self.saved.emit(code, name)

    def _recorded(self, result: Any, started: float, code: str = "", extra: Any = None) -> None:
        self.busy = False
        # Other screens (appointments, lists) learn that the store changed.
        if extra and extra.get("booking") is not None:
            self.ctx.data_changed.emit("appointments")
        if extra and (extra.get("referral") or code == "wrong_person"):
            self.ctx.data_changed.emit("contacts")
        if result is None:
            self.side_soon.start()
            self.lead = None
            self.card_changed.emit(None)
            return
        self._arrived(result, started)

    def _arrived(self, result: Any, started: float) -> None:
        self.busy = False
        if isinstance(result, leads.Empty):
            self.lead = None
            # Look again when something may become callable, and at least every minute:
            # a list imported meanwhile (here or on a teammate's desk) is picked up.
            soon = self.clock() + IDLE_LOOK
            self._next_try = min(result.next_at, soon) if result.next_at else soon
            self.card_changed.emit(None)
            self.queue_empty.emit(result.why, result.next_at)
            self.side_soon.start()
            return
        self.lead = result
        self._next_try = None
        self._prefetched.pop(result.contact_id, None)
        self.card_changed.emit(result)
        self._show_coming()
        self.renew_timer.start()
        self.card_latency.emit(time.perf_counter() - started)
        self.side_soon.start()

    # --- while the card is open ---------------------------------------------------------------

    def renew(self) -> None:
        lead = self.lead
        if lead is None:
            return
        store, at, lease = self.ctx.store, self.clock(), self.lease

        def renew() -> dt.datetime:
            with store.write() as session:
                return queue_mod.renew_claim(session, lead.claim_id, at=at, lease=lease)

        def failed(exc: BaseException) -> None:
            if self.lead is lead and not self.busy:  # not a renewal overtaken by a save
                self.message.emit(f"This contact is no longer yours: {exc}")

        self.ctx.background.run(lambda _t: renew(), on_error=failed)

    def tick(self, now: dt.datetime) -> None:
        """Every second: refresh the queue panel now and then (a callback may have come due);
        when the queue was empty, look again once something may be callable."""
        if self.running and (self._side_at is None or now - self._side_at >= SIDE_REFRESH):
            self.refresh_side()
        idle = self.running and not self.paused and self.lead is None and not self.busy
        if idle and (self._next_try is None or now >= self._next_try):
            self._next_try = now + dt.timedelta(seconds=30)
            self.fetch_next()

    def recheck_card(self) -> None:
        """The card's verdict ran out: ask the rules again at this instant."""
        lead = self.lead
        if lead is None:
            return
        store, at = self.ctx.store, self.clock()

        def check() -> desk_checks.CardVerdict:
            with store.session() as session:
                return desk_checks.card_verdict(session, lead.contact_id, lead.campaign_id, at)

        self._run(check, lambda verdict: self.card_verdict.emit(lead, verdict))

    def look_again(self) -> None:
        """The store changed (a list imported, a zone fixed): an idle desk asks the queue now."""
        if self.running and not self.paused and self.lead is None and not self.busy:
            self.fetch_next()

    def note_dialled(self, number: str, **log: Any) -> None:
        if self.lead is not None:
            self.lead.dialled = {"number": number, "at": self.clock(), **log}

    def grade(self) -> str | None:
        runner = self.lead.runner if self.lead else None
        result = runner.result() if runner else None
        return result.grade if result else None

    def qualified_problem(self) -> str | None:
        """Why "qualified" cannot be saved yet (None: it can)."""
        runner = self.lead.runner if self.lead else None
        if runner is None:
            return "No script on this call: pick another disposition"
        if not runner.finished:
            missing = ", ".join(q.label for q in runner.missing_required())
            return "Finish the script first" + (f" (still required: {missing})" if missing else "")
        return None

    def script_referral(self) -> str | None:
        """The right person the script already captured (a "contact" answer), by name."""
        runner = self.lead.runner if self.lead else None
        result = runner.grade_so_far() if runner else None
        if not (result and result.referrals):
            return None
        person = result.referrals[0]
        return " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)

    def implied_disposition(self) -> str | None:
        runner = self.lead.runner if self.lead else None
        return runner.implied_disposition() if runner else None

    def refer_and_next(self, person: dict[str, str], notes: str) -> None:
        """Save "referred (wrong person)" with the right person captured by hand."""
        lead = self.lead
        if lead is None:
            return
        name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
        notes = notes or f"Referred to {name}" + (
            f", {person['title']}" if person.get("title") else ""
        )
        self.record_and_next("wrong_person", notes, None, referral=person)

    def load_booking(self) -> None:
        """The field reps for the card's contact (territory first) and their taken meeting
        times over the next two weeks; answered through ``booking_ready``."""
        lead = self.lead
        if lead is None:
            return
        store, at = self.ctx.store, self.clock()

        def load() -> tuple[Any, Any]:
            with store.session() as session:
                choices = desk_checks.field_reps_for(session, lead.contact_id)
                busy = desk_checks.busy_times(
                    session, [c.id for c in choices], at, at + dt.timedelta(days=14)
                )
            return choices, busy

        def done(result: tuple[Any, Any]) -> None:
            if self.lead is lead:
                self.booking_ready.emit(*result)

        self._run(load, done)

    def book_and_next(self, booking: handoff.Booking) -> None:
        self.record_and_next("qualified", "", None, booking=booking)

    def check_dial(
        self,
        number: str,
        *,
        phone_id: int | None = None,
        extension: str | None = None,
        override_by: str | None = None,
        override_reason: str | None = None,
    ) -> None:
        """Ask the calling rules, at this instant, whether ``number`` may be dialled for the
        contact on the card (a card number or one typed by hand); the answer comes back
        through ``dial_checked(DialRequest)``."""
        lead = self.lead
        if lead is None:
            return
        store, at = self.ctx.store, self.clock()
        request = DialRequest(number, phone_id, extension, lead)

        def check() -> DialRequest:
            with store.session() as session:
                request.decision = desk_checks.decide_dial(
                    session,
                    number=number,
                    contact_id=lead.contact_id,
                    campaign_id=lead.campaign_id,
                    at=at,
                    default_region=lead.card.country or "US",
                    override_by=override_by,
                    override_reason=override_reason,
                )
            return request

        self._run(check, self.dial_checked.emit)

    # --- the queue panel ----------------------------------------------------------------------

    def _show_coming(self, lines: list[Any] | None = None) -> None:
        """ "Coming next", never listing the contact already on the card."""
        if lines is not None:
            self._coming = lines
        on_card = self.lead.contact_id if self.lead else None
        self.coming_changed.emit([line for line in self._coming if line.contact_id != on_card])

    def refresh_side(self) -> None:
        if self.rep_id is None or self._closing.is_set():
            return
        if self.busy:  # the rep is waiting for a card: that comes first
            self.side_soon.start()
            return
        store, rep_id, at, campaign_id = self.ctx.store, self.rep_id, self.clock(), self.campaign_id
        self._side_at = at

        def side() -> tuple[Any, ...]:
            with store.session() as session:
                counters = _counters(session, rep_id, at)
                callbacks = queue_mod.due_callbacks(session, rep_id, at=at)
                due = desk_checks.due_and_callable(session, callbacks, rep_id, at)
                coming = queue_mod.upcoming(session, rep_id, campaign_id=campaign_id, at=at)
                cards = _prepare_first(session, coming, rep_id)
                reasons = leads.coming_lines(coming)
            return counters, callbacks, due, reasons, cards

        def done(result: tuple[Any, ...]) -> None:
            counters, callbacks, due, coming, cards = result
            self._prefetched = cards
            self.counters_changed.emit(counters)
            on_card = self.lead.contact_id if self.lead else None
            # the banner names only callbacks due now whose contact may be called now, and
            # not the one already on the card
            due = [d for d in due if d.contact_id != on_card]
            self.callbacks_changed.emit(callbacks, self.rep_zone, due)
            self._show_coming(coming)

        self._run(side, done)


def _next(
    session: Any,
    rep_id: int,
    campaign_id: int | None,
    at: dt.datetime,
    lease: dt.timedelta,
    closing: threading.Event,
) -> Any:
    """The queue's next offer, unless the desk is closing (then no claim is left behind)."""
    if closing.is_set():
        return None
    offer = queue_mod.next_offer(session, rep_id, campaign_id=campaign_id, at=at, lease=lease)
    if closing.is_set() and isinstance(offer, queue_mod.Offer):
        queue_mod.release_claim(session, offer.claim_id, at=at)
        return None
    return offer


def _counters(session: Any, rep_id: int, at: dt.datetime) -> desk_data.Counters:
    """The rep's figures for their own day so far, from the store."""
    today = queue_mod.rep_today(session, rep_id, at=at)
    rep = session.get(Rep, rep_id)
    since = desk_data.day_start(at, rep.time_zone if rep else None)
    booked = desk_data.appointments_booked(session, rep_id, since)
    return desk_data.Counters(today["dials"], today["conversations"], today["grades"], booked)


def _verdict(session: Any, offer: Any, at: dt.datetime) -> desk_checks.CardVerdict | None:
    """The offered contact's verdict with the instant it changes (the card counts down to it)."""
    if not isinstance(offer, queue_mod.Offer):
        return None
    return desk_checks.card_verdict(session, offer.contact_id, offer.campaign_id, at)


def _prepare_first(session: Any, items: list[dict[str, Any]], rep_id: int) -> dict[int, Any]:
    """The likely next card (the first contact coming), prepared ahead of the offer."""
    prepared = {}
    for item in items[:1]:
        # a contact with no campaign of its own is offered under the default one
        campaign = item.get("campaign_id") or leads.default_campaign_id(session)
        ready = leads.prepare(session, item["contact_id"], campaign, rep_id)
        if ready is not None:
            prepared[ready.contact_id] = ready
    return prepared
