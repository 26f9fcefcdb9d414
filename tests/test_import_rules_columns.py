"""What an import tells the calling rules: business lines from a "Phone type" column, and rows
whose number belongs to another country than their Country column (issue 14)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.models import Contact, Phone
from calldesk.places import parse_key
from calldesk.rules import decide
from calldesk.store import Store

ROWS = """First Name,Last Name,Company,Phone,Country,Phone type
Kim,Roy,Maple Freight,+1 416 555 0101,United States,Business
Lou,Park,Maple Freight,(212) 555-0102,United States,Residential
Max,Diaz,Harbor Co,(212) 555-0103,United States,
Ned,Fox,Lakes Inc,(312) 555-0104,Canada,business line
"""


def test_phone_type_column_marks_business_lines_and_country_mismatches_are_counted(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "b2b.csv"
    path.write_text(ROWS, encoding="utf-8")
    result = import_file(store, path, ImportOptions(list_name="B2B", country="US"))
    assert result.imported == 4
    # Kim's Toronto number in a "United States" row, Ned's Chicago number in a "Canada" row
    assert result.region_mismatches == 2
    assert result.business_lines == 2
    assert result.to_json()["region_mismatches"] == 2
    with store.session() as session:
        marked = {
            c.first_name: (p.business, c.locale_key)
            for c, p in session.execute(
                select(Contact, Phone).join(Phone, Phone.contact_id == Contact.id)
            )
        }
    assert {name: business for name, (business, _key) in marked.items()} == {
        "Kim": True,
        "Lou": False,  # "Residential": consumer rules
        "Max": False,  # not said: consumer rules (fail closed)
        "Ned": True,
    }
    assert parse_key(marked["Kim"][1]).business and not parse_key(marked["Lou"][1]).business
    # The number's own country decides the law: Kim's Toronto number keeps Canada's.
    assert "CA" in parse_key(marked["Kim"][1]).countries


def test_a_business_line_gets_the_exemptions_a_consumer_does_not(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "ky.csv"
    path.write_text(
        "First Name,Last Name,Phone,State,Phone type\n"
        "Ada,Ky,(502) 555-0110,KY,Business\n"
        "Bea,Ky,(502) 555-0111,KY,Residential\n",
        encoding="utf-8",
    )
    import_file(sqlite_store, path, ImportOptions(list_name="KY", country="US"))
    with sqlite_store.session() as session:
        ada, bea = (
            session.scalar(select(Contact).where(Contact.first_name == name))
            for name in ("Ada", "Bea")
        )
        at = dt.datetime(2026, 12, 7, 14, 30, tzinfo=dt.UTC)  # Monday 09:30 in Louisville
        business = decide(session, contact=ada, at=at)
        consumer = decide(session, contact=bea, at=at)
    assert business.allowed and business.exemptions, business.as_dict()
    assert not consumer.allowed
