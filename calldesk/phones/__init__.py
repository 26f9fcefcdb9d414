"""Text -> phone number: the one place calldesk turns what people write into a number.

Each caller says what the number is for (a :class:`Policy`):

- ``IMPORT``: a number on a list. Valid (assigned) numbers only; international dialling
  prefixes written instead of "+" ("001-212-736-4350", "0044 20 ...") are resolved when
  exactly one reading is valid; an invalid number comes back with its reason, its text kept.
- ``DIAL``: a number a rep types to call or to record: the same rules as ``IMPORT``.
- ``DNC``: a number for the do-not-call list, which must fail closed: any *possible* number
  is taken (not only assigned ones), international prefixes resolved as for ``IMPORT``.
- ``SEARCH``: text typed into a search box: a possible number, or None when the text is not
  number-like (a name, a part of a number).

:func:`to_number` gives the full :class:`PhoneInfo`; :func:`to_e164` only the E.164 text.
The importer's bulk path (:class:`PhoneNormalizer`) gives the same answers as ``IMPORT``.
"""

from __future__ import annotations

import enum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from calldesk.phones.normalizer import PhoneNormalizer
from calldesk.phones.numbers import (
    IDD_PREFIXES,
    NANP_REGIONS,
    PhoneInfo,
    analyse_number,
    digits_only,
    international_prefix_candidates,
    parse_phone,
    resolve_international_prefix,
    type_label,
)


class Policy(enum.Enum):
    """What a number is read for; see the module docstring."""

    IMPORT = "import"
    DIAL = "dial"
    DNC = "dnc"
    SEARCH = "search"


def to_number(
    text: str | None, country: str | None = "US", policy: Policy = Policy.IMPORT
) -> PhoneInfo | None:
    """``text`` read as a phone number under ``policy`` (None for empty text).

    ``country`` (ISO 3166 alpha-2) applies to numbers written without a country code. For
    ``DNC`` and ``SEARCH`` a possible number counts as valid.
    """
    if text is None or not text.strip():
        return None
    info = parse_phone(text, country)
    if policy in (Policy.IMPORT, Policy.DIAL) or info is None or info.valid:
        return info
    # DNC and search: a possible number is enough (a list that must fail closed, a search
    # for a number that may not be assigned yet).
    region = (country or "ZZ").upper()
    for candidate in (text.strip(), *(t for _, t in international_prefix_candidates(text))):
        try:
            number = phonenumbers.parse(candidate, None if candidate.startswith("+") else region)
        except NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            return info._replace(
                e164=e164,
                valid=True,
                extension=number.extension or None,
                reason=None,
                region=phonenumbers.region_code_for_number(number),
            )
    return info


def to_e164(
    text: str | None, country: str | None = "US", policy: Policy = Policy.IMPORT
) -> str | None:
    """The E.164 text of ``text`` under ``policy``, or None when it is not such a number."""
    info = to_number(text, country, policy)
    return info.e164 if info is not None and info.valid else None


def to_phonenumber(
    text: str | None, country: str | None = "US", policy: Policy = Policy.DIAL
) -> phonenumbers.PhoneNumber | None:
    """The phonenumbers object of ``text`` under ``policy`` (with its extension), or None."""
    info = to_number(text, country, policy)
    if info is None or not info.valid or not info.e164:
        return None
    number = phonenumbers.parse(info.e164, None)
    if info.extension:
        number.extension = info.extension
    return number


__all__ = [
    "IDD_PREFIXES",
    "NANP_REGIONS",
    "PhoneInfo",
    "PhoneNormalizer",
    "Policy",
    "analyse_number",
    "digits_only",
    "international_prefix_candidates",
    "parse_phone",
    "resolve_international_prefix",
    "to_e164",
    "to_number",
    "to_phonenumber",
    "type_label",
]
