"""The per-prefix phone answers kept between runs: a later run starts with them and answers
exactly as a cold one; a file of another fingerprint or an unreadable one is never used."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from calldesk import dnc
from calldesk.importing import ImportOptions, import_file
from calldesk.phones import PhoneNormalizer
from calldesk.phones.answer_book import AnswerBook, _fingerprint, answer_book
from calldesk.store import open_store


def _numbers(seed: int, count: int = 3000) -> list[str | None]:
    rng = random.Random(seed)
    shapes = (
        "({a}) {b}-{c}",
        "{a}.{b}.{c}",
        "+1 {a} {b} {c}",
        "1-{a}-{b}-{c} x{e}",
        "+44 20 7946 {c}",
        "+49 30 {b}{c}",
        "0{a}{b}",
        "{b}-{c}",
        "001-{a}-{b}-{c}",
        "",
    )
    out: list[str | None] = []
    for _ in range(count):
        area = rng.choice(("212", "416", "604", "305", "907", "808", "555", "111", "867"))
        out.append(
            rng.choice(shapes).format(
                a=area, b=f"{rng.randint(200, 999)}", c=f"{rng.randint(0, 9999):04d}", e="12"
            )
        )
    out.append(None)
    return out


def _answers(normalizer: PhoneNormalizer, raws: list[str | None]) -> list[object]:
    return normalizer.normalize_many(raws)


def test_a_later_book_starts_with_the_answers_and_answers_alike(tmp_path: Path) -> None:
    path = tmp_path / "phone-answers-x.json"
    raws = _numbers(1)
    first = AnswerBook(path)
    expected = _answers(PhoneNormalizer("US"), raws)  # no book: worked out from scratch
    assert _answers(PhoneNormalizer("US", book=first), raws) == expected
    learned = (len(first.nanp.answer_list), len(first.country_codes._decided))
    assert learned[0] > 100 and learned[1] > 10
    first.save()
    assert path.exists()

    later = AnswerBook(path)
    later.load()
    assert (len(later.nanp.answer_list), len(later.country_codes._decided)) == learned
    before = len(later.nanp.answer_list)
    assert _answers(PhoneNormalizer("US", book=later), raws) == expected
    assert len(later.nanp.answer_list) == before  # nothing worked out again
    # Other numbers, other lists' countries: still what a cold normalizer says.
    others = _numbers(2)
    for region in ("US", "CA", "GB"):
        assert _answers(PhoneNormalizer(region, book=later), others) == _answers(
            PhoneNormalizer(region), others
        )


def test_nothing_new_writes_nothing_and_an_unreadable_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "phone-answers-x.json"
    book = AnswerBook(path)
    book.save()
    assert not path.exists()  # no answers yet: no file
    path.write_text('{"nanp_decided": {"212": ', encoding="utf-8")
    broken = AnswerBook(path)
    broken.load()
    assert broken.nanp.answer_list == []
    raws = _numbers(3, 300)
    assert _answers(PhoneNormalizer("US", book=broken), raws) == _answers(
        PhoneNormalizer("US"), raws
    )
    broken.save()
    assert json.loads(path.read_text(encoding="utf-8"))["nanp_answers"]


def test_the_importers_keep_the_book_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CALLDESK_DATA_DIR", str(data))
    stale = data / "cache" / "phone-answers-0000000000000000.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    dnc_file = tmp_path / "dnc.txt"
    dnc_file.write_text("phone\n(212) 555-0101\n416-555-0199\n", encoding="utf-8")
    dnc.import_dnc_file(store, dnc_file, source="us_national")
    kept = data / "cache" / f"phone-answers-{_fingerprint()}.json"
    assert kept.exists() and not stale.exists()  # another fingerprint's file is removed
    after_dnc = len(json.loads(kept.read_text(encoding="utf-8"))["nanp_answers"])

    listing = tmp_path / "list.csv"
    listing.write_text(
        "First Name,Last Name,Phone\nAda,Lovelace,(907) 555-0142\nAlan,Turing,604 555 0188\n",
        encoding="utf-8",
    )
    result = import_file(store, listing, ImportOptions(list_name="Week 49", country="US"))
    assert result.imported == 2
    assert len(json.loads(kept.read_text(encoding="utf-8"))["nanp_answers"]) > after_dnc
    assert answer_book().path == kept


def test_a_book_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder would be", encoding="utf-8")
    book = AnswerBook(blocked / "phone-answers-x.json")
    raws = _numbers(4, 200)
    assert _answers(PhoneNormalizer("US", book=book), raws) == _answers(PhoneNormalizer("US"), raws)
    book.save()  # the folder cannot be made: nothing written, nothing raised
    assert blocked.read_text(encoding="utf-8") == "a file where the folder would be"
