"""Kept for callers of the old path: text -> number lives in :mod:`calldesk.phones`."""

from calldesk.phones.numbers import (  # noqa: F401
    NANP_REGIONS,
    NANP_SHAPE,
    NANP_SHAPE_POLARS,
    UNKNOWN_ZONE,
    NanpShortcut,
    PhoneInfo,
    PhoneNormalizer,
    analyse_number,
    digits_only,
    parse_phone,
    pattern_depth,
    type_label,
)
