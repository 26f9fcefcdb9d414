"""Many numbers at once (a list's column, the DNC file): the exact shortcuts of
:mod:`calldesk.phones.prefixes` for the shapes they decide, the full parse (cached per distinct
text) for the rest; the same answers as :func:`calldesk.phones.numbers.parse_phone`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from calldesk.phones.numbers import (
    _IDD_NANP,
    _PLUS_ONE,
    NANP_EXT_POLARS,
    NANP_REGIONS,
    NANP_SHAPE,
    PhoneInfo,
    parse_phone,
    resolve_international_prefix,
)
from calldesk.phones.prefixes import _PLUS_TEXT, CountryCodeShortcut, NanpShortcut

if TYPE_CHECKING:
    import polars as pl

    from calldesk.phones.answer_book import AnswerBook


class PhoneNormalizer:
    """Normalises many numbers fast: the exact shortcuts for common shapes, else full parses.

    Results of texts outside the North American shape are cached per distinct text (up to
    50,000); the shortcuts keep only their per-prefix answers (bounded), so memory does not
    grow with the list. ``full_parses`` counts the texts that needed phonenumbers' parse;
    after ``prefix_after`` of them, other shapes are answered per prefix too.
    """

    def __init__(
        self,
        default_country: str | None,
        *,
        fast: bool = True,
        prefix_after: int = 1000,
        book: AnswerBook | None = None,
    ) -> None:
        self.default_country = (default_country or "").upper() or None
        self.fast = fast
        # Per-prefix answers outside North America cost pattern walks and a sample parse per
        # prefix (and compiling each country's patterns once): worth it on big lists only, so
        # they start after this many full parses. The answers are the same either way.
        self.prefix_after = prefix_after
        # With a book, the per-prefix answers of earlier runs (calldesk.phones.answer_book).
        self.nanp = book.nanp if book is not None else NanpShortcut()
        self.country_codes = book.country_codes if book is not None else CountryCodeShortcut()
        self._slow_cache: dict[str, PhoneInfo | None] = {}
        # North American answers per first four digits (None: those do not decide), and the
        # same as a frame to join on (_answer_ids)
        self._by_head: dict[str, int | None] = {}
        self._head_frame: pl.DataFrame | None = None
        self.full_parses = 0
        self.shortcut_hits = 0

    def normalize(self, raw: str | None) -> PhoneInfo | None:
        """One number; None for an empty cell."""
        if raw is None:
            return None
        if self.fast:
            match = NANP_SHAPE.match(raw)
            if match and (self.default_country in NANP_REGIONS or _PLUS_ONE.match(raw)):
                self.shortcut_hits += 1
                return self.nanp.info(raw, (match[1] or match[2]) + match[3] + match[4])
        return self._slow(raw)

    def _slow(self, raw: str) -> PhoneInfo | None:
        try:
            return self._slow_cache[raw]
        except KeyError:
            pass
        info = None
        if self.fast and self.full_parses >= self.prefix_after:
            info = self._by_prefix(raw)
        if info is None:
            self.full_parses += 1
            if self.fast:
                # "001-212-...": the "00" reading from the North American answers, the
                # others parsed.
                info = self._nanp_idd(raw, every=False)
            if info is None:
                info = parse_phone(raw, self.default_country)
        else:
            self.shortcut_hits += 1
        if len(self._slow_cache) < 50_000:
            self._slow_cache[raw] = info
        return info

    def _by_prefix(self, raw: str) -> PhoneInfo | None:
        """What :func:`parse_phone` says about ``raw`` from per-prefix answers, without a
        full parse; None when the shape has no such answers."""
        if _PLUS_TEXT.fullmatch(raw):
            # The default country plays no part once the text names its country code.
            found = self.country_codes.info(raw)
            return found[0] if found is not None else None
        if self.default_country is None:
            return None
        if self.default_country in ("US", "CA") and _IDD_NANP.match(raw):
            return self._nanp_idd(raw, every=True)
        return self.country_codes.national(raw, self.default_country)

    def _nanp_idd(self, raw: str, *, every: bool) -> PhoneInfo | None:
        """What parse_phone says about "001-212-736-4350" on a US or Canadian list, the
        readings after "00" (and with ``every`` the others) from per-prefix answers; None
        when ``raw`` has another shape or (with ``every``) a reading is not decided."""
        match = _IDD_NANP.match(raw) if self.default_country in ("US", "CA") else None
        if not match:
            return None
        # "001-212-736-4350": the raw text itself is never valid here (two leading zeros, 13
        # digits; 00 is not the US or Canadian international prefix), so parse_phone goes
        # straight to the readings after each international prefix: "00" reads a North
        # American number, "001" (an Asian carrier prefix) reads "+212-736-4350".
        national = (match[2] or match[3]) + match[4] + match[5]
        plain = self.nanp.info(raw, national)
        known: dict[str, tuple[PhoneInfo, int] | None] | None = {
            "00": (plain, 1) if plain.valid else None
        }
        if every:
            known = self.country_codes.readings(raw, known)
            if known is None:
                return None
        # None when no reading is valid: parse_phone then gives the raw text's own analysis.
        return resolve_international_prefix(raw, known)

    def normalize_many(self, raws: Iterable[str | None]) -> list[PhoneInfo | None]:
        """Many numbers (None or empty for empty cells), each analysed exactly."""
        values = list(raws)
        e164s, infos = self.normalize_column(values)
        out: list[PhoneInfo | None] = []
        for raw, e164, info in zip(values, e164s, infos, strict=True):
            if info is None or raw is None:
                out.append(None)
            elif info.valid:
                out.append(info._replace(raw=raw, e164=e164))
            else:
                out.append(info._replace(raw=raw))
        return out

    def normalize_column(
        self, raws: Sequence[str | None]
    ) -> tuple[list[str | None], list[PhoneInfo | None]]:
        """A column of raw numbers as (E.164 per cell, shared analysis per cell).

        The analysis objects are shared between numbers with the same deciding prefix: use
        them for validity, type, region, zones, extension and reason, and the E.164 list for
        the number itself. This is the importer's hot path: vectorised, no object per cell.
        """
        import polars as pl

        n = len(raws)
        e164s: list[str | None] = [None] * n
        infos: list[PhoneInfo | None] = [None] * n
        if n == 0:
            return e164s, infos
        frame = pl.DataFrame({"raw": pl.Series(raws, dtype=pl.String)}).with_row_index("i")
        frame = frame.filter(pl.col("raw").str.strip_chars().str.len_chars() > 0)
        if self.fast:
            groups = pl.col("raw").str.extract_groups(NANP_EXT_POLARS)
            frame = frame.with_columns(
                national=pl.coalesce(groups.struct.field("1"), groups.struct.field("2"))
                + groups.struct.field("3")
                + groups.struct.field("4"),
                ext=groups.struct.field("5"),
            )
            if self.default_country not in NANP_REGIONS:
                frame = frame.with_columns(
                    national=pl.when(pl.col("raw").str.contains(r"^\s*\+1"))
                    .then(pl.col("national"))
                    .otherwise(None)
                )
            fast = frame.filter(pl.col("national").is_not_null())
            slow = frame.filter(pl.col("national").is_null())
            if fast.height:
                self.shortcut_hits += fast.height
                answers = self.nanp.answer_list
                ids = self._answer_ids(fast["national"])
                # Each cell's answer and number in columns (the answers are few: looked up
                # by index), put in place by row: no Python work per cell but the placing.
                valid = pl.Series([a.valid for a in answers], dtype=pl.Boolean).gather(ids)
                numbers = pl.when(valid).then(pl.lit("+1") + fast["national"])
                fast = fast.select("i", "ext", e164=numbers, answer=ids)
                if fast.height == n:
                    e164s = fast["e164"].to_list()
                    infos = list(map(answers.__getitem__, fast["answer"].to_list()))
                else:
                    at = fast["i"].to_list()
                    for i, e164 in zip(at, fast["e164"].to_list(), strict=True):
                        e164s[i] = e164
                    for i, answer in zip(
                        at, map(answers.__getitem__, fast["answer"].to_list()), strict=True
                    ):
                        infos[i] = answer
                with_ext = fast.filter(pl.col("ext").str.len_chars() > 0)
                for i, ext in zip(with_ext["i"].to_list(), with_ext["ext"].to_list(), strict=True):
                    infos[i] = infos[i]._replace(extension=ext)  # type: ignore[union-attr]
        else:
            slow = frame
        for i, raw in zip(slow["i"].to_list(), slow["raw"].to_list(), strict=True):
            info = self._slow(raw)
            infos[i] = info
            if info is not None:
                e164s[i] = info.e164
        return e164s, infos

    def _answer_ids(self, nationals: pl.Series) -> pl.Series:
        """Index in the answer list per national number (ten digits, none null). Most numbers
        are decided by their first three or four digits (the area code, and the exchange's
        first digit): those answers are kept per four digits and joined on; the others are
        resolved level by level."""
        import polars as pl

        heads = nationals.str.slice(0, 4)
        known = self._by_head
        new = [head for head in heads.unique().to_list() if head not in known]
        if new or self._head_frame is None:
            nanp = self.nanp
            for head in new:
                decided = next((p for p in (head[:3], head) if nanp.decides(p)), None)
                known[head] = None if decided is None else nanp.answer_id(decided)
            self._head_frame = pl.DataFrame(
                {"h": list(known), "id": list(known.values())},
                schema={"h": pl.String, "id": pl.Int64},
            )
        ids = (
            pl.DataFrame({"h": heads})
            .join(self._head_frame, on="h", how="left", maintain_order="left")
            .get_column("id")
        )
        deeper = ids.is_null()
        if deeper.any():
            ids = ids.scatter(deeper.arg_true(), self._deeper_ids(nationals.filter(deeper)))
        return ids

    def _deeper_ids(self, nationals: pl.Series) -> pl.Series:
        """:meth:`_answer_ids` for numbers not decided by four digits: level by level."""
        import polars as pl

        ids = pl.Series("id", [None] * nationals.len(), dtype=pl.Int64)
        pending = pl.DataFrame({"n": nationals}).with_row_index("i")
        nanp = self.nanp
        for cut in range(5, NanpShortcut.LENGTH + 1):
            if pending.height == 0:
                break
            heads = pending["n"].str.slice(0, cut)
            decided = {h: nanp.answer_id(h) for h in heads.unique().to_list() if nanp.decides(h)}
            if cut == NanpShortcut.LENGTH:
                decided = {h: nanp.answer_id(h) for h in heads.unique().to_list()}
            if not decided:
                continue
            mapped = heads.replace_strict(decided, default=None, return_dtype=pl.Int64)
            hit = mapped.is_not_null()
            ids = ids.scatter(pending["i"].filter(hit), mapped.filter(hit))
            pending = pending.filter(~hit)
        return ids
