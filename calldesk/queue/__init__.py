"""The queue: which contact a rep should call now, and the claims that keep reps apart.

The order (issue 4): due callbacks first (this rep's personal ones, then open ones, then another
rep's personal callbacks that nobody took within the campaign's release time), then event-sprint
contacts (sooner deadline, hotter engagement, fewer attempts, older first), then list contacts
(campaign priority, fewest attempts, least recently tried, oldest). Never a contact that is on
the do-not-call list, outside its calling window, over a cap, cooling down, closed or graded D,
claimed by someone else, or whose place is unknown (fail closed).

How it stays fast at a million contacts: contacts that are ready now (callable, unclaimed, not
cooling down) sit in the partial index ``ix_contacts_queue`` ordered by ``queue_rank, attempts,
locale_key, last_attempt_at, id``: the best band (rank, then attempts) first, and in it the
contacts of the places open now. Places whose rules put the same windows on the same clocks
and calendars form one window group, decided once (``rules.locale_window``, cached until the
answer may change); the open groups are searched soonest-closing first, one statement per group
on SQLite, all of them in one on PostgreSQL. A place's full verdict (the offer's words and
checks) is worked out when one of its contacts is offered. Cooling-down contacts carry
``next_eligible_at`` and stay out of that index; each call wakes the few whose time has come.
Expired claims are released before anything is chosen.

Every public function here takes a :class:`~sqlalchemy.orm.Session` inside the caller's write
transaction (``with store.write() as session``), so "record the outcome, then claim the next"
is one transaction. On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED``; on SQLite the
store's single writer (``BEGIN IMMEDIATE``) keeps reps apart.

The parts, each a module of this package (the names other code uses are re-exported here):
``base`` (the error, the lease, the clock), ``driver`` (statements straight on the driver's
cursor), ``arms`` (campaigns as the queue
sees them), ``seek`` (open places, bands and the walk), ``lead`` (the lead card and its
numbers), ``claims`` (claim, renew, release, expire, wake), ``housekeeping`` (the round trip
every offer starts with, carrying the seek on PostgreSQL), ``offers`` (:func:`next_offer`) and
``overview`` (why the queue is empty, what comes next, the figures).
"""

from __future__ import annotations

from calldesk.queue.arms import _arms, _campaign_rows
from calldesk.queue.base import DEFAULT_LEASE, HELD, QueueError
from calldesk.queue.claims import (
    get_claim,
    release_claim,
    release_expired_claims,
    renew_claim,
    wake_cooled,
)
from calldesk.queue.driver import _from_ts, _is_pg, _q, _ts
from calldesk.queue.lead import callable_phone, lead_dict, local_time_text
from calldesk.queue.offers import Offer, next_offer
from calldesk.queue.overview import (
    QueueEmpty,
    due_callbacks,
    explain_empty,
    rep_today,
    stats,
    upcoming,
)
from calldesk.queue.seek import _all_keys, _open_groups, _ready_sql, _walk, forget_places

__all__ = [
    "DEFAULT_LEASE",
    "HELD",
    "Offer",
    "QueueEmpty",
    "QueueError",
    "callable_phone",
    "due_callbacks",
    "explain_empty",
    "forget_places",
    "get_claim",
    "lead_dict",
    "local_time_text",
    "next_offer",
    "release_claim",
    "release_expired_claims",
    "renew_claim",
    "rep_today",
    "stats",
    "upcoming",
    "wake_cooled",
    # Private, used outside the package: outcomes, the rules' ledger and the outbox run statements
    # with _q, _ts and their kin; tests and benches read the seek's parts.
    "_all_keys",
    "_arms",
    "_campaign_rows",
    "_from_ts",
    "_is_pg",
    "_open_groups",
    "_q",
    "_ready_sql",
    "_ts",
    "_walk",
]
