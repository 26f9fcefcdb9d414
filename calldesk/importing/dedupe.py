"""Same person, or a colleague on the same line?

B2B lists are full of people who share a company's main number or a role address (info@,
sales@). Two rows are one person when they share an e-mail (ignoring case) or a number (E.164
and extension) *and* their names agree: first and last name each equal ignoring case and
accents, or one is the other's initial, or missing. The same number or address under different
names is shared: the people stay separate, the value is marked shared, and near-misses
(Bob/Robert) are listed as possible duplicates for a person to merge.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ROLE_LOCAL_PARTS = frozenset(
    {
        "info",
        "sales",
        "contact",
        "contactus",
        "office",
        "admin",
        "hello",
        "support",
        "marketing",
        "team",
        "enquiries",
        "inquiries",
        "enquiry",
        "inquiry",
        "service",
        "reception",
        "help",
        "mail",
        "hr",
        "billing",
        "accounts",
        "orders",
        "webmaster",
        "noreply",
        "no-reply",
        "general",
        "events",
    }
)

_NICKNAME_GROUPS = (
    "robert bob rob bobby robbie bert",
    "william bill will billy liam willy",
    "richard rick dick rich richie ricky",
    "james jim jimmy jamie",
    "john jack johnny jon",
    "jonathan jon jonny",
    "michael mike mick mikey",
    "elizabeth liz beth betty lisa eliza libby",
    "katherine kate kathy katie cathy kat",
    "catherine kate cathy katie cat",
    "margaret maggie meg peggy",
    "thomas tom tommy",
    "joseph joe joey",
    "charles charlie chuck chas",
    "christopher chris topher",
    "christine chris tina",
    "christina chris tina",
    "daniel dan danny",
    "david dave davy",
    "edward ed eddie ted ned",
    "anthony tony",
    "alexander alex sasha xander",
    "alexandra alex sasha lexi",
    "andrew andy drew",
    "benjamin ben benny",
    "jennifer jen jenny",
    "patricia pat patty trish tricia",
    "patrick pat paddy",
    "susan sue susie",
    "deborah deb debbie",
    "stephen steve",
    "steven steve",
    "matthew matt",
    "nicholas nick nicky",
    "samuel sam sammy",
    "samantha sam sammy",
    "timothy tim timmy",
    "kenneth ken kenny",
    "ronald ron ronnie",
    "donald don donnie",
    "gregory greg",
    "jeffrey jeff",
    "lawrence larry",
    "peter pete",
    "raymond ray",
    "gerald gerry jerry",
    "victoria vicky tori",
    "rebecca becky becca",
    "jessica jess jessie",
    "abigail abby",
    "barbara barb babs",
    "frederick fred freddie",
    "henry hank harry",
    "harold harry hal",
    "walter walt",
    "albert al bert",
    "francis frank fran",
    "franklin frank",
    "leonard leo len lenny",
    "louis lou",
    "nathaniel nate nat",
    "nathan nate",
    "philip phil",
    "zachary zach zack",
    "douglas doug",
    "eugene gene",
    "vincent vince vinny",
    "theodore ted teddy theo",
)


@lru_cache(maxsize=1)
def _nicknames() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in _NICKNAME_GROUPS:
        names = group.split()
        for name in names:
            table.setdefault(name, set()).update(names)
    return {k: frozenset(v) for k, v in table.items()}


# Letters and digits: "I SMITH01" and "I SMITH02" on one test number are two people (vendors
# number the records they make up, e.g. VICIdial's sample lead file).
_NOT_LETTER = re.compile(r"[^a-z0-9]")
_NO_DIGITS = str.maketrans("", "", "0123456789")  # the digits dropped from a name key


@lru_cache(maxsize=65536)
def name_key(text: str | None) -> str:
    """A name for comparison: accents removed, case folded, letters and digits only ("Zoë" ->
    "zoe", "O'Neil" -> "oneil", "SMITH01" -> "smith01")."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_LETTER.sub("", plain)


def names_agree(first_a: str, last_a: str, first_b: str, last_b: str) -> bool:
    """True when two name keys can be one person: each part equal, an initial, or missing."""
    # Written out for both parts: a shared line or address compares every new row with each
    # earlier owner (millions of calls in a big import).
    if (
        first_a
        and first_b
        and first_a != first_b
        and not (
            (len(first_a) == 1 and first_b.startswith(first_a))
            or (len(first_b) == 1 and first_a.startswith(first_b))
        )
    ):
        return False
    if last_a and last_b and last_a != last_b:
        return (len(last_a) == 1 and last_b.startswith(last_a)) or (
            len(last_b) == 1 and last_a.startswith(last_b)
        )
    return True


def _distance_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = False
        for x, y in zip(a, b, strict=True):
            if x != y:
                if differ:
                    return False
                differ = True
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    # One letter more: the first difference is the extra letter (or it is the last one).
    for i in range(len(short)):
        if short[i] != long_[i]:
            return short[i:] == long_[i + 1 :]
    return True


def near_miss(first_a: str, last_a: str, first_b: str, last_b: str) -> str | None:
    """Why two differently named people on one number may be one person (Bob/Robert,
    a one-letter typo), or None. Names that differ only in their digits (SMITH01/SMITH02)
    are numbered records, not a typo."""
    why = _near_miss_reason(first_a, last_a, first_b, last_b)
    # (Checked only for a pair that would be listed: most pairs are not.)
    if why is not None and (first_a + "|" + last_a).translate(_NO_DIGITS) == (
        first_b + "|" + last_b
    ).translate(_NO_DIGITS):
        return None
    return why


def _near_miss_reason(first_a: str, last_a: str, first_b: str, last_b: str) -> str | None:
    if not last_a or last_a != last_b or not first_a or not first_b:
        if (
            first_a
            and first_a == first_b
            and last_a
            and last_b
            and _distance_at_most_one(last_a, last_b)
        ):
            return f"same first name, last names {last_a}/{last_b} differ by one letter"
        return None
    if first_b in _nicknames().get(first_a, ()):
        return f"same last name, {first_a}/{first_b} may be the same first name"
    if len(first_a) > 2 and len(first_b) > 2 and _distance_at_most_one(first_a, first_b):
        return f"same last name, first names {first_a}/{first_b} differ by one letter"
    return None


def is_role_address(address: str) -> bool:
    """info@, sales@, ...: an address a team shares rather than a person's own."""
    local = address.split("@", 1)[0].casefold()
    return local in ROLE_LOCAL_PARTS
