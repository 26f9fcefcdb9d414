"""What a run does before its first row and after its last: the list, event, campaigns and
sprint it imports into, where new contacts go in the queue, what the store already holds
(preload), the indexes a big first load drops; then shared numbers, merged contacts, business
lines, region mismatches and the run's record."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from calldesk.importing import dedupe
from calldesk.importing.batch_writes import CONTACT_COLUMNS, CONTACT_FIXED
from calldesk.importing.indexes import (
    _email_key,
    _index_add,
    _key_e164,
    _phone_key,
)
from calldesk.importing.mapping import ColumnMapping
from calldesk.importing.readers import FileLayout
from calldesk.importing.run import (
    EVENT_SOURCES,
    ImportRefused,
)
from calldesk.importing.writer import _Writer
from calldesk.models import (
    CallList,
    Campaign,
    CampaignList,
    Contact,
    Email,
    Event,
    ImportRun,
    ListMember,
    Phone,
    utcnow,
)

EVENT_SPRINT_PRIORITY = 10

# A SQLite load of a file this big into a store of at most this many contacts drops the
# secondary indexes of contacts, numbers, addresses and list entries and builds them at the end.
DROP_INDEXES_FROM_BYTES = 5_000_000
DROP_INDEXES_UP_TO_CONTACTS = 50_000

_NOT_NULL = re.compile(r"\s*(\w+) IS NOT NULL\s*", re.IGNORECASE)


def enters_no_new_contact(index: Any) -> bool:
    """True for a partial index of contacts no new contact of an import enters: its predicate
    asks for a value the import never writes (a claim, a cooling-down time, a grade: work on
    the desk gives those). A big load leaves such an index up (its rows never touch it)
    instead of dropping it and scanning a million contacts to build it empty."""
    if index.table is not Contact.__table__:
        return False
    where = index.dialect_options["sqlite"]["where"]
    found = _NOT_NULL.fullmatch(str(where)) if where is not None else None
    return found is not None and found[1] not in (*CONTACT_COLUMNS, *CONTACT_FIXED)


def rebuilt_after_big_load() -> list[Any]:
    """The secondary indexes a big SQLite load drops and builds once at the end: every index of
    the contacts, numbers, addresses and list entries it writes, but those no imported contact
    enters (:func:`enters_no_new_contact`)."""
    return [
        index
        for table in (Contact.__table__, Phone.__table__, Email.__table__, ListMember.__table__)
        for index in sorted(table.indexes, key=lambda i: i.name or "")  # type: ignore[attr-defined]
        if not enters_no_new_contact(index)
    ]


# The shipped script each kind of event sprint starts with (a manager can change it).
SPRINT_SCRIPTS = {
    "trade_show": "trade_show",
    "webinar": "webinar",
    "seminar": "webinar",
    "whitepaper": "whitepaper",
    "dormant": "dormant_client",
}


# Headers of a column that says whether a row's numbers are business lines.
PHONE_TYPE_HEADERS = frozenset(
    {"phonetype", "linetype", "numbertype", "phonelinetype", "businessline", "b2bline"}
)


class _RunEnds:
    """Set-up and finish of :class:`calldesk.importing.pipeline._Importer`: methods on the
    run's state, which the importer sets up."""

    def _max_id(self, writer: _Writer, table: str) -> int:
        rows = writer.execute(f"SELECT max(id) FROM {table}")
        return int(rows[0][0] or 0)

    def _setup(
        self, session: Session, mapping: ColumnMapping
    ) -> tuple[CallList, Event | None, list[Campaign]]:
        options = self.options
        event: Event | None = None
        if options.event:
            event = session.scalar(select(Event).where(Event.name == options.event))
            if event is None:
                kind = options.source if options.source in EVENT_SOURCES else "trade_show"
                event = Event(name=options.event, kind=kind)
                session.add(event)
                session.flush()
                self.created["event"] = event.id
            if options.event_date is not None:
                event.event_date = options.event_date
            elif event.event_date is None and self.file_event_date is not None:
                # Not today: the day the file's scans or joins happened.
                event.event_date = self.file_event_date
                self.result.notes.append(
                    f"event date {self.file_event_date.isoformat()} taken from the file's "
                    "scan/join times (give --event-date to set another)"
                )
            elif event.event_date is None:
                self.result.notes.append(
                    "no event date given and none in the file: the event has no date "
                    "(give --event-date)"
                    + (
                        "; the follow-up deadline counts from today"
                        if options.follow_up_days is not None
                        else ""
                    )
                )
            if options.cost is not None:
                event.cost = options.cost
            if options.follow_up_days is not None:
                base = options.event_date or event.event_date or self.now.date()
                event.follow_up_deadline = base + dt.timedelta(days=options.follow_up_days)
            session.flush()
        elif options.follow_up_days is not None or options.event_date is not None:
            raise ImportRefused("--event-date and --follow-up-days need --event NAME")
        name = options.list_name.strip()
        call_list = session.scalar(select(CallList).where(CallList.name == name))
        if call_list is None:
            call_list = CallList(
                name=name,
                source_kind=options.source,
                event_id=event.id if event else None,
                default_country=self.country,
                mapping_name=mapping.name,
                cost=options.cost if event is None else None,
            )
            session.add(call_list)
            session.flush()
            self.created["list"] = call_list.id
        elif event is not None and call_list.event_id is None:
            call_list.event_id = event.id
        session.flush()
        campaigns: list[Campaign] = []
        if options.campaign:
            named = session.scalar(select(Campaign).where(Campaign.name == options.campaign))
            if named is None:
                named = Campaign(name=options.campaign, kind="list")
                session.add(named)
                session.flush()
                self.created.setdefault("campaigns", []).append(named.id)
            campaigns.append(named)
        if event is not None and event.follow_up_deadline is not None:
            sprint = session.scalar(
                select(Campaign).where(
                    Campaign.event_id == event.id, Campaign.kind == "event_sprint"
                )
            )
            if sprint is None:
                sprint_name = f"{event.name} follow-up"
                if session.scalar(select(Campaign.id).where(Campaign.name == sprint_name)):
                    sprint_name = f"{event.name} follow-up ({event.id})"
                sprint = Campaign(
                    name=sprint_name,
                    kind="event_sprint",
                    event_id=event.id,
                    deadline=event.follow_up_deadline,
                    priority=EVENT_SPRINT_PRIORITY,
                    script_key=SPRINT_SCRIPTS.get(event.kind, "bant"),
                )
                session.add(sprint)
                session.flush()
                self.created.setdefault("campaigns", []).append(sprint.id)
            else:
                sprint.deadline = event.follow_up_deadline
            session.flush()
            campaigns.append(sprint)
        if not options.campaign and (event is None or event.follow_up_deadline is None):
            default = session.scalar(
                select(Campaign).where(Campaign.is_default).order_by(Campaign.id)
            )
            if default is not None:
                campaigns.append(default)
        for campaign in campaigns:
            if session.get(CampaignList, (campaign.id, call_list.id)) is None:
                session.add(CampaignList(campaign_id=campaign.id, list_id=call_list.id))
                self.created.setdefault("campaign_lists", []).append([campaign.id, call_list.id])
        session.flush()
        return call_list, event, campaigns

    def _queue_place(self, campaigns: list[Campaign], event: Event | None) -> None:
        """The campaign new contacts are worked under and their queue rank inputs."""
        try:
            from calldesk.campaigns import queue_rank
        except ImportError:  # pragma: no cover - campaigns module absent
            queue_rank = None
        best: tuple[Any, ...] | None = None
        for campaign in campaigns:
            tier = 1 if campaign.kind == "event_sprint" else 2
            rank = queue_rank(tier, campaign.priority, 0, campaign.deadline) if queue_rank else tier
            candidate = (0 if campaign.active else 1, rank, campaign.id, campaign, tier)
            if best is None or candidate[:3] < best[:3]:
                best = candidate
        self.queue_rank_fn = queue_rank
        if best is None:
            self.campaign_id, self.tier, self.priority, self.deadline = None, 2, 0, None
            return
        campaign = best[3]
        self.campaign_id = None if campaign.is_default else campaign.id
        self.tier = best[4]
        self.priority = campaign.priority
        self.deadline = campaign.deadline
        if event is not None and event.follow_up_deadline is not None:
            self.tier = 1

    def _rank(self, engagement: int) -> int:
        rank = self._ranks.get(engagement)
        if rank is None:
            rank = self._ranks[engagement] = self._compute_rank(engagement)
        return rank

    def _compute_rank(self, engagement: int) -> int:
        if self.queue_rank_fn is None:
            return self.tier * 10**15 - engagement
        return self.queue_rank_fn(self.tier, self.priority, engagement, self.deadline)

    def _preload(self, writer: _Writer) -> None:
        """What the store already holds: numbers and addresses (for dedupe) and the DNC list."""
        cursor = writer.cursor
        cursor.execute("SELECT e164, extension, contact_id FROM phones WHERE e164 IS NOT NULL")
        while rows := cursor.fetchmany(50_000):
            for e164, extension, contact_id in rows:
                _index_add(self.phone_index, _phone_key(e164, extension), contact_id)
        cursor.execute("SELECT address_key, contact_id FROM emails")
        while rows := cursor.fetchmany(50_000):
            for key, contact_id in rows:
                _index_add(self.email_index, _email_key(key), contact_id)
        cursor.execute(
            "SELECT c.first_name, c.last_name, co.name, c.id FROM contacts c "
            "LEFT JOIN companies co ON co.id = c.company_id "
            "WHERE NOT EXISTS (SELECT 1 FROM phones p WHERE p.contact_id = c.id AND p.e164 IS NOT NULL) "
            "AND NOT EXISTS (SELECT 1 FROM emails e WHERE e.contact_id = c.id)"
        )
        while rows := cursor.fetchmany(50_000):
            for first, last, company, contact_id in rows:
                key = (
                    f"{dedupe.name_key((first or '').split(' ')[0])}|{dedupe.name_key(last or '')}"
                    f"|{(company or '').casefold()}"
                )
                _index_add(self.name_index, key, contact_id)
        cursor.execute("SELECT DISTINCT e164 FROM dnc_entries")
        while rows := cursor.fetchmany(50_000):
            self.dnc.update(r[0] for r in rows)
        cursor.execute(
            "SELECT contact_id FROM list_members WHERE list_id = " + str(int(self.list_id))
        )
        while rows := cursor.fetchmany(50_000):
            self.in_list.update(r[0] for r in rows)
        cursor.execute("SELECT name_key, id FROM companies")
        while rows := cursor.fetchmany(50_000):
            for key, company_id in rows:
                self.companies.setdefault(key, company_id)

    def _drop_indexes(self, conn: Connection, writer: _Writer, layout: FileLayout) -> list[Any]:
        """On SQLite, a big load into a (nearly) empty store is faster with the secondary
        indexes built once at the end; the write lock keeps readers on the old snapshot."""
        if not self.sqlite or layout.size < DROP_INDEXES_FROM_BYTES:
            return []
        existing = self._max_id(writer, "contacts")
        if existing > DROP_INDEXES_UP_TO_CONTACTS:
            return []
        dropped = rebuilt_after_big_load()
        for index in dropped:
            index.drop(conn)
        return dropped

    def _finish(
        self,
        session: Session,
        writer: _Writer,
        call_list: CallList,
        campaigns: list[Campaign],
        mapping: ColumnMapping,
        run_id: int,
        sha: str,
    ) -> None:
        t = time.process_time()
        true = 1 if self.sqlite else True
        shared_phones = sorted({_key_e164(k) for k in self.shared_phone_keys})
        for start in range(0, len(shared_phones), 500):
            e164s = shared_phones[start : start + 500]
            marks = ",".join("?" * len(e164s))
            writer.execute(f"UPDATE phones SET shared = ? WHERE e164 IN ({marks})", (true, *e164s))
        shared_emails = sorted(self.shared_email_keys)
        for start in range(0, len(shared_emails), 500):
            chunk = shared_emails[start : start + 500]
            marks = ",".join("?" * len(chunk))
            writer.execute(
                f"UPDATE emails SET shared = ? WHERE address_key IN ({marks})", (true, *chunk)
            )
        self.result.shared_numbers = len(shared_phones)
        # Contacts that existed before: new numbers may put them on the DNC list or make them
        # callable again; event heat only ever rises.
        false = 0 if self.sqlite else False
        updates = list(self.merged_updates.items())
        writer.executemany(
            "UPDATE contacts SET engagement = ?, queue_rank = ? WHERE id = ? AND engagement < ?",
            [(u[0], self._rank(u[0]), cid, u[0]) for cid, u in updates if u[0] and not u[3]],
        )
        writer.executemany(
            "UPDATE contacts SET dnc = ?, callable = ? WHERE id = ?",
            [(true, false, cid) for cid, u in updates if u[1]],
        )
        writer.executemany(
            "UPDATE contacts SET callable = ? WHERE id = ? AND NOT callable AND NOT dnc AND stage = 'new'",
            [(true, cid) for cid, u in updates if u[2] and not u[1]],
        )
        preexisting = [cid for cid, u in updates if u[3]]
        count = writer.execute(
            "SELECT count(*) FROM list_members WHERE list_id = ?", (call_list.id,)
        )
        call_list.row_count = int(count[0][0])
        if mapping.name and mapping.name != "auto":
            call_list.mapping_name = mapping.name
        if self.options.save_mapping_as:
            from calldesk.importing.mapping import save_mapping

            if not mapping.source_headers:
                mapping.source_headers = list(self.column_names)
            save_mapping(session, self.options.save_mapping_as, mapping)
            call_list.mapping_name = self.options.save_mapping_as
        if preexisting:
            try:
                from calldesk.campaigns import assign_contacts

                assign_contacts(session, [c.id for c in campaigns])
            except ImportError:  # pragma: no cover
                pass
        self._mark_business_lines(session, writer, call_list, mapping)
        if "country" in mapping.columns.values():
            self.result.region_mismatches = self._region_mismatches(writer, call_list)
        run = session.get(ImportRun, run_id)
        assert run is not None
        run.list_id = call_list.id
        run.state = "done"
        run.finished_at = utcnow()
        stats = self.result.to_json()
        stats.pop("errors")
        stats["error_count"] = self.stored_errors
        stats["possible_duplicates"] = self.result.possible_duplicates
        stats["shared_numbers"] = self.result.shared_numbers
        run.stats = stats
        session.flush()
        self.result.phases["finishing"] = time.process_time() - t

    def _mark_business_lines(
        self, session: Session, writer: _Writer, call_list: CallList, mapping: ColumnMapping
    ) -> None:
        """A "Phone type"/"Line type" column (kept as a custom field) marks the row's numbers as
        business lines, which the calling rules exempt where a statute does (calldesk.rules)."""
        from calldesk.rules.marks import phone_type, refresh_business_keys

        mapped = set(mapping.columns)
        headers = [
            h
            for h in self.column_names
            if h not in mapped and re.sub(r"[^a-z0-9]", "", h.casefold()) in PHONE_TYPE_HEADERS
        ]
        if not headers:
            return
        business: list[int] = []
        rows = writer.execute(
            "SELECT c.id, c.custom FROM contacts c JOIN list_members m ON m.contact_id = c.id "
            "WHERE m.list_id = ? AND c.custom IS NOT NULL",
            (call_list.id,),
        )
        for contact_id, custom in rows:
            values = json.loads(custom) if isinstance(custom, str) else (custom or {})
            if any(phone_type(str(values.get(h) or "")) for h in headers):
                business.append(contact_id)
        true = 1 if self.sqlite else True
        for start in range(0, len(business), 500):
            chunk = business[start : start + 500]
            marks = ",".join("?" * len(chunk))
            writer.execute(
                f"UPDATE phones SET business = ? WHERE contact_id IN ({marks}) AND e164 IS NOT NULL",
                (true, *chunk),
            )
            counted = writer.execute(
                f"SELECT count(*) FROM phones WHERE business AND contact_id IN ({marks})",
                tuple(chunk),
            )
            self.result.business_lines += int(counted[0][0])
        session.expire_all()
        refresh_business_keys(session, business)

    def _region_mismatches(self, writer: _Writer, call_list: CallList) -> int:
        """Contacts with a valid number of another country than their row's Country column."""
        true = 1 if self.sqlite else True
        found = writer.execute(
            "SELECT count(DISTINCT c.id) FROM contacts c "
            "JOIN list_members m ON m.contact_id = c.id JOIN phones p ON p.contact_id = c.id "
            "WHERE m.list_id = ? AND c.country IS NOT NULL AND p.region IS NOT NULL "
            "AND p.valid = ? AND p.region <> c.country",
            (call_list.id, true),
        )
        return int(found[0][0])
