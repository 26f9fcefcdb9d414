"""Where an import places a contact: its locale key (or none, and why) from its country
column, address state and valid numbers, as :func:`calldesk.locale.locate` gives it, kept per
(country, state, area codes) so that a million contacts cost thousands of placings. Methods of
:class:`calldesk.importing.pipeline._Importer` on the run's state (its caches)."""

from __future__ import annotations

from typing import Any

from calldesk import locale as locale_mod
from calldesk.importing.placing import RowPhone, info_entry, nanp_locale, table_entry


class _RowPlaces:
    """The placing side of :class:`calldesk.importing.pipeline._Importer`, used by the row
    loop and the column path."""

    def _locale(
        self,
        country: str | None,
        state: str,
        valid: list[RowPhone],
        nanp_states: Any,
    ) -> tuple[str | None, str | None]:
        """The locale key of a contact (or None and why), as :func:`calldesk.locale.locate`
        computes it, assembled from per-number parts cached per (country, state, area code):
        a million contacts have only thousands of distinct parts."""
        if not valid:
            return None, None
        numbers = [p[2] for p in valid]
        if self._locale_parts is None:
            key = (country, state.upper(), tuple(sorted(numbers)))
            cached = self.locales.get(key)
            if cached is None:
                cached = self._locale_fallback(country, state, valid, nanp_states)
                if len(self.locales) < 100_000:
                    self.locales[key] = cached
            return cached
        ac_ok = self._ac_ok
        acs = []
        entries: list[Any] | None = []
        for number, valid_phone in zip(numbers, valid, strict=True):
            known = None
            if number.startswith("+1") and len(number) == 12:
                ac = number[2:5]
                known = ac_ok.get(ac, False)
                if known is False:
                    known = self._ac_known(ac)
            if known is None:
                # Elsewhere (or a number the table does not decide): from its own analysis.
                entry = info_entry(valid_phone[3])
                if entry is not None:
                    known = (entry, entry)
            if known is None:
                acs.append(number)
                entries = None
            else:
                acs.append(known[0])
                if entries is not None:
                    entries.append(known[1])
        if (
            entries is not None
            and len(entries) > 1
            and all(type(a) is str for a in acs)
            and all(e[0] == entries[0][0] for e in entries)
        ):
            # Numbers of one country place alike in any order (nanp_locale: the first number's
            # country is the only order it reads), so both orders of two numbers share a key.
            acs.sort()
        quick = (country, state, *acs)
        # Keys of one table-decided number are few (countries x states x entries) and most
        # rows have one number: kept apart from the many combinations of two or more, whose
        # cache is cleared when full.
        cache = self._quick_one if entries is not None and len(acs) == 1 else self._quick
        known = cache.get(quick)
        if known is not None:
            return known
        # ~100k distinct combinations of two or more numbers at 1M rows: a smaller cap
        # cleared it and placed ~80k of them again. Entries share their answers (few).
        if len(cache) > 250_000:
            cache.clear()
        # One home for a contact's places (calldesk.places.locate: the number's country always
        # applies, the row's adds); computed once per (country, state, area codes), from the
        # area-code table (or the number's own analysis) when every number is decided there.
        if entries is not None:
            answer = nanp_locale(country, state or None, entries)
        else:
            answer = self._locale_fallback(country, state, valid, nanp_states)
        answer = cache[quick] = self._answers.setdefault(answer, answer)
        return answer

    def _place(
        self,
        country: str | None,
        state: str,
        valid: list[RowPhone],
        nanp_states: Any,
    ) -> tuple[str | None, str | None]:
        """:meth:`_locale`'s answer, kept per the key the plain rows use (_plain_contacts): a
        number the area-code table decides as its entry's id, another as its own entry (or
        itself), two numbers of one country in either order alike (as _locale's cache)."""
        parts: list[Any] = []
        for p in valid:
            e164 = p[2]
            part: Any = None
            if len(e164) == 12 and e164[:2] == "+1":  # type: ignore[arg-type]
                known = self._ac_known(e164[2:5])  # type: ignore[index]
                if known is not None:
                    part = known[0]
                    self._entry_owner[part] = known[1][0]
            if part is None:
                entry = info_entry(p[3])
                part = e164 if entry is None else entry
            parts.append(part)
        if len(parts) == 2:
            a, b = parts
            if type(a) is str and type(b) is str and b < a:
                owner = self._entry_owner.get(a)
                if owner is not None and owner == self._entry_owner.get(b):
                    parts = [b, a]
        key = (country, state, *parts)
        places = self._plain_places
        answer = places.get(key)
        if answer is None:
            if len(places) > 100_000:
                places.clear()
            answer = places[key] = self._locale(country, state, valid, nanp_states)
        return answer

    def _ac_known(self, ac: str) -> tuple[str, Any] | None:
        """The area code's table entry with its id (None when the table does not decide it)."""
        known = self._ac_ok.get(ac, False)
        if known is False:
            entry = table_entry(ac)
            # Area codes with one table entry place alike: one id per distinct entry.
            known = self._ac_ok[ac] = (
                None if entry is None else (self._entry_ids.setdefault(entry, ac), entry)
            )
        return known

    def _locale_fallback(
        self,
        country: str | None,
        state: str,
        valid: list[RowPhone],
        nanp_states: Any,
    ) -> tuple[str | None, str | None]:
        numbers = [p[2] for p in valid]
        locate = getattr(locale_mod, "locate", None)
        if locate is not None:
            placement = locate(country, state or None, numbers)
            return (placement.locale.key if placement.locale else None, placement.reason)
        states = tuple(s for n in numbers for s in (nanp_states(n) if nanp_states else ()))
        found, reason = locale_mod.derive_locale(
            country or valid[0][3].region,
            state or None,
            [p[3].time_zones for p in valid],
            states,
        )
        return (found.key if found else None, reason)
