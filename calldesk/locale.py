"""Former home of a contact's places; kept so existing imports work. Use :mod:`calldesk.places`."""

from calldesk.places import (  # noqa: F401
    Locale,
    Placement,
    _area_codes,
    _region_zones,
    country_code,
    derive_locale,
    locate,
    nanp_country,
    nanp_states,
    nanp_zones,
    number_country,
    number_zones,
    parse_key,
    region_code,
    region_mismatch,
    region_zones,
)
