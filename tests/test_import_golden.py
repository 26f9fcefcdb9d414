"""The import stores exactly what it stored before the speed work: a generated varied list
(duplicates, shared lines, invalid numbers, DNC, unicode, custom fields, extensions, an event
with engagement, a second file merging into the first) against a golden summary of the tables.

The golden file was computed with the row-by-row importer (commit c743058). Regenerate it only
for an intended change of what an import stores:
``CALLDESK_REGEN_GOLDEN=1 python -m pytest tests/test_import_golden.py -k sqlite``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import os
import random
from pathlib import Path
from typing import Any

from calldesk import dnc
from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.store import Store

GOLDEN = Path(__file__).parent / "fixtures" / "import_golden.json.gz"

FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Éva", "Jürgen", "María", "Søren", "李", "Zoë", "O'Neil"]
LAST = ["Lee", "Jones", "Müller", "García", "Ødegaard", "Smith", "Ng", "van Dijk", "王", "Brown"]
SHAPES = (
    "({a}) {b}-{c}",
    "{a}.{b}.{c}",
    "+1 {a} {b} {c}",
    "1-{a}-{b}-{c}",
    "{a}{b}{c}",
    "{a}-{b}-{c}",
    "+1{a}{b}{c}",
    "{a} {b} {c}",
)
AREA = ["212", "415", "312", "617", "206", "303", "713", "305", "404", "503", "604", "416"]
ODD = [
    "Tel: {n}",
    "001 {n}",
    "{n} ext. 12",
    "{n} x305",
    "+44 20 7946 0{r3}",
    "+49 30 901820{r2}",
    "+33 1 42 68 53 {r2}",
]
INVALID = ["12345", "555-01", "+1 000 123 4567", "abc", "(999) 999-99999", "+999 12", "0"]


def _number(rng: random.Random) -> str:
    return f"{rng.choice(AREA)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def _written(national: str, rng: random.Random) -> str:
    return rng.choice(SHAPES).format(a=national[:3], b=national[3:6], c=national[6:])


def _phone(rng: random.Random) -> str:
    roll = rng.random()
    national = _number(rng)
    if roll < 0.06:
        return rng.choice(INVALID)
    if roll < 0.14:
        return rng.choice(ODD).format(
            n=_written(national, rng), r2=f"{rng.randint(0, 99):02d}", r3=rng.randint(100, 999)
        )
    if roll < 0.17:
        return ""
    return _written(national, rng)


def generate(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A purchased list, an event list partly overlapping it, and numbers for the DNC list."""
    rng = random.Random(20261123)
    header = [
        "First Name",
        "Last Name",
        "Company",
        "Title",
        "Email",
        "Phone",
        "Ext",
        "Mobile",
        "Street",
        "City",
        "State",
        "Zip",
        "Country",
        "Notes",
        "Lead Source",
        "Favourite colour",
    ]
    rows: list[list[str]] = []
    shared_lines = [_number(rng) for _ in range(8)]
    dnc_numbers: list[str] = []
    for i in range(1500):
        roll = rng.random()
        if rows and roll < 0.08:  # the same person again, written differently
            again = list(rng.choice(rows))
            again[0] = again[0].upper() if rng.random() < 0.5 else again[0]
            again[4] = again[4].upper()
            digits = "".join(ch for ch in again[5] if ch.isdigit())[-10:]
            if len(digits) == 10 and rng.random() < 0.7:
                again[5] = _written(digits, rng)
            if rng.random() < 0.3:
                again[7] = _written(_number(rng), rng)
            rows.append(again)
            continue
        first, last = rng.choice(FIRST), rng.choice(LAST)
        phone = _phone(rng)
        if roll < 0.13:  # a colleague on a shared switchboard line
            phone = _written(rng.choice(shared_lines), rng)
        if rng.random() < 0.1:
            digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
            if len(digits) == 10:
                dnc_numbers.append(digits)
        email = f"{first.lower()}.{last.lower()}{i}@example{rng.randint(1, 40)}.com"
        erolls = rng.random()
        if erolls < 0.04:
            email = "not-an-address"
        elif erolls < 0.08:
            email = ""
        elif erolls < 0.1:
            email = f"info@example{rng.randint(1, 5)}.com"
        if rng.random() < 0.02:  # no number, no address: only name and company tell
            phone, email = "", ""
        rows.append(
            [
                first if rng.random() > 0.02 else "",
                last if rng.random() > 0.02 else "",
                f"Firma {rng.randint(1, 60)} GmbH" if rng.random() > 0.1 else "",
                rng.choice(["CEO", "CTO", "Einkäufer", "", "VP Sales"]),
                email,
                phone,
                str(rng.randint(1, 999)) if rng.random() < 0.05 else "",
                _written(_number(rng), rng) if rng.random() < 0.3 else "",
                f"{rng.randint(1, 999)} Main St" if rng.random() < 0.5 else "",
                rng.choice(["Springfield", "Zürich", "", "São Paulo"]),
                rng.choice(["NY", "CA", "IL", "ON", "BC", "", "TX", "Bavaria"]),
                f"{rng.randint(10000, 99999)}",
                rng.choice(["US", "USA", "United States", "Canada", "", "Germany", "Atlantis"]),
                rng.choice(["", "call after 3pm", "línea compartida  "]),
                rng.choice(["web", "", "referral"]),
                rng.choice(["", "blue", "grün"]),
            ]
        )
    rows.append([""] * len(header))
    rows.append(["", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "teal"])
    first_path = tmp_path / "list.csv"
    with open(first_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    event_path = tmp_path / "webinar.csv"
    with open(event_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["First Name", "Last Name", "Company", "Email", "Phone", "Attended", "Minutes"]
            + ["Questions", "Rating", "Booth Notes"]
        )
        for i in range(400):
            if i % 3 == 0:  # someone from the first list
                base = rng.choice(rows[:-2])
                first, last, company, email, phone = base[0], base[1], base[2], base[4], base[5]
                if rng.random() < 0.5:
                    phone = _written(_number(rng), rng)
            else:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                company = f"Firma {rng.randint(1, 60)} GmbH"
                email = f"{first.lower()}.w{i}@example.org"
                phone = _phone(rng)
            writer.writerow(
                [
                    first,
                    last,
                    company,
                    email,
                    phone,
                    rng.choice(["yes", "no", "", "Attended", "maybe"]),
                    rng.choice(["", "45", "1:05", "12,5", "abc", "0:30:00"]),
                    rng.choice(["", "How much?", "Does it scale?"]),
                    rng.choice(["", "hot", "B", "cold", "5", "meh"]),
                    rng.choice(["", "met at booth 12", "wants demo"]),
                ]
            )
    return first_path, event_path, dnc_numbers[:60]


TABLES = {
    "contacts": (
        "id, company_id, first_name, last_name, title, street, city, state, postal_code, "
        "country, notes, custom, dnc, callable, locale_key, needs_review_reason, engagement, "
        "queue_rank, stage, attempts, priority, tier, campaign_id"
    ),
    "phones": (
        "contact_id, position, label, raw, e164, extension, number_type, region, time_zones, "
        "valid, invalid_reason, shared, dnc"
    ),
    "emails": "contact_id, address, address_key, shared, role_address",
    "list_members": "list_id, contact_id, source_row",
    "event_engagements": (
        "event_id, contact_id, rating, booth_notes, registered, attended, minutes_attended, "
        "questions_asked, download_title, score, engaged_at"
    ),
    "import_errors": 'run_id, "row", "column", value, reason',
    "possible_duplicates": "contact_id, other_id, reason",
    "companies": "id, name, name_key",
}
CONTACT_REFS = {"contacts": ["id"], "possible_duplicates": ["contact_id", "other_id"]}


def _plain(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return str(value)
    if isinstance(value, dict):
        return value
    return str(value)


def summary(store: Store, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Every stored value of the import's tables; contact and company ids as their rank (the
    ids themselves differ between SQLite and PostgreSQL sequences)."""
    from sqlalchemy import text

    out: dict[str, Any] = {"results": results}
    with store.session() as session:
        contact_ids = sorted(session.execute(text("SELECT id FROM contacts")).scalars())
        company_ids = sorted(session.execute(text("SELECT id FROM companies")).scalars())
        crank = {cid: i for i, cid in enumerate(contact_ids)}
        corank = {cid: i for i, cid in enumerate(company_ids)}
        for table, columns in TABLES.items():
            names = [c.strip().strip('"') for c in columns.split(",")]
            rows = []
            for row in session.execute(text(f"SELECT {columns} FROM {table}")):
                record = dict(zip(names, row, strict=True))
                for name in ("id", "contact_id", "other_id"):
                    if name in record and table != "companies":
                        record[name] = crank[record[name]]
                if table == "companies":
                    record["id"] = corank[record["id"]]
                if table == "contacts" and record["company_id"] is not None:
                    record["company_id"] = corank[record["company_id"]]
                if table == "contacts" and isinstance(record["custom"], str):
                    record["custom"] = json.loads(record["custom"])
                for name in (
                    "dnc",
                    "callable",
                    "valid",
                    "shared",
                    "role_address",
                    "registered",
                    "attended",
                ):
                    if name in record and record[name] is not None:
                        record[name] = bool(record[name])
                for name in ("list_id", "event_id", "run_id"):
                    record.pop(name, None)
                rows.append({k: _plain(v) for k, v in record.items()})
            rows.sort(key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))
            out[table] = rows
    return out


def run_imports(store: Store, tmp_path: Path) -> dict[str, Any]:
    first_path, event_path, dnc_numbers = generate(tmp_path)
    with store.write() as session:
        for number in dnc_numbers:
            dnc.add_number(session, number, reason="golden")
    results = []
    for path, options in (
        (first_path, ImportOptions(list_name="Golden list", country="US", batch_size=500)),
        (
            event_path,
            ImportOptions(
                list_name="Golden webinar",
                source="webinar",
                event="Golden webinar",
                event_date=dt.date(2026, 11, 2),
                follow_up_days=14,
                batch_size=128,
            ),
        ),
        (first_path, ImportOptions(list_name="Golden list", country="US")),
        (first_path, ImportOptions(list_name="Golden list again", country="US", batch_size=700)),
    ):
        result = import_file(store, path, options).to_json()
        result.pop("seconds")
        result.pop("list_id")
        results.append(result)
    return summary(store, results)


def test_import_stores_what_it_stored_before(store: Store, tmp_path: Path) -> None:
    got = run_imports(store, tmp_path)
    if os.environ.get("CALLDESK_REGEN_GOLDEN") and store.is_sqlite:
        GOLDEN.parent.mkdir(exist_ok=True)
        lines = [
            f"{json.dumps(key)}: [\n"
            + ",\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)
            + "\n]"
            for key, rows in sorted(got.items())
        ]
        GOLDEN.write_bytes(gzip.compress(("{\n" + ",\n".join(lines) + "\n}\n").encode(), mtime=0))
    want = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    got = json.loads(json.dumps(got, ensure_ascii=False, sort_keys=True))
    assert got.keys() == want.keys()
    for key in want:
        assert len(got[key]) == len(want[key]), key
        for index, (a, b) in enumerate(zip(got[key], want[key], strict=True)):
            assert a == b, (key, index)
