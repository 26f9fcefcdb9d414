"""Read-only lookups of the lists browser: ids by filter, rows by page, any format of a number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from calldesk import browse
from calldesk.models import (
    AuditEntry,
    CallList,
    Company,
    Contact,
    DncEntry,
    Email,
    ListMember,
    Phone,
)
from calldesk.store import Store


def _seed(store: Store) -> dict[str, int]:
    with store.write() as s:
        acme = Company(name="Acme Tools", name_key="acme tools")
        globex = Company(name="Globex Corporation", name_key="globex corporation")
        purchased = CallList(name="Vendor X March", source_kind="purchased", cost=Decimal("1200"))
        other = CallList(name="Webinar", source_kind="webinar")
        s.add_all([acme, globex, purchased, other])
        s.flush()
        ada = Contact(first_name="Ada", last_name="Lovelace", company=acme, state="NY")
        ada.phones = [
            Phone(raw="(212) 555-0147", e164="+12125550147", position=0, label="work"),
            Phone(raw="not a number", e164=None, valid=False, position=1, invalid_reason="bad"),
        ]
        ada.emails = [Email(address="Ada@Acme.example", address_key="ada@acme.example")]
        bob = Contact(first_name="Robert", last_name="Smith", company=globex, state="ON")
        bob.phones = [Phone(raw="905 364 8900", e164="+19053648900", position=0)]
        carla = Contact(first_name="Carla", last_name="Acmeson", dnc=True)
        carla.phones = [Phone(raw="+44 20 7946 0958", e164="+442079460958", dnc=True)]
        s.add_all([ada, bob, carla])
        s.flush()
        s.add_all(
            [
                ListMember(list_id=purchased.id, contact_id=ada.id),
                ListMember(list_id=purchased.id, contact_id=bob.id),
                ListMember(list_id=other.id, contact_id=carla.id),
                DncEntry(e164="+442079460958", source="internal", added_by="Maria"),
                DncEntry(e164="+18149652488", source="us_national"),
                AuditEntry(actor="Maria", action="dnc.remove", entity="dnc", entity_id="+1814"),
            ]
        )
        return {
            "ada": ada.id,
            "bob": bob.id,
            "carla": carla.id,
            "purchased": purchased.id,
            "other": other.id,
        }


def test_lists_count_members_newest_first(store: Store) -> None:
    ids = _seed(store)
    with store.session() as s:
        found = {summary.name: summary for summary in browse.lists(s)}
    assert found["Vendor X March"].contacts == 2
    assert found["Vendor X March"].cost == Decimal("1200")
    assert found["Webinar"].contacts == 1
    assert found["Webinar"].id == ids["other"]


@pytest.mark.parametrize(
    "query",
    ["(212) 555-0147", "212.555.0147", "+1 212 555 0147", "2125550147", "+12125550147"],
)
def test_any_format_of_a_number_finds_the_contact(store: Store, query: str) -> None:
    ids = _seed(store)
    with store.session() as s:
        assert list(browse.contact_ids(s, query=query)) == [ids["ada"]]


def test_search_by_name_company_email_and_list(store: Store) -> None:
    ids = _seed(store)
    with store.session() as s:
        assert list(browse.contact_ids(s, query="lovelace")) == [ids["ada"]]
        assert list(browse.contact_ids(s, query="ada acme")) == [ids["ada"]]
        # "acme" is Ada's company and part of Carla's surname
        assert list(browse.contact_ids(s, query="ACME")) == [ids["ada"], ids["carla"]]
        assert list(browse.contact_ids(s, query="ada@acme")) == [ids["ada"]]
        assert list(browse.contact_ids(s, list_id=ids["purchased"])) == [ids["ada"], ids["bob"]]
        assert list(browse.contact_ids(s, list_id=ids["purchased"], query="acme")) == [ids["ada"]]
        assert list(browse.contact_ids(s, query="100%_")) == []
        # a British number typed nationally, with the UK as the default country
        assert list(browse.contact_ids(s, query="020 7946 0958", default_country="GB")) == [
            ids["carla"]
        ]


def test_contact_rows_and_phones(store: Store) -> None:
    ids = _seed(store)
    with store.session() as s:
        rows = browse.contact_rows(s, [ids["ada"], ids["carla"]])
        phones = browse.contact_phones(s, ids["ada"])
    ada = rows[ids["ada"]]
    assert (ada.name, ada.company, ada.phones, ada.email) == (
        "Ada Lovelace",
        "Acme Tools",
        2,
        "Ada@Acme.example",
    )
    assert ada.phone == "+1 212-555-0147"
    assert rows[ids["carla"]].dnc and rows[ids["carla"]].company is None
    assert [p.valid for p in phones] == [True, False]
    assert phones[1].display == "not a number"


def test_dnc_search_and_audit(store: Store) -> None:
    _seed(store)
    with store.session() as s:
        assert len(browse.dnc_ids(s)) == 2
        (only,) = browse.dnc_ids(s, query="(814) 965-2488")
        row = browse.dnc_rows(s, [only])[only]
        assert (row.e164, row.source) == ("+18149652488", "us_national")
        assert len(browse.dnc_ids(s, query="7946")) == 1
        assert len(browse.dnc_ids(s, query="maria")) == 1
        (entry,) = browse.audit_entries(s, entity="dnc")
    assert entry.actor == "Maria"


def test_normalize_number_refuses_words_and_short_digits() -> None:
    assert browse.normalize_number("smith") is None
    assert browse.normalize_number("555") is None
    assert browse.normalize_number("212-555-0147 ext. 12") == "+12125550147"


def test_nanp_display_matches_phonenumbers() -> None:
    import csv

    import phonenumbers

    from tests.conftest import REALWORLD

    path = REALWORLD / "phone-formats" / "libphonenumber_examples_combined.csv"
    with open(path, encoding="utf-8") as handle:
        numbers = [row["e164"] for row in csv.DictReader(handle) if row["calling_code"] == "1"]
    assert len(numbers) > 100
    for e164 in numbers:
        expected = phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        assert browse.display_number(e164) == expected, e164
