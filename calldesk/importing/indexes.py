"""The run's dedupe indexes: the keys numbers and addresses are held under, and entries that
hold one contact id or, when people share a value, a list of them."""

from __future__ import annotations

from typing import Any

# Distinct (first, last, vendor id) name keys kept for the run's new contacts; past it (a file
# where every row has its own vendor id) repeats read the names back from the store.
NAME_CODES_MAX = 300_000


# The dedupe indexes hold a million keys: numbers as integers and addresses as 64-bit hashes
# take half the memory of strings. Two different addresses sharing a hash (odds ~1e-7 for a
# million-row import) would only make a candidate, merged only if the names also agree.
def _phone_key(e164: str, extension: str | None) -> int | str:
    return f"{e164}x{extension}" if extension else int(e164[1:])


def _key_e164(key: int | str) -> str:
    return f"+{key}" if isinstance(key, int) else key.split("x", 1)[0]


def _email_key(address_key: str) -> int:
    return hash(address_key)  # 64-bit SipHash, cached on the string; the index lives one run


def _index_add(index: dict[Any, Any], key: Any, contact_id: int) -> None:
    have = index.get(key)
    if have is None:
        index[key] = contact_id
    elif isinstance(have, list):
        if contact_id not in have:
            have.append(contact_id)
    elif have != contact_id:
        index[key] = [have, contact_id]


def _index_get(index: dict[Any, Any], key: Any) -> list[int]:
    have = index.get(key)
    if have is None:
        return []
    if isinstance(have, list):
        return have
    return [have]
