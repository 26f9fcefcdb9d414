"""One batch of rows judged row by row: refused, a repeat within the file, merged into a
contact the store holds, or a new contact; values checked, event engagement scored. Numbers
are placed by :mod:`calldesk.importing.row_places`, the batch is stored by
:mod:`calldesk.importing.batch_writes`, and plain rows are handed to the column path
(:mod:`calldesk.importing.column_rows`); contacts of both get the ids file order gives them."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from calldesk import locale as locale_mod
from calldesk.importing import dedupe
from calldesk.importing.batch_writes import MAX_ERRORS_STORED
from calldesk.importing.column_rows import _interleave, _joined
from calldesk.importing.indexes import (
    NAME_CODES_MAX,
    _index_add,
    _index_get,
)
from calldesk.importing.placing import RowPhone
from calldesk.importing.readers import _known_names as _known_header_names
from calldesk.importing.readers import looks_like_header
from calldesk.importing.target import _Target
from calldesk.importing.values import (
    _EMAIL,
    _minutes,
    _parse_time,
    _rating,
    _yes_no,
    country_code,
    engagement_score,
)
from calldesk.importing.writer import (
    _db_time,
    _json,
    _Writer,
)
from calldesk.phones import PhoneInfo


class _RowJudgement:
    """The row loop of :class:`calldesk.importing.pipeline._Importer`: methods on the run's
    state, which the importer sets up."""

    @staticmethod
    def _notes(notes_c: Any, booth_c: Any, j: int) -> str | None:
        notes = notes_c[j].strip() if notes_c is not None else ""
        booth = booth_c[j].strip() if booth_c is not None else ""
        if booth:
            notes = f"{notes}\nBooth notes: {booth}".strip()
        return notes or None

    def _batch(
        self,
        batch: Any,
        names: list[str],
        t: _Target,
        writer: _Writer,
        run_id: int,
        next_contact: list[int],
        next_company: list[int],
    ) -> None:
        rows = batch.rows
        n = len(rows)
        width = len(names)
        columns = list(itertools.zip_longest(*rows, fillvalue=""))
        if len(columns) < width:
            columns.extend([("",) * n] * (width - len(columns)))
        result = self.result
        result.rows += n
        numbers = batch.row_numbers

        def col(index: int | None) -> Any:
            return columns[index] if index is not None else None

        phases = self.result.phases
        started = time.process_time()
        # Phones, column by column, vectorised.
        phone_cols: list[tuple[str, str, Any, list[Any], list[Any]]] = []
        code_col = col(t.phone_code)
        for index, label in t.phones:
            raws = list(columns[index])
            if code_col is not None and label == "work":
                raws = [
                    f"+{code.strip().lstrip('+')} {raw}"
                    if code.strip() and raw.strip() and not raw.strip().startswith("+")
                    else raw
                    for code, raw in zip(code_col, raws, strict=True)
                ]
            e164s, infos = self.normalizer.normalize_column(raws)
            phone_cols.append((names[index], label, raws, e164s, infos))
        ext_col = col(t.extension)
        extra_col = col(t.extra_phones)
        email_cols = [(names[i], columns[i]) for i in t.emails]
        first_c, last_c, full_c = col(t.first), col(t.last), col(t.full)
        middle_c = col(t.middle)
        title_c, company_c = col(t.title), col(t.company)
        street_cs = [columns[i] for i in t.street]
        city_c, state_c, postal_c, country_c = (
            col(t.city),
            col(t.state),
            col(t.postal_code),
            col(t.country),
        )
        notes_c, website_c, industry_c = col(t.notes), col(t.website), col(t.industry)
        # Booth notes go to the event engagement (the opener reads them there); imported
        # without an event, they are kept in the contact's notes rather than dropped.
        booth_c = col(t.booth_notes) if self.event is None else None
        custom_cols = [(names[i] if i < width else f"Column {i + 1}", columns[i]) for i in t.custom]
        custom_cols += [(f"Column {i + 1}", columns[i]) for i in range(width, len(columns))]
        engagement_on = self.event is not None
        eng_cols = (
            col(t.rating),
            col(t.booth_notes),
            col(t.registered),
            col(t.attended),
            col(t.minutes),
            col(t.questions),
            col(t.download),
            col(t.engaged_at),
        )

        rows_started = time.process_time()
        phases["phones"] = phases.get("phones", 0.0) + rows_started - started
        new_contacts: list[list[Any]] = []
        new_phones: list[tuple[Any, ...]] = []
        new_emails: list[tuple[Any, ...]] = []
        members: list[tuple[Any, ...]] = []
        engagements: list[tuple[Any, ...]] = []
        errors: list[tuple[Any, ...]] = []
        pending: dict[int, list[Any]] = {}
        remember_name = self._remember_name
        # The names of this run's contacts (what _names_of reads first), for the candidates.
        new_names, name_list = self._new_names, self._name_list
        name_codes = self._name_codes
        new_companies: list[tuple[Any, ...]] = []
        phone_index, email_index = self.phone_index, self.email_index
        dnc = self.dnc
        errors_out = result.errors
        nanp_states = getattr(locale_mod, "nanp_states", None)
        first_new = self.first_new_id
        contact_ids = writer.reserve_ids("contacts", n, next_contact)
        key_of_name = dedupe.name_key
        # Names repeat a lot (first names, common last names): each text is keyed once.
        name_keys = self._name_keys
        if len(name_keys) > 200_000:
            name_keys.clear()
        country_codes = self._country_codes
        if len(country_codes) > 10_000:
            country_codes.clear()
        id_pos = 0
        reasons = result.refused_by_reason
        read_as = result.numbers_read_as
        ext_c = col(t.external_id)

        # Name, company, vendor id of the row (for the rejected-rows file); None once the row's
        # names are read: then made from them when a value is refused (rarely).
        who: tuple[str, str, str] | None = ("", "", "")
        first = last = company_name = external_id = ""

        def refuse(rownum: int, column: str | None, value: str | None, reason: str) -> None:
            """One refused value (a cell) or row, stored and reported with its reason."""
            row_who = who or (f"{first} {last}".strip(), company_name, external_id)
            errors.append((run_id, rownum, column, value, reason, *row_who))
            reasons[reason] = reasons.get(reason, 0) + 1
            if len(errors_out) < MAX_ERRORS_STORED:
                errors_out.append(
                    {"row": rownum, "column": column, "value": value, "reason": reason}
                )

        header_check = self.header_check_row
        header_head = self.header_cells[:1]
        ranks = self._ranks
        # Places through the plain rows' cache (_place); without _locale's helpers, _locale.
        places_on = self._locale_parts is not None
        have_notes = notes_c is not None or booth_c is not None

        # Rows that need no judgement (no value anyone else has, nothing refused) are done in
        # columns after the loop (_plain_contacts); the loop below takes the others, in file
        # order, with the ids they would have had (the plain rows before them count).
        plain = self._plain_columns(
            rows, numbers, columns, t, phone_cols, email_cols, first_c, last_c, full_c, middle_c
        )
        plain_rows = plain.rows if plain is not None else []
        judged = range(n) if plain is None else [j for j in range(n) if plain.judge[j]]
        # (row index, new contacts so far, engagements so far) per judged row: where the plain
        # rows' companies and engagements go between the judged rows'
        marks: list[tuple[int, ...]] = []
        plain_at = counted = 0
        n_plain = len(plain_rows)

        pioneers: dict[int, list[Any]] = {}  # row -> its record's judged part, once known
        for j in judged:
            if n_plain:
                while plain_at < n_plain and plain_rows[plain_at] < j:
                    if plain.pioneer[plain_rows[plain_at]]:  # type: ignore[union-attr]
                        at = plain_rows[plain_at]
                        pioneers[at] = self._register_pioneer(
                            plain,  # type: ignore[arg-type]
                            at,
                            contact_ids[id_pos + plain_at - counted],
                            phone_cols,
                            pending,
                        )
                    plain_at += 1
                id_pos += plain_at - counted
                counted = plain_at
                marks.append((j, len(new_contacts), len(engagements)))
            rownum = numbers[j]
            row_invalid = False
            who = ("", "", "")
            if rownum == header_check or (header_head and rows[j][:1] == header_head):
                why = self._header_like(rows[j])
                header_head = self.header_cells[:1]  # a header found in the rows counts on
                if why:
                    refuse(rownum, None, None, why)
                    result.rows_refused += 1
                    continue
            # names
            first = first_c[j].strip() if first_c is not None else ""
            last = last_c[j].strip() if last_c is not None else ""
            if full_c is not None and not (first or last):
                full = " ".join(full_c[j].split())
                if "," in full:
                    last, _, first = (p.strip() for p in full.partition(","))
                elif full:
                    parts = full.split(" ")
                    first, last = (
                        (parts[0], " ".join(parts[1:])) if len(parts) > 1 else ("", parts[0])
                    )
            if middle_c is not None and middle_c[j].strip() and first:
                first = f"{first} {middle_c[j].strip()}"
            fword = first.split(" ")[0] if first else ""
            fkey = name_keys.get(fword)
            if fkey is None:
                fkey = name_keys[fword] = key_of_name(fword)
            lkey = name_keys.get(last)
            if lkey is None:
                lkey = name_keys[last] = key_of_name(last)
            company_name = " ".join(company_c[j].split()) if company_c is not None else ""
            external_id = ext_c[j].strip()[:200] if ext_c is not None else ""
            who = None
            # phones
            cells_before = len(errors)
            phones: list[RowPhone] = []
            for column_name, label, raws, e164s, infos in phone_cols:
                info = infos[j]
                if info is None:
                    continue
                raw = raws[j].strip()
                e164 = e164s[j]
                extension = info.extension
                if ext_col is not None and label == "work" and not extension and ext_col[j].strip():
                    extension = re.sub(r"\D", "", ext_col[j]) or None
                if not info.valid:
                    row_invalid = True
                    refuse(rownum, column_name, raw, info.reason or "invalid")
                elif info.note:
                    read_as[info.note] = read_as.get(info.note, 0) + 1
                phones.append((label, raw, e164, info, extension))
            if extra_col is not None and extra_col[j].strip():
                for label, raw, info in self._extra_phones(extra_col[j]):
                    if info is None:
                        continue
                    if not info.valid:
                        row_invalid = True
                        refuse(rownum, "extra_phones", raw, info.reason or "invalid")
                    phones.append((label, raw, info.e164, info, info.extension))
            # emails
            emails: list[str] = []
            custom: dict[str, str] = {}
            for column_name, values in email_cols:
                value = values[j].strip()
                if not value:
                    continue
                if _EMAIL.match(value):
                    emails.append(value)
                else:
                    row_invalid = True
                    custom[column_name] = value
                    refuse(rownum, column_name, value, "not an e-mail address")
            for column_name, values in custom_cols:
                value = values[j]
                if value and value.strip():
                    custom[column_name] = value.strip()
            if not (first or last or company_name or phones or emails):
                # The values refused above are part of this refused row, not extra cells.
                for _ in range(len(errors) - cells_before):
                    reason = errors[cells_before][4]
                    reasons[reason] -= 1
                    if not reasons[reason]:
                        del reasons[reason]
                    errors.pop(cells_before)
                    if errors_out and errors_out[-1]["row"] == rownum:
                        errors_out.pop()
                refuse(rownum, None, None, "row holds no name, company, phone or e-mail")
                result.invalid += 1
                result.rows_refused += 1
                continue
            if row_invalid:
                result.invalid += 1
                result.cells_refused += len(errors) - cells_before
            phone_keys = [
                f"{e164}x{ext}" if ext else int(e164[1:]) for _, _, e164, _, ext in phones if e164
            ]
            email_keys = [e.casefold() for e in emails]
            # Without a number or an address, only name and company can tell a person again.
            name_key = None
            if not phone_keys and not email_keys and (fkey or lkey):
                name_key = f"{fkey}|{lkey}|{company_name.casefold()}"
            # engagement
            engagement = None
            if engagement_on:
                engagement = self._engagement(eng_cols, j)
            # dedupe: who already has one of these numbers or addresses?
            # (A line or address many people share has them all as candidates: gathered as a
            # set, and the values marked shared per value rather than per candidate.)
            candidates: set[int] = set()
            held_phones: list[int | str] = []
            held_emails: list[str] = []
            for key in phone_keys:
                have = phone_index.get(key)
                if have is not None:
                    held_phones.append(key)
                    if isinstance(have, list):
                        candidates.update(have)
                    else:
                        candidates.add(have)
            for key in email_keys:
                have = email_index.get(hash(key))  # _email_key
                if have is not None:
                    held_emails.append(key)
                    if isinstance(have, list):
                        candidates.update(have)
                    else:
                        candidates.add(have)
            if name_key is not None:
                candidates.update(_index_get(self.name_index, name_key))
            match_id = None
            if candidates:
                candidates_sorted = sorted(candidates)
                for cid in candidates_sorted:
                    at = cid - first_new
                    code = new_names[at] if 0 <= at < len(new_names) else -1
                    other = name_list[code] if code >= 0 else self._names_of(cid, pending, writer)
                    # Two records the vendor or CRM keeps apart (their own ids differ) are two
                    # people even when the names agree.
                    if dedupe.names_agree(fkey, lkey, other[0], other[1]) and (
                        not external_id or not other[2] or external_id == other[2]
                    ):
                        match_id = cid
                        break
            if match_id is None:
                contact_id = contact_ids[id_pos]
                id_pos += 1
                if candidates:
                    # Everyone else on these values is another person: the values are shared.
                    self.shared_phone_keys.update(held_phones)
                    self.shared_email_keys.update(held_emails)
                    for cid in candidates_sorted:
                        at = cid - first_new
                        code = new_names[at] if 0 <= at < len(new_names) else -1
                        other = (
                            name_list[code] if code >= 0 else self._names_of(cid, pending, writer)
                        )
                        why = dedupe.near_miss(fkey, lkey, other[0], other[1])
                        if why and (contact_id, cid) not in self.pairs:
                            self.pairs.add((contact_id, cid))
                            self._possible.append((contact_id, cid, why, self.now_db))
                address_country = None
                if country_c is not None:
                    country_text = country_c[j]
                    address_country = country_codes.get(country_text, "")
                    if address_country == "":
                        address_country = country_codes[country_text] = country_code(country_text)
                if country_c is not None and country_c[j].strip() and address_country is None:
                    custom.setdefault(names[t.country], country_c[j].strip())  # type: ignore[index]
                state = state_c[j].strip()[:10] if state_c is not None else ""
                valid = [p for p in phones if p[2]]
                contact_dnc = False
                for p in valid:
                    if p[2] in dnc:
                        contact_dnc = True
                        break
                callable_ = bool(valid) and not contact_dnc
                if places_on:
                    # _locale's answer, kept per (country, state, area-code entries): the
                    # plain rows' cache
                    locale_key, reason = self._place(address_country, state, valid, nanp_states)
                else:
                    locale_key, reason = self._locale(address_country, state, valid, nanp_states)
                if not valid:
                    reason = "no valid phone number" if phones else "no phone number"
                score = engagement[0] if engagement else 0
                rank = ranks.get(score)
                if rank is None:
                    rank = self._rank(score)
                record = [
                    contact_id,
                    company_name,  # its company's id once the batch's companies are known
                    first[:120] or None,
                    last[:120] or None,
                    title_c[j].strip()[:200] or None if title_c is not None else None,
                    (
                        ", ".join(s[j].strip() for s in street_cs if s[j].strip())[:300] or None
                        if street_cs
                        else None
                    ),
                    city_c[j].strip()[:120] or None if city_c is not None else None,
                    state or None,
                    postal_c[j].strip()[:20] or None if postal_c is not None else None,
                    address_country or (valid[0][3].region if valid else None),
                    self._notes(notes_c, booth_c, j) if have_notes else None,
                    custom,
                    contact_dnc,
                    callable_,
                    locale_key,
                    reason if locale_key is None else None,
                    score,
                    rank,
                    external_id or None,
                ]
                if website_c is not None and website_c[j].strip():
                    custom.setdefault("website", website_c[j].strip())
                if industry_c is not None and industry_c[j].strip():
                    custom.setdefault("industry", industry_c[j].strip())
                pending[contact_id] = record
                if name_key is not None:
                    _index_add(self.name_index, name_key, contact_id)
                name_code = name_codes.get((fkey, lkey, external_id))
                if name_code is not None and contact_id - first_new == len(new_names):
                    new_names.append(name_code)  # the usual case of _remember_name
                else:
                    remember_name(contact_id, (fkey, lkey, external_id))
                new_contacts.append(record)
                self._add_values(
                    contact_id, phones, emails, new_phones, new_emails, dnc, True, fresh=True
                )
                # A later merge may add this membership again: ON CONFLICT keeps one.
                members.append((contact_id, rownum))
                if engagement:
                    engagements.append((self.event.id, contact_id, *engagement[1:]))  # type: ignore[union-attr]
                result.imported += 1
                if contact_dnc:
                    result.dnc_suppressed += 1
            else:
                # The same person again: merge new numbers, addresses, list and event.
                if match_id >= first_new:
                    result.duplicates += 1
                else:
                    result.merged += 1
                existing = pending.get(match_id)
                added_valid = self._add_values(
                    match_id, phones, emails, new_phones, new_emails, dnc, existing is not None
                )
                if match_id not in self.in_list:
                    members.append((match_id, rownum))
                    self.in_list.add(match_id)
                score = engagement[0] if engagement else 0
                if engagement:
                    engagements.append((self.event.id, match_id, *engagement[1:]))  # type: ignore[union-attr]
                if existing is not None:
                    if score > existing[16]:
                        existing[16] = score
                        existing[17] = self._rank(score)
                    if added_valid is not None:
                        self._merge_pending(existing, added_valid, nanp_states)
                else:
                    upd = self.merged_updates.setdefault(
                        match_id, [0, False, False, match_id < first_new]
                    )
                    upd[0] = max(upd[0], score)
                    if added_valid:
                        upd[1] = upd[1] or any(dnc_ for dnc_ in added_valid)
                        upd[2] = upd[2] or not all(added_valid)

        # The judged rows' records are done with: custom fields as JSON text, and with batched
        # writes not offered by the queue before the run is done (see _release).
        hold_back = self.hold_back
        for r in new_contacts:
            if r[11]:
                r[11] = _json(r[11])
            else:
                r[11] = None
            if hold_back:
                r[13] = False
        # Companies get their ids in the order of the rows that first name them.
        company_names = [r[1] for r in new_contacts]
        plain_js = plain_rows if plain is not None else []
        starts = list(zip(*marks, strict=True)) if marks else [()] * 3
        if plain_js:
            company_names = _interleave(
                [plain.companies[j] for j in plain_js],  # type: ignore[union-attr]
                plain_js,
                company_names,
                starts[0],
                starts[1],
            )
        company_ids: dict[str, int | None] = dict.fromkeys(company_names)
        companies = self.companies
        for name in company_ids:
            if name:
                company_key = name.casefold()[:300]
                company_id = companies.get(company_key)
                if company_id is None:
                    company_id = writer.reserve_ids("companies", 1, next_company)[0]
                    companies[company_key] = company_id
                    new_companies.append((company_id, name[:300], company_key, self.now_db))
                company_ids[name] = company_id
        for r in new_contacts:
            r[1] = company_ids[r[1]]
        if plain_js:
            built = self._plain_contacts(
                plain,  # type: ignore[arg-type]
                contact_ids[: id_pos + n_plain - counted],
                {r[0] for r in new_contacts},
                pioneers,
                company_ids,
                columns,
                t,
                names,
                phone_cols,
                eng_cols if engagement_on else None,
            )
            # The plain rows' columns, then the judged rows' values. Contacts carry their ids;
            # a contact's numbers and addresses are written in the order it gained them (the
            # judged rows only add to contacts of rows before them), which is what readers
            # order them by.
            contact_columns = _joined(built[0], new_contacts)
            phone_columns = _joined(built[1], new_phones)
            email_columns = _joined(built[2], new_emails)
            member_columns = _joined(built[3], members)
            engagements = _interleave(built[4], plain_js, engagements, starts[0], starts[2])
        else:
            contact_columns = _joined(None, new_contacts)
            phone_columns = _joined(None, new_phones)
            email_columns = _joined(None, new_emails)
            member_columns = _joined(None, members)
        # Write the batch.
        written = time.process_time()
        phases["rows"] = phases.get("rows", 0.0) + written - rows_started
        self._write_batch(
            writer,
            run_id,
            new_companies,
            contact_columns,
            phone_columns,
            email_columns,
            member_columns,
        )
        self._write_engagements_and_refusals(writer, run_id, engagements, errors)
        self.state.rows_stored += n
        phases["write"] = phases.get("write", 0.0) + time.process_time() - written
        # Names of this batch's contacts are in the database now.
        if len(self.names) > 50_000:
            self.names.clear()

    def _header_like(self, row: list[str]) -> str | None:
        """Why ``row`` is a header row rather than a person, or None."""
        cells = [" ".join(c.split()) for c in row]
        filled = [c for c in cells if c]
        if self.header_cells and filled == [
            " ".join(c.split()) for c in self.header_cells if c.strip()
        ]:
            return "repeats the header row (column names, not a person)"
        if not self.header_cells and looks_like_header(row) and _known_header_names(row) >= 2:
            self.header_cells = list(row)  # a later copy of it is refused too
            return "looks like a header row (column names, not a person)"
        return None

    def _remember_name(self, contact_id: int, key: tuple[str, str, str]) -> None:
        """Keep the name keys of a contact this run creates (see ``_new_names``)."""
        code = self._name_codes.get(key)
        if code is None:
            if len(self._name_list) < NAME_CODES_MAX:
                code = self._name_codes[key] = len(self._name_list)
                self._name_list.append(key)
            else:
                code = -1
        at = contact_id - self.first_new_id
        codes = self._new_names
        if at > len(codes):  # ids others took between two batches (shared writes)
            codes.extend([-1] * (at - len(codes)))
        if at == len(codes):
            codes.append(code)
        elif at >= 0:
            codes[at] = code

    def _names_of(
        self, contact_id: int, pending: dict[int, list[Any]], writer: _Writer
    ) -> tuple[str, str, str]:
        known = self.names.get(contact_id)
        if known is not None:
            return known
        at = contact_id - self.first_new_id
        if 0 <= at < len(self._new_names):
            code = self._new_names[at]
            if code >= 0:
                return self._name_list[code]
        rows = writer.execute(
            "SELECT first_name, last_name, external_id FROM contacts WHERE id = ?", (contact_id,)
        )
        first, last, external = rows[0] if rows else ("", "", "")
        known = (
            dedupe.name_key((first or "").split(" ")[0]),
            dedupe.name_key(last or ""),
            external or "",
        )
        self.names[contact_id] = known
        return known

    def _zones_text(self, zones: tuple[str, ...]) -> str | None:
        text = self._zone_texts.get(zones)
        if text is None and zones not in self._zone_texts:
            text = self._zone_texts[zones] = "|".join(zones)[:300] or None
        return text

    def _add_values(
        self,
        contact_id: int,
        phones: list[RowPhone],
        emails: list[str],
        new_phones: list[tuple[Any, ...]],
        new_emails: list[tuple[Any, ...]],
        dnc: set[str],
        keep_invalid: bool,
        fresh: bool = False,
    ) -> list[bool] | None:
        """Phones and e-mails for a contact, skipping values it already has. Returns the DNC
        flag of each new valid number (None when nothing new). ``fresh``: the contact was
        just created, so a value it has is one this call added, last in its owners (no scan
        of a long list of owners)."""
        added: list[bool] = []
        phone_index = self.phone_index
        zones_text = self._zones_text
        position = 0 if keep_invalid else 10
        for label, raw, e164, info, extension in phones:
            if e164:
                key = f"{e164}x{extension}" if extension else int(e164[1:])
                owners = phone_index.get(key)
                if owners is None:
                    phone_index[key] = contact_id
                elif fresh and isinstance(owners, list):
                    if owners[-1] == contact_id:
                        continue
                    owners.append(contact_id)
                elif owners == contact_id or (isinstance(owners, list) and contact_id in owners):
                    continue
                else:
                    _index_add(phone_index, key, contact_id)
                on_dnc = e164 in dnc
                added.append(on_dnc)
                new_phones.append(
                    (
                        contact_id,
                        position,
                        label,
                        raw[:100],
                        e164,
                        extension,
                        info.number_type,
                        info.region,
                        zones_text(info.time_zones),
                        True,
                        None,
                        on_dnc,
                    )
                )
            elif keep_invalid:
                new_phones.append(
                    (
                        contact_id,
                        position,
                        label,
                        raw[:100],
                        None,
                        extension,
                        None,
                        None,
                        None,
                        False,
                        (info.reason or "invalid")[:200],
                        False,
                    )
                )
            else:
                continue  # an invalid number of a known contact: reported, not added twice
            position += 1
        email_index = self.email_index
        role_parts = dedupe.ROLE_LOCAL_PARTS
        for address in emails:
            key = address.casefold()
            hashed = hash(key)  # _email_key
            owners = email_index.get(hashed)
            if owners is None:
                email_index[hashed] = contact_id
            elif fresh and isinstance(owners, list):
                if owners[-1] == contact_id:
                    continue
                owners.append(contact_id)
            elif owners == contact_id or (isinstance(owners, list) and contact_id in owners):
                continue
            else:
                _index_add(email_index, hashed, contact_id)
            # dedupe.is_role_address(address): casefold maps character by character and
            # never makes an "@", so the local part of the key is the casefolded local part.
            new_emails.append(
                (contact_id, address[:254], key[:254], key.partition("@")[0] in role_parts)
            )
        return added or None

    def _merge_pending(self, record: list[Any], added_dnc: list[bool], nanp_states: Any) -> None:
        if any(added_dnc):
            record[12] = True
            record[13] = False
        elif not record[12] and not all(added_dnc):
            record[13] = True

    def _engagement(self, cols: tuple[Any, ...], j: int) -> tuple[Any, ...]:
        rating_c, notes_c, registered_c, attended_c, minutes_c, questions_c, download_c, at_c = cols
        rating = _rating(rating_c[j]) if rating_c is not None else None
        notes = notes_c[j].strip() or None if notes_c is not None else None
        registered = _yes_no(registered_c[j]) if registered_c is not None else None
        attended = _yes_no(attended_c[j]) if attended_c is not None else None
        minutes = _minutes(minutes_c[j]) if minutes_c is not None else None
        if attended is None and minutes:
            attended = True
        questions = questions_c[j].strip() or None if questions_c is not None else None
        download = download_c[j].strip()[:300] or None if download_c is not None else None
        engaged_at = _parse_time(at_c[j]) if at_c is not None else None
        score = engagement_score(rating, attended, minutes, questions, notes, download)
        return (
            score,
            rating,
            notes,
            True if registered is None else registered,
            attended,
            minutes,
            questions,
            download,
            score,
            _db_time(engaged_at, self.sqlite) if engaged_at else None,
        )

    def _extra_phones(self, text: str) -> list[tuple[str, str, PhoneInfo | None]]:
        """VICIdial extra phones: ``NUMBER_COUNTRYCODE_NOTE!NUMBER_COUNTRYCODE_NOTE``."""
        found = []
        for item in text.split("!"):
            parts = item.strip().split("_")
            if not parts or not parts[0].strip():
                continue
            number = parts[0].strip()
            code = parts[1].strip() if len(parts) > 1 else ""
            note = "_".join(parts[2:]).strip()[:40] if len(parts) > 2 else "other"
            raw = f"+{code} {number}" if code and not number.startswith("+") else number
            found.append((note or "other", raw, self.normalizer.normalize(raw)))
        return found
