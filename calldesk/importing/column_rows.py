"""Rows that need no judgement, built a column at a time.

A row is plain when no other row of its batch and no known contact holds one of its values
(a number, an address, or for rows with neither, the name and company), none is refused and
it is neither empty nor header-like: a new contact on its own. :meth:`_ColumnRows._plain_columns`
finds those rows and :meth:`_ColumnRows._plain_contacts` builds their contacts, numbers,
addresses and list entries column by column; the other rows go through the row loop
(:mod:`calldesk.importing.judgement`). Both store what the row loop alone would store
(tests/test_import_columns.py keeps them equal): contacts carry the ids their rows' file order
gives them, and each contact's numbers and addresses are written in the order it gained them.
The writer takes the plain rows' values as columns, the judged rows' after them.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from calldesk import locale as locale_mod
from calldesk.importing import dedupe
from calldesk.importing.indexes import NAME_CODES_MAX
from calldesk.importing.placing import info_entry
from calldesk.importing.target import _Target
from calldesk.importing.values import country_code, email_shapes
from calldesk.importing.writer import _json


@dataclass
class _Plain:
    """A batch in columns (every row): names, keys, and which rows the row loop judges."""

    rows: list[int]  # the rows built in columns (ascending)
    judge: bytearray  # 1 for a row the row loop takes
    pioneer: bytearray  # 1 for a row holding a value a later (judged) row holds too
    numbers: list[int]
    firsts: list[str]
    lasts: list[str]
    fkeys: list[str]
    lkeys: list[str]
    companies: list[str]
    externals: list[str]
    phone_keys: list[list[Any]]  # per phone column, per row: its dedupe key or None
    email_values: list[list[str]]  # per e-mail column, per row
    email_keys: list[list[str | None]]  # casefolded address, None when none or refused
    email_hashes: list[list[int | None]]
    name_keys: list[str | None]  # rows without a number or an address


def _first(pair: tuple[int, Any]) -> int:
    return pair[0]


def _interleave(
    plain: list[Any],
    plain_js: list[int],
    judged: list[Any],
    judged_js: tuple[int, ...] | list[int],
    starts: tuple[int, ...] | list[int],
) -> list[Any]:
    """Rows of the plain rows (``plain_js``: the row index of each, ascending) and of the
    judged rows (the judged row ``judged_js[k]`` made ``judged[starts[k]:starts[k + 1]]``)
    in file order."""
    if not judged:
        return plain
    if not plain:
        return judged
    out: list[Any] = []
    at = 0
    ends = [*starts[1:], len(judged)]
    for j, start, end in zip(judged_js, starts, ends, strict=True):
        if start == end:
            continue
        cut = bisect.bisect_left(plain_js, j, at)
        out += plain[at:cut]
        out += judged[start:end]
        at = cut
    out += plain[at:]
    return out


_time_zones = operator.attrgetter("time_zones")


def _nones(values: list[Any]) -> Iterator[int]:
    """The indexes of the Nones in ``values`` (the test done in C)."""
    return itertools.compress(range(len(values)), map(operator.is_, values, itertools.repeat(None)))


def _number_keys(e164s: list[str | None]) -> list[Any]:
    """The dedupe key of each number as if without an extension (its digits as an int, as
    :func:`calldesk.importing.indexes._phone_key` makes it), None for no number."""
    import polars as pl

    return pl.Series(e164s, dtype=pl.String).str.slice(1).cast(pl.Int64).to_list()


def _learn(
    index: dict[Any, int],
    keys: list[Any],
    rows: list[int],
    ids: list[int],
    pioneers: dict[int, list[Any]],
) -> None:
    """A dedupe index learns the plain rows' keys (``keys[j]`` of row ``j``, None for none)
    as their contacts' (``ids``, a row each). A pioneer's are known already, and a judged row
    may have changed what its key says since: those stay. (No two plain rows share a key.)"""
    learnt = dict(zip(map(keys.__getitem__, rows), ids, strict=True))
    learnt.pop(None, None)
    for j in pioneers:
        learnt.pop(keys[j], None)
    index.update(learnt)


def _joined(plain: list[list[Any]] | None, judged: list[Any]) -> list[list[Any]]:
    """The plain rows' columns (``plain``, None without any) followed by the judged rows'
    (``judged``: a row each), as one set of columns."""
    if plain is None:
        return [list(column) for column in zip(*judged, strict=True)]
    if not judged:
        return plain
    return [
        column + list(more) for column, more in zip(plain, zip(*judged, strict=True), strict=True)
    ]


class _ColumnRows:
    """The column path of :class:`calldesk.importing.pipeline._Importer`: methods on the run's
    state, which the importer sets up."""

    def _plain_columns(
        self,
        rows: list[list[str]],
        numbers: list[int],
        columns: list[Any],
        t: _Target,
        phone_cols: list[tuple[str, str, Any, list[Any], list[Any]]],
        email_cols: list[tuple[str, Any]],
        first_c: Any,
        last_c: Any,
        full_c: Any,
        middle_c: Any,
    ) -> _Plain | None:
        """The batch's names and keys in columns, and which rows need judgement: a value
        another row of the batch or a known contact has (a number, an address, or for rows
        with neither, the name and company), a value refused, a header-like row, an empty one.
        Every other row is a new contact on its own (:meth:`_plain_contacts`). Keys are those
        the row loop uses; a row judged for a key it does not have only costs time."""
        n = len(rows)
        if n == 0 or self._locale_parts is None:
            return None
        if self.header_check_row >= 0 and self.header_check_row in numbers:
            return None  # a header-like first row can make later rows header copies
        judge = bytearray(n)
        header_head = self.header_cells[:1]
        if header_head and columns:
            head = header_head[0]
            for j in list(itertools.compress(range(n), map(head.__eq__, columns[0]))):
                if rows[j][:1] == header_head:
                    judge[j] = 1
        # names, as the row loop reads them
        firsts = [v.strip() for v in first_c] if first_c is not None else [""] * n
        lasts = [v.strip() for v in last_c] if last_c is not None else [""] * n
        if full_c is not None:
            for j, text in enumerate(full_c):
                if firsts[j] or lasts[j]:
                    continue
                full = " ".join(text.split())
                if "," in full:
                    last, _, first = (p.strip() for p in full.partition(","))
                    firsts[j], lasts[j] = first, last
                elif full:
                    parts = full.split(" ")
                    firsts[j], lasts[j] = (
                        (parts[0], " ".join(parts[1:])) if len(parts) > 1 else ("", parts[0])
                    )
        if middle_c is not None:
            for j, text in enumerate(middle_c):
                middle = text.strip()
                if middle and firsts[j]:
                    firsts[j] = f"{firsts[j]} {middle}"
        fkeys = self._keys_of([f.split(" ")[0] if f else "" for f in firsts])
        lkeys = self._keys_of(lasts)
        company_c = columns[t.company] if t.company is not None else None
        companies = [" ".join(v.split()) for v in company_c] if company_c is not None else [""] * n
        ext_c = columns[t.external_id] if t.external_id is not None else None
        externals = [v.strip()[:200] for v in ext_c] if ext_c is not None else [""] * n
        # numbers
        ext_col = columns[t.extension] if t.extension is not None else None
        phone_keys: list[list[Any]] = []
        all_phone_keys: list[Any] = []
        for _name, label, _raws, e164s, infos in phone_cols:
            if ext_col is not None and label == "work":
                keys: list[Any] = [None] * n
                for j, info in enumerate(infos):
                    if info is None:
                        continue
                    extension = info.extension
                    if not extension and ext_col[j].strip():
                        extension = re.sub(r"\D", "", ext_col[j]) or None
                        judge[j] = 1
                    e164 = e164s[j]
                    if e164:
                        keys[j] = f"{e164}x{extension}" if extension else int(e164[1:])
            else:
                keys = _number_keys(e164s)
                numbered = list(itertools.compress(range(n), e164s))
                for j in [j for j in numbered if infos[j].extension]:
                    keys[j] = f"{e164s[j]}x{infos[j].extension}"
            # a number read but not valid
            for j in [
                *[j for j in _nones(e164s) if infos[j] is not None],
                *[j for j in itertools.compress(range(n), e164s) if not infos[j].valid],
            ]:
                judge[j] = 1
            phone_keys.append(keys)
            all_phone_keys += keys
        extra_keys: set[Any] = set()  # numbers of extra phones (their rows are judged)
        if t.extra_phones is not None:
            for j, text in enumerate(columns[t.extra_phones]):
                if text.strip():
                    judge[j] = 1
                    for _label, _raw, info in self._extra_phones(text):
                        if info is not None and info.e164:
                            e164, extension = info.e164, info.extension
                            key = f"{e164}x{extension}" if extension else int(e164[1:])
                            all_phone_keys.append(key)
                            extra_keys.add(key)
        # addresses
        email_values: list[list[str]] = []
        email_keys: list[list[str | None]] = []
        email_hashes: list[list[int | None]] = []
        all_hashes: list[int | None] = []
        for _name, values in email_cols:
            stripped = [v.strip() for v in values]
            shapes = email_shapes(stripped)
            keys = [
                v.casefold() if shaped else None for v, shaped in zip(stripped, shapes, strict=True)
            ]
            # an address written but not valid (True > False: a value, no shape)
            for j in list(
                itertools.compress(range(n), map(operator.gt, map(bool, stripped), shapes))
            ):
                judge[j] = 1
            hashes = [None if k is None else hash(k) for k in keys]  # _email_key
            email_values.append(stripped)
            email_keys.append(keys)
            email_hashes.append(hashes)
            all_hashes += hashes
        # rows holding nothing are refused (judged); rows without a number or an address are
        # told apart by name and company
        name_keys: list[str | None] = [None] * n
        # (the key list with the fewest Nones first: its Nones found in C, then the others)
        key_lists = sorted((*phone_keys, *email_hashes), key=lambda keys: keys.count(None))
        keyless = list(_nones(key_lists[0])) if key_lists else list(range(n))
        for keys in key_lists[1:]:
            keyless = [j for j in keyless if keys[j] is None]
        for j in keyless:
            if fkeys[j] or lkeys[j]:
                name_keys[j] = f"{fkeys[j]}|{lkeys[j]}|{companies[j].casefold()}"
            # (a valid address would be a key: only a number, valid or not, is left to hold)
            if not (
                firsts[j]
                or lasts[j]
                or companies[j]
                or any(col[4][j] is not None for col in phone_cols)
            ):
                judge[j] = 1
        # A value a known contact holds: judged. A value two rows of the batch hold: the later
        # rows judged, the first one (a pioneer) built in columns but made known to the judged
        # rows before any of them needs it (_register_pioneer).
        pioneer = bytearray(n)
        pioneers_on = self.event is None  # (a merge into one would change its engagement)
        for index, found, all_keys, unplaced in (
            (self.phone_index, phone_keys, all_phone_keys, extra_keys),
            (self.email_index, email_hashes, all_hashes, ()),
            (self.name_index, [name_keys], name_keys, ()),
        ):
            counts = Counter(all_keys)
            # (set operations: the million-key index probed once per distinct key, in C)
            marked = index.keys() & counts.keys()
            marked.update(k for k, c in counts.items() if c > 1)
            marked.discard(None)
            hits: list[tuple[int, Any]] = []
            for keys in found:
                hits += [
                    (j, keys[j])
                    for j in itertools.compress(range(n), map(marked.__contains__, keys))
                ]
            hits.sort(key=_first)  # by row (stable: a row's columns in order)
            first_row: dict[Any, int] = {}
            seen: set[tuple[int, Any]] = set()
            for j, k in hits:
                if (
                    not pioneers_on
                    or k in index
                    or k in unplaced
                    or first_row.setdefault(k, j) != j
                    or (j, k) in seen  # twice in one row
                ):
                    judge[j] = 1
                else:
                    seen.add((j, k))
                    pioneer[j] = 1
        return _Plain(
            rows=[j for j in range(n) if not judge[j]],
            judge=judge,
            pioneer=pioneer,
            numbers=numbers,
            firsts=firsts,
            lasts=lasts,
            fkeys=fkeys,
            lkeys=lkeys,
            companies=companies,
            externals=externals,
            phone_keys=phone_keys,
            email_values=email_values,
            email_keys=email_keys,
            email_hashes=email_hashes,
            name_keys=name_keys,
        )

    def _register_pioneer(
        self,
        plain: _Plain,
        j: int,
        contact_id: int,
        phone_cols: list[tuple[str, str, Any, list[Any], list[Any]]],
        pending: dict[int, list[Any]],
    ) -> list[Any]:
        """Make plain row ``j`` (a new contact, ``contact_id``) known to the judged rows after
        it: its values in the dedupe indexes, its names, and a pending record holding what a
        merge into it changes (DNC, callable, engagement, rank), read back by _plain_contacts."""
        for keys in plain.phone_keys:
            if keys[j] is not None:
                self.phone_index[keys[j]] = contact_id
        for hashes in plain.email_hashes:
            if hashes[j] is not None:
                self.email_index[hashes[j]] = contact_id
        if plain.name_keys[j] is not None:
            self.name_index[plain.name_keys[j]] = contact_id
        self.names[contact_id] = (plain.fkeys[j], plain.lkeys[j], plain.externals[j])
        numbers = [col[3][j] for col in phone_cols if col[3][j]]
        on_dnc = any(e in self.dnc for e in numbers)
        record: list[Any] = [None] * 19
        record[0] = contact_id
        record[12] = on_dnc
        record[13] = bool(numbers) and not on_dnc
        record[16] = 0
        record[17] = self._rank(0)
        pending[contact_id] = record
        return record

    def _keys_of(self, texts: list[str]) -> list[str]:
        """dedupe.name_key of each text, through the run's cache of them."""
        cache = self._name_keys
        keys = [cache.get(x) for x in texts]
        if None in keys:
            key_of_name = dedupe.name_key
            for i, key in enumerate(keys):
                if key is None:
                    text = texts[i]
                    key = cache.get(text)
                    if key is None:
                        key = cache[text] = key_of_name(text)
                    keys[i] = key
        return keys  # type: ignore[return-value]

    def _plain_contacts(
        self,
        plain: _Plain,
        ids_used: list[int],
        judged_ids: set[int],
        pioneers: dict[int, list[Any]],
        company_ids: dict[str, int | None],
        columns: list[Any],
        t: _Target,
        names: list[str],
        phone_cols: list[tuple[str, str, Any, list[Any], list[Any]]],
        eng_cols: tuple[Any, ...] | None,
    ) -> tuple[list[Any], ...]:
        """The plain rows' new contacts, built column by column as the row loop builds each
        one: the columns of their contacts, numbers, addresses and list entries, and their
        engagement rows. The dedupe indexes, name codes and counts learn them."""
        rows = plain.rows
        count = len(rows)
        ids = [i for i in ids_used if i not in judged_ids] if judged_ids else list(ids_used)
        if len(ids) != count:  # pragma: no cover - a broken invariant, never a wrong id
            raise RuntimeError("import: plain rows and their ids disagree")
        result = self.result
        nones: list[Any] = [None] * count

        def col(index: int | None) -> Any:
            return columns[index] if index is not None else None

        def texts(column: Any, limit: int) -> list[str | None]:
            if column is None:
                return nones
            return [column[j].strip()[:limit] or None for j in rows]

        firsts = [plain.firsts[j][:120] or None for j in rows]
        lasts = [plain.lasts[j][:120] or None for j in rows]
        street_cs = [columns[i] for i in t.street]
        streets = (
            [", ".join(s[j].strip() for s in street_cs if s[j].strip())[:300] or None for j in rows]
            if street_cs
            else nones
        )
        state_c = col(t.state)
        states = [state_c[j].strip()[:10] for j in rows] if state_c is not None else [""] * count
        country_c = col(t.country)
        if country_c is not None:
            country_codes = self._country_codes
            country_texts = [country_c[j] for j in rows]
            for text in dict.fromkeys(country_texts):
                if text not in country_codes:
                    country_codes[text] = country_code(text)
            address_countries = [country_codes[x] for x in country_texts]
        else:
            country_texts = []
            address_countries = nones
        # numbers: every one a plain row holds is valid
        dnc = self.dnc
        e_cols = [[e164s[j] for j in rows] for _n, _l, _r, e164s, _i in phone_cols]
        i_cols = [[infos[j] for j in rows] for _n, _l, _r, _e, infos in phone_cols]
        d_cols = [list(map(dnc.__contains__, es)) for es in e_cols]
        if len(d_cols) == 1:
            dncs = d_cols[0]
            has_valid = [e is not None for e in e_cols[0]]
            regions = [None if i is None else i.region for i in i_cols[0]]
        else:
            # (an E.164 text is never empty: any() tells a number from None)
            dncs = list(map(any, zip(*d_cols, strict=True))) if d_cols else [False] * count
            has_valid = list(map(any, zip(*e_cols, strict=True))) if e_cols else [False] * count
            regions = list(nones)
            for infos in reversed(i_cols):
                regions = [
                    r if i is None else i.region for r, i in zip(regions, infos, strict=True)
                ]
        contact_countries = [a or r for a, r in zip(address_countries, regions, strict=True)]
        hold_back = self.hold_back
        callables = [v and not d and not hold_back for v, d in zip(has_valid, dncs, strict=True)]
        # places: one answer per (country, state, area codes) when the table decides the
        # numbers (their number otherwise), as _locale gives it for each row
        # (_locale's own cache key: the table entry's id for a number the area-code table
        # decides, both orders of two numbers of one country alike; the number's own entry
        # for another; the number itself when neither decides)
        owner_of = self._entry_owner
        parts = []
        for es, infos in zip(e_cols, i_cols, strict=True):
            heads: dict[str, str | None] = dict.fromkeys(
                e[:5] for e in es if e is not None and len(e) == 12 and e[:2] == "+1"
            )
            for head in heads:
                known = self._ac_known(head[2:])
                if known is not None:
                    heads[head] = known[0]
                    owner_of[known[0]] = known[1][0]
            part: list[Any] = [
                heads.get(e[:5]) if e is not None and len(e) == 12 else None for e in es
            ]
            for k in [k for k, (p, e) in enumerate(zip(part, es, strict=True)) if p is None and e]:
                info = infos[k]
                entry = info_entry(info) if info is not None else None
                part[k] = es[k] if entry is None else entry
            parts.append(part)
        if len(parts) == 2:
            first, second = parts
            for k in [k for k, b in enumerate(second) if b is not None and first[k] is not None]:
                a, b = first[k], second[k]
                if type(a) is str and type(b) is str and b < a:
                    owner = owner_of.get(a)
                    if owner is not None and owner == owner_of.get(b):
                        first[k], second[k] = b, a
        if len(parts) == 1:
            place_keys = [
                (c, s) if p is None else (c, s, p)
                for c, s, p in zip(address_countries, states, parts[0], strict=True)
            ]
        else:
            place_keys = (
                [
                    (c, s, a, b)
                    if a is not None and b is not None
                    else (c, s, a)
                    if a is not None
                    else (c, s, b)
                    if b is not None
                    else (c, s)
                    for c, s, a, b in zip(address_countries, states, *parts, strict=True)
                ]
                if len(parts) == 2
                else [
                    (c, s, *[p for p in ps if p is not None])
                    for c, s, *ps in zip(address_countries, states, *parts, strict=True)
                ]
            )
        places = self._plain_places
        if len(places) > 100_000:
            places.clear()
        answers = list(map(places.get, place_keys))
        if None in answers:
            nanp_states = getattr(locale_mod, "nanp_states", None)
            for k, answer in enumerate(answers):
                if answer is None:
                    key = place_keys[k]
                    answer = places.get(key)
                    if answer is None:
                        valid = [
                            (None, None, es[k], infos[k], None)
                            for es, infos in zip(e_cols, i_cols, strict=True)
                            if es[k]
                        ]
                        answer = places[key] = self._locale(key[0], key[1], valid, nanp_states)
                    answers[k] = answer
        locale_keys = [a[0] for a in answers]
        reasons = [
            None if a[0] is not None else (a[1] if v else "no phone number")
            for a, v in zip(answers, has_valid, strict=True)
        ]
        # notes, custom fields, engagement, rank
        notes_c, booth_c = col(t.notes), (col(t.booth_notes) if self.event is None else None)
        if notes_c is not None or booth_c is not None:
            notes = [self._notes(notes_c, booth_c, j) for j in rows]
        else:
            notes = nones
        customs = self._plain_custom(plain, columns, t, names, address_countries, country_texts)
        ranks = self._ranks
        engagements: list[tuple[Any, ...]] = []
        if eng_cols is not None:
            found = [self._engagement(eng_cols, j) for j in rows]
            scores = [e[0] for e in found]
            event_id = self.event.id  # type: ignore[union-attr]
            engagements = [(event_id, cid, *e[1:]) for cid, e in zip(ids, found, strict=True)]
            rank_list = [ranks.get(s) or self._rank(s) for s in scores]
        else:
            scores = [0] * count
            rank_list = [self._rank(0)] * count
        contact_dncs = dncs
        if pioneers:
            # what merges into them changed (their rows' own values otherwise)
            contact_dncs = list(dncs)
            for j, merged in pioneers.items():
                k = bisect.bisect_left(rows, j)
                contact_dncs[k] = merged[12]
                callables[k] = merged[13] and not hold_back
                scores[k] = merged[16]
                rank_list[k] = merged[17]
        # the contacts' columns, in the order of judgement's contact_columns
        contact_columns = [
            ids,
            [company_ids[plain.companies[j]] for j in rows],
            firsts,
            lasts,
            texts(col(t.title), 200),
            streets,
            texts(col(t.city), 120),
            [s or None for s in states],
            texts(col(t.postal_code), 20),
            contact_countries,
            notes,
            customs,
            contact_dncs,
            callables,
            locale_keys,
            reasons,
            scores,
            rank_list,
            [plain.externals[j] or None for j in rows],
        ]
        # numbers, a phone column after another (a contact's in column order: its positions)
        zones_text = self._zones_text
        phone_index = self.phone_index
        read_as = result.numbers_read_as
        positions = [0] * count
        phone_columns: list[list[Any]] = [[] for _ in range(12)]
        for (_name, label, raws, _e, _i), es, infos, flags, keys in zip(
            phone_cols, e_cols, i_cols, d_cols, plain.phone_keys, strict=True
        ):
            at = [k for k, info in enumerate(infos) if info is not None]
            held = [infos[k] for k in at]
            for column, values in zip(
                phone_columns,
                (
                    [ids[k] for k in at],
                    [positions[k] for k in at],
                    [label] * len(at),
                    [raws[rows[k]].strip()[:100] for k in at],
                    [es[k] for k in at],
                    [i.extension for i in held],
                    [i.number_type for i in held],
                    [i.region for i in held],
                    list(map(zones_text, map(_time_zones, held))),
                    [True] * len(at),
                    [None] * len(at),
                    [flags[k] for k in at],
                ),
                strict=True,
            ):
                column += values
            positions = [p + (i is not None) for p, i in zip(positions, infos, strict=True)]
            _learn(phone_index, keys, rows, ids, pioneers)
            for note in [i.note for i in infos if i is not None and i.note]:
                read_as[note] = read_as.get(note, 0) + 1
        # addresses, an e-mail column after another
        email_index = self.email_index
        role_parts = dedupe.ROLE_LOCAL_PARTS
        email_columns: list[list[Any]] = [[] for _ in range(4)]
        for values, keys, hashes in zip(
            plain.email_values, plain.email_keys, plain.email_hashes, strict=True
        ):
            mine = [keys[j] for j in rows]
            at = [k for k, key in enumerate(mine) if key is not None]
            held_keys = [mine[k] for k in at]
            email_columns[0] += [ids[k] for k in at]
            email_columns[1] += [values[rows[k]][:254] for k in at]
            email_columns[2] += [key[:254] for key in held_keys]
            email_columns[3] += [key.partition("@")[0] in role_parts for key in held_keys]
            _learn(email_index, hashes, rows, ids, pioneers)
        # contacts without a number or an address: found again by name and company
        name_index = self.name_index
        _learn(name_index, plain.name_keys, rows, ids, pioneers)
        self._remember_names(
            ids,
            list(
                zip(
                    [plain.fkeys[j] for j in rows],
                    [plain.lkeys[j] for j in rows],
                    [plain.externals[j] for j in rows],
                    strict=True,
                )
            ),
        )
        numbers = plain.numbers
        member_columns = [ids, [numbers[j] for j in rows]]
        result.imported += count
        result.dnc_suppressed += sum(dncs)
        return contact_columns, phone_columns, email_columns, member_columns, engagements

    def _plain_custom(
        self,
        plain: _Plain,
        columns: list[Any],
        t: _Target,
        names: list[str],
        address_countries: list[str | None],
        country_texts: list[str],
    ) -> list[str | None]:
        """The custom fields of the plain rows as JSON text (None without any), as the row loop
        fills them: the unmapped columns, then a country it could not read, website, industry."""
        rows = plain.rows
        width = len(names)
        named = [(names[i] if i < width else f"Column {i + 1}", columns[i]) for i in t.custom] + [
            (f"Column {i + 1}", columns[i]) for i in range(width, len(columns))
        ]
        later: list[tuple[str, list[str]]] = []
        if t.country is not None:
            later.append(
                (
                    names[t.country],
                    [
                        text.strip() if code is None else ""
                        for text, code in zip(country_texts, address_countries, strict=True)
                    ],
                )
            )
        for label, index in (("website", t.website), ("industry", t.industry)):
            if index is not None:
                later.append((label, [columns[index][j].strip() for j in rows]))
        if not named and not later:
            return [None] * len(rows)
        first_names = [name for name, _ in named]
        first_values = [[(v.strip() if v else "") for v in (c[j] for j in rows)] for _, c in named]
        later_names = [name for name, _ in later]
        later_values = [values for _, values in later]
        count = len(rows)
        out: list[str | None] = [None] * count
        # (most rows hold none: the rows holding one found in C)
        filled = set().union(
            *(itertools.compress(range(count), values) for values in (*first_values, *later_values))
        )
        for k in sorted(filled):
            custom: dict[str, str] = {}
            for name, values in zip(first_names, first_values, strict=True):
                if values[k]:
                    custom[name] = values[k]
            for name, values in zip(later_names, later_values, strict=True):
                if values[k]:
                    custom.setdefault(name, values[k])
            out[k] = _json(custom)
        return out

    def _remember_names(self, ids: list[int], keys: list[tuple[str, str, str]]) -> None:
        """:meth:`_remember_name` for many new contacts (ids ascending)."""
        codes_of, name_list = self._name_codes, self._name_list
        codes = [codes_of.get(k) for k in keys]
        if None in codes:
            for i, code in enumerate(codes):
                if code is None:
                    key = keys[i]
                    code = codes_of.get(key)
                    if code is None:
                        if len(name_list) < NAME_CODES_MAX:
                            code = codes_of[key] = len(name_list)
                            name_list.append(key)
                        else:
                            code = -1
                    codes[i] = code
        if not ids:
            return
        first_new = self.first_new_id
        known = self._new_names
        top = ids[-1] - first_new + 1
        if top > len(known):
            known.extend([-1] * (top - len(known)))
        for contact_id, code in zip(ids, codes, strict=True):
            at = contact_id - first_new
            if at >= 0:
                known[at] = code  # type: ignore[assignment]
