"""The 2026 review (COMPLIANCE.md): one row per edge, a second either side, each naming its statute.

Rows are (rule id, statute, locale key, zone of the clock, local wall time, allowed). Local
times are converted to UTC here with zoneinfo, so the engine is tested on the instants a called
party sees on their own clock: hours, Sundays, holidays, both DST changes of 2026 and 2027,
each state and province of the review, consumer lines and business lines (key ending ``|B``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from calldesk.rules import locale_status, shipped_packs

UTC = dt.UTC
NY, CHI, DEN, LAX, TOR, VAN = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
)
TUE, SAT, SUN = "2026-11-24", "2026-11-28", "2026-11-29"


def local(zone: str, text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def edges(rule: str, statute: str, key: str, zone: str, day: str, opens: str, closes: str):
    """Four rows: a second before and at the opening, a second before and at the closing."""
    o = dt.datetime.fromisoformat(f"{day} {opens}:00")
    c = dt.datetime.fromisoformat(f"{day} {closes}:00")
    second = dt.timedelta(seconds=1)
    return [
        (rule, statute, key, zone, str(o - second), False),
        (rule, statute, key, zone, str(o), True),
        (rule, statute, key, zone, str(c - second), True),
        (rule, statute, key, zone, str(c), False),
    ]


def closed(rule: str, statute: str, key: str, zone: str, day: str):
    """A closed day: refused at noon and a second before midnight ends it."""
    return [
        (rule, statute, key, zone, f"{day} 12:00:00", False),
        (rule, statute, key, zone, f"{day} 23:59:59", False),
    ]


FED = "47 CFR 64.1200(c)(1); 16 CFR 310.4(c)"
PA_47 = "Act 47 of 2026 (SB 992), 73 P.S. 2245(a)(1)"
PA_HOL = "73 P.S. 2245(a)(10)"
RI = "R.I. Gen. Laws 5-61-3.6"
UT = "Utah Code 13-25a-103(3)"
TX = "Tex. Bus. & Com. Code 301.051(b)"
OR = "ORS 646.563 (HB 3865, 2025)"
WA = "RCW 19.158.040(2)"
BC = "Telemarketer Licensing Regulation (BPCPA)"
CRTC = "CRTC Unsolicited Telecommunications Rules"
WY = "W.S. 40-12-302"
LA = "La. R.S. 45:844.31"
CT = "Conn. Gen. Stat. 42-288a(c), P.A. 23-98"
KY = "KRS 367.46955(16)"
MN = "Minn. Stat. 325E.30"
MA = "M.G.L. c.159C s.3"
MS = "Miss. Code 77-3-723(1)"
FL = "Fla. Stat. 501.616(6)"

ROWS = [
    # US federal: 08:00-21:00 (California: no state window), a weekday and a Sunday
    *edges("us-federal", FED, f"US|CA|{LAX}", LAX, TUE, "08:00", "21:00"),
    *edges("us-federal", FED, f"US|CA|{LAX}", LAX, SUN, "08:00", "21:00"),
    # Nevada: no statutory live-call window (NRS 597.814 binds autodialers only): federal
    *edges("us-federal", FED + "; NRS 597.814", f"US|NV|{LAX}", LAX, TUE, "08:00", "21:00"),
    # Pennsylvania from 2026-10-18: 09:00-19:00, no Sundays; legal holidays since 2019-12-03
    *edges("us-pa-2026", PA_47, f"US|PA|{NY}", NY, TUE, "09:00", "19:00"),
    *edges("us-pa-2026", PA_47, f"US|PA|{NY}", NY, SAT, "09:00", "19:00"),
    *closed("us-pa-2026", PA_47, f"US|PA|{NY}", NY, SUN),
    *closed("us-pa-holidays", PA_HOL + " (Thanksgiving)", f"US|PA|{NY}", NY, "2026-11-26"),
    *closed("us-pa-holidays", PA_HOL + " (Election Day)", f"US|PA|{NY}", NY, "2026-11-03"),
    *closed("us-pa-holidays", PA_HOL + " (Good Friday)", f"US|PA|{NY}", NY, "2027-03-26"),
    *closed("us-pa-holidays", PA_HOL + " (Flag Day)", f"US|PA|{NY}", NY, "2027-06-14"),
    # ... and before Act 47 (Friday 2026-10-16): 08:00-21:00
    *edges(
        "us-pa",
        "73 P.S. 2245(a)(1) before Act 47",
        f"US|PA|{NY}",
        NY,
        "2026-10-16",
        "08:00",
        "21:00",
    ),
    # Rhode Island: Mon-Fri 09:00-18:00, Sat 10:00-17:00, no Sundays or holidays
    *edges("us-ri", RI, f"US|RI|{NY}", NY, TUE, "09:00", "18:00"),
    *edges("us-ri", RI, f"US|RI|{NY}", NY, SAT, "10:00", "17:00"),
    *closed("us-ri", RI, f"US|RI|{NY}", NY, SUN),
    *closed("us-ri", RI + " (Thanksgiving)", f"US|RI|{NY}", NY, "2026-11-26"),
    # Utah: 08:00-21:00, no Sundays or legal holidays
    *edges("us-ut", UT, f"US|UT|{DEN}", DEN, TUE, "08:00", "21:00"),
    *closed("us-ut", UT, f"US|UT|{DEN}", DEN, SUN),
    *closed("us-ut", UT + " (Thanksgiving)", f"US|UT|{DEN}", DEN, "2026-11-26"),
    # Texas: Mon-Sat 09:00-21:00, Sunday 12:00-21:00
    *edges("us-tx", TX, f"US|TX|{CHI}", CHI, TUE, "09:00", "21:00"),
    *edges("us-tx", TX, f"US|TX|{CHI}", CHI, SUN, "12:00", "21:00"),
    # Oregon: 08:00-20:00 since 2026-01-01; the federal window before
    *edges("us-or", OR, f"US|OR|{LAX}", LAX, TUE, "08:00", "20:00"),
    *edges(
        "us-federal",
        FED + " (Oregon before HB 3865)",
        f"US|OR|{LAX}",
        LAX,
        "2025-11-25",
        "08:00",
        "21:00",
    ),
    # Washington: calls end at 20:00
    *edges("us-wa", WA, f"US|WA|{LAX}", LAX, TUE, "08:00", "20:00"),
    # Wyoming: 08:00-20:00
    *edges("us-wy", WY, f"US|WY|{DEN}", DEN, TUE, "08:00", "20:00"),
    # Louisiana: 08:00-20:00, no Sundays, no state holidays (Mardi Gras 2027-02-09)
    *edges("us-la", LA, f"US|LA|{CHI}", CHI, TUE, "08:00", "20:00"),
    *closed("us-la", LA, f"US|LA|{CHI}", CHI, SUN),
    *closed("us-la", LA + " (Mardi Gras)", f"US|LA|{CHI}", CHI, "2027-02-09"),
    # Connecticut: 09:00-20:00 since 2023-10-01, 09:00-21:00 before
    *edges("us-ct-2023", CT, f"US|CT|{NY}", NY, TUE, "09:00", "20:00"),
    *edges("us-ct", CT + " (before)", f"US|CT|{NY}", NY, "2023-09-29", "09:00", "21:00"),
    # Kentucky 10:00-21:00, Minnesota 09:00-21:00, Massachusetts 08:00-20:00
    *edges("us-ky", KY, f"US|KY|{NY}", NY, TUE, "10:00", "21:00"),
    *edges("us-mn", MN, f"US|MN|{CHI}", CHI, TUE, "09:00", "21:00"),
    *edges("us-ma", MA, f"US|MA|{NY}", NY, TUE, "08:00", "20:00"),
    # Mississippi: 08:00-20:00 Central Standard Time, no Sundays (a number on Eastern time)
    *edges("us-ms", MS, f"US|MS|{NY}", CHI, TUE, "08:00", "20:00"),
    *closed("us-ms", MS, f"US|MS|{CHI}", CHI, SUN),
    # Canada (CRTC): weekdays 09:00-21:30, weekends 10:00-18:00
    *edges("ca-crtc", CRTC, f"CA|ON|{TOR}", TOR, TUE, "09:00", "21:30"),
    *edges("ca-crtc", CRTC, f"CA|ON|{TOR}", TOR, SAT, "10:00", "18:00"),
    # British Columbia: CRTC hours and no statutory holidays (BC Day 2026-08-03)
    *edges("ca-crtc", CRTC, f"CA|BC|{VAN}", VAN, SAT, "10:00", "18:00"),
    *closed("ca-bc", BC + " (British Columbia Day)", f"CA|BC|{VAN}", VAN, "2026-08-03"),
    # A Toronto number in a row saying "United States": Canada's rules and the US ones
    *edges("ca-crtc", CRTC + " + " + FED, f"CA,US|ON|{TOR}", TOR, SAT, "10:00", "18:00"),
    # Both DST changes of 2026 and 2027, on the called party's clock
    *edges("us-fl", FL + " (DST starts)", f"US|FL|{NY}", NY, "2026-03-08", "08:00", "20:00"),
    *edges("us-fl", FL + " (DST ends)", f"US|FL|{NY}", NY, "2026-11-01", "08:00", "20:00"),
    *edges("us-fl", FL + " (DST starts)", f"US|FL|{NY}", NY, "2027-03-14", "08:00", "20:00"),
    *edges("us-fl", FL + " (DST ends)", f"US|FL|{NY}", NY, "2027-11-07", "08:00", "20:00"),
    *edges(
        "us-tx", TX + " (Sunday, DST starts)", f"US|TX|{CHI}", CHI, "2027-03-14", "12:00", "21:00"
    ),
    *edges(
        "us-tx", TX + " (Sunday, DST ends)", f"US|TX|{CHI}", CHI, "2026-11-01", "12:00", "21:00"
    ),
    *edges("ca-crtc", CRTC + " (DST ends)", f"CA|ON|{TOR}", TOR, "2027-11-07", "10:00", "18:00"),
    *edges("ca-crtc", CRTC + " (DST starts)", f"CA|BC|{VAN}", VAN, "2026-03-08", "10:00", "18:00"),
    # Business lines: exempt rules do not bind (the federal window neither) ...
    ("us-tx", TX + " (business: exempt, 301.001)", f"US|TX|{CHI}|B", CHI, f"{SUN} 08:00:00", True),
    ("us-ky", KY + " (business: exempt, 367.46951)", f"US|KY|{NY}|B", NY, f"{TUE} 09:30:00", True),
    ("us-ct-2023", CT + " (business: exempt)", f"US|CT|{NY}|B", NY, f"{TUE} 20:30:00", True),
    ("us-mn", MN + " (business: exempt)", f"US|MN|{CHI}|B", CHI, f"{TUE} 08:30:00", True),
    ("us-ma", MA + " (business: exempt)", f"US|MA|{NY}|B", NY, f"{TUE} 20:30:00", True),
    ("us-or", OR + " (business: exempt, 646.561)", f"US|OR|{LAX}|B", LAX, f"{TUE} 20:30:00", True),
    ("us-wy", WY + " (business: exempt)", f"US|WY|{DEN}|B", DEN, f"{TUE} 20:30:00", True),
    ("us-la", LA + " (business: residential only)", f"US|LA|{CHI}|B", CHI, f"{SUN} 12:00:00", True),
    (
        "us-pa-holidays",
        PA_HOL + " (business: consumer goods only)",
        f"US|PA|{NY}|B",
        NY,
        "2026-11-26 12:00:00",
        True,
    ),
    (
        "us-federal",
        FED + " (business: 310.6(b)(7))",
        f"US|CA|{LAX}|B",
        LAX,
        f"{TUE} 22:00:00",
        True,
    ),
    (
        "ca-bc",
        BC + " (business: consumers only)",
        f"CA|BC|{VAN}|B",
        VAN,
        "2026-08-03 12:00:00",
        True,
    ),
    # ... binding rules still do
    *edges(
        "us-pa-2026",
        PA_47 + " (binds business subscribers)",
        f"US|PA|{NY}|B",
        NY,
        TUE,
        "09:00",
        "19:00",
    ),
    *closed("us-pa-2026", PA_47 + " (binds business subscribers)", f"US|PA|{NY}|B", NY, SUN),
    *edges("us-fl", FL + " (binds business)", f"US|FL|{NY}|B", NY, TUE, "08:00", "20:00"),
    *edges("us-wa", WA + " (no carve-out)", f"US|WA|{LAX}|B", LAX, TUE, "08:00", "20:00"),
    *edges(
        "us-ms",
        MS + " (consumer includes a business)",
        f"US|MS|{CHI}|B",
        CHI,
        TUE,
        "08:00",
        "20:00",
    ),
    *closed("us-ut", UT + " (cellular: binds)", f"US|UT|{DEN}|B", DEN, SUN),
    *edges(
        "ca-crtc", CRTC + " (hours bind business)", f"CA|ON|{TOR}|B", TOR, TUE, "09:00", "21:30"
    ),
]


def test_at_least_150_cases_each_naming_a_statute() -> None:
    assert len(ROWS) >= 150
    assert all(row[1].strip() for row in ROWS)
    assert len({row[4] + row[2] for row in ROWS}) == len(ROWS), "no row twice"


@pytest.mark.parametrize(("rule_id", "statute", "key", "zone", "when", "allowed"), ROWS)
def test_2026_table(rule_id: str, statute: str, key: str, zone: str, when: str, allowed: bool):
    at = local(zone, when)
    status = locale_status(key, at)
    why = (statute, status.rule, [(c.rule_id, c.verdict, c.detail) for c in status.checks])
    assert status.allowed is allowed, why
    verdicts = {c.rule_id: c.verdict for c in status.checks}
    assert rule_id in verdicts, why
    if key.endswith("|B") and allowed and verdicts[rule_id] == "exempt":
        exempt = next(c for c in status.checks if c.rule_id == rule_id)
        assert exempt.detail.startswith("business line:")
    if not allowed:
        assert verdicts[rule_id] == "refused", why
        if status.next_allowed_at is not None:
            assert status.next_allowed_at > at
            assert locale_status(key, status.next_allowed_at).allowed
            assert not locale_status(key, status.next_allowed_at - dt.timedelta(seconds=1)).allowed
    else:
        assert status.changes_at is None or status.changes_at > at


def test_every_rule_of_the_review_has_rows() -> None:
    review = {
        "us-pa-2026", "us-pa", "us-pa-holidays", "us-ri", "us-ut", "us-tx", "us-or", "us-wa",
        "ca-bc", "us-wy", "us-la", "us-ct-2023", "us-ct", "us-ky", "us-mn", "us-ma", "us-ms",
    }  # fmt: skip
    shipped = {rule.id for pack in shipped_packs().values() for rule in pack.rules}
    assert review <= shipped
    assert review <= {row[0] for row in ROWS}
    assert "us-nv" not in shipped  # no statute behind the vendor table's 09:00-20:00


def test_every_rule_has_a_source_a_real_date_and_a_business_reading() -> None:
    for pack in shipped_packs().values():
        for rule in pack.rules:
            assert rule.source.strip(), rule.id
            assert rule.business in ("binds", "exempt"), rule.id
            if pack.country in ("US", "CA"):
                assert rule.business_source.strip(), rule.id
            # No rule carries the day a pack adopted it (2026-11-01) as the law's date.
            assert rule.effective != dt.date(2026, 11, 1), rule.id


def test_a_past_instant_applies_the_law_as_it_then_stood() -> None:
    # Oregon 20:30 in 2025 (before HB 3865): allowed under the federal window; in 2026 not.
    assert locale_status(f"US|OR|{LAX}", local(LAX, "2025-06-10 20:30")).allowed
    assert not locale_status(f"US|OR|{LAX}", local(LAX, "2026-06-09 20:30")).allowed
    # Connecticut 20:30: allowed before P.A. 23-98 took effect, refused after.
    assert locale_status(f"US|CT|{NY}", local(NY, "2023-09-29 20:30")).allowed
    assert not locale_status(f"US|CT|{NY}", local(NY, "2023-10-02 20:30")).allowed
    # Alabama's vendor-table Sunday ban applies to an audit of 2025 too (not from 2026-11-01).
    assert not locale_status(f"US|AL|{CHI}", local(CHI, "2025-06-08 12:00")).allowed
    # A check before Act 47 names the rule no longer in force afterwards, and the reverse.
    after = locale_status(f"US|PA|{NY}", local(NY, "2026-11-24 12:00"))
    verdicts = {c.rule_id: (c.verdict, c.detail) for c in after.checks}
    assert verdicts["us-pa"][0] == "not in effect"
    assert "no longer in force since 2026-10-18" in verdicts["us-pa"][1]
    before = locale_status(f"US|PA|{NY}", local(NY, "2026-10-16 12:00"))
    assert {c.rule_id: c.verdict for c in before.checks}["us-pa-2026"] == "not in effect"
