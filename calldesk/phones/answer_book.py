"""The per-prefix phone answers, worked out once and kept between runs.

What phonenumbers says about a number is worked out once per deciding prefix
(:mod:`calldesk.phones.prefixes`): about ten thousand answers for a list spanning every North
American area code, ~2 s of pattern walks and sample parses on a cold start. The importers
(lists and do-not-call files) share one book of those answers per process and keep it in a
file of the data folder, so the next import (the list after its DNC file, next week's list)
starts with them.

The file is named by a fingerprint of what decides the answers (the phonenumbers release,
calldesk's version and the source of the modules that compute them): a changed answer can
only come with a changed fingerprint, and the book then starts empty. A file that cannot be
read is ignored; the answers are worked out again and the file written anew.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from pathlib import Path
from typing import Any

import phonenumbers

from calldesk import __version__
from calldesk.paths import cache_file, read_cache, write_cache
from calldesk.phones import numbers, prefixes
from calldesk.phones.numbers import PhoneInfo
from calldesk.phones.prefixes import CountryCodeShortcut, NanpShortcut

_FORMAT = 1


@functools.cache
def _fingerprint() -> str:
    digest = hashlib.sha256(f"{_FORMAT}|{phonenumbers.__version__}|{__version__}".encode())
    for module in (numbers, prefixes):
        source = Path(module.__file__ or "")
        if source.suffix == ".py" and source.is_file():
            digest.update(source.read_bytes())
        else:  # the desktop bundle keeps no source: its version names its code
            digest.update(b"frozen")
    return digest.hexdigest()[:16]


def _info(fields: list[Any]) -> PhoneInfo:
    return PhoneInfo(*fields[:6], tuple(fields[6]), *fields[7:])


class AnswerBook:
    """The shortcuts' per-prefix answers for a process, read from and written to ``path``."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.nanp = NanpShortcut()
        self.country_codes = CountryCodeShortcut()
        self._lock = threading.Lock()
        self._saved = self._sizes()

    def _sizes(self) -> tuple[int, int, int]:
        return (
            len(self.nanp._decided),
            len(self.nanp.answer_list),
            len(self.country_codes._decided),
        )

    def load(self) -> None:
        """Take the answers the file holds (none when it is missing or unreadable)."""
        if self.path is None:
            return
        data = read_cache(self.path)
        try:
            decided = {str(k): bool(v) for k, v in data["nanp_decided"].items()}
            answers = [(str(prefix), _info(fields)) for prefix, fields in data["nanp_answers"]]
            country = {
                (key, int(length), str(prefix)): (
                    None if fields is None else (_info(fields), int(stripped))
                )
                for key, length, prefix, fields, stripped in data["country_codes"]
            }
        except (ValueError, KeyError, TypeError, IndexError):  # (None: no file to read)
            return
        nanp = self.nanp
        with self._lock:
            nanp._decided.update(decided)
            for prefix, info in answers:
                if prefix not in nanp._answer_index:
                    nanp._answer_index[prefix] = len(nanp.answer_list)
                    nanp.answer_list.append(info)
            self.country_codes._decided.update(country)
            self._saved = self._sizes()

    def save(self) -> None:
        """Write the answers when some were added since they were read or last written.
        Never raises: a book that cannot be written is worked out again next time."""
        if self.path is None:
            return
        with self._lock:
            sizes = self._sizes()
            if sizes == self._saved:
                return
            nanp = self.nanp
            data = {
                "nanp_decided": dict(nanp._decided),
                "nanp_answers": [
                    [prefix, list(nanp.answer_list[index])]
                    for prefix, index in list(nanp._answer_index.items())
                ],
                "country_codes": [
                    [*key, None, None] if value is None else [*key, list(value[0]), value[1]]
                    for key, value in list(self.country_codes._decided.items())
                ],
            }
            self._saved = sizes
        write_cache(self.path, data)


_book: AnswerBook | None = None
_book_lock = threading.Lock()


def answer_book() -> AnswerBook:
    """The process's book of answers, read from the data folder on first use."""
    global _book
    path = cache_file("phone-answers", _fingerprint())
    with _book_lock:
        if _book is None or _book.path != path:  # (tests move the data folder)
            _book = AnswerBook(path)
            _book.load()
        return _book


def forget_answer_book() -> None:
    """Drop the process's book (the next :func:`answer_book` reads the file again)."""
    global _book
    with _book_lock:
        _book = None
