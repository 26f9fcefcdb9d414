"""Import honesty: every row stored, merged or refused with its reason; nothing swallowed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calldesk.cli.main import main as cli
from calldesk.importing.mapping import ColumnMapping
from calldesk.importing.pipeline import ImportOptions, ImportRefused, import_file
from calldesk.importing.readers import read_all, sniff_file
from calldesk.models import Contact, ImportError_, Phone
from calldesk.store import Store


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def count(store: Store, model: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_unclosed_quote_refuses_the_file_at_its_line(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "open.csv",
        "First,Last,Company,Phone\n"
        'Ann,Lee,"ACME,212-736-5000\n'
        "Bob,Smith,Foo,212-736-5001\n"
        "Cat,Doe,Bar,212-736-5002\n",
    )
    with pytest.raises(ImportRefused, match=r"line 2: a quote .* never closed"):
        import_file(store, path, ImportOptions(list_name="L"))
    assert count(store, Contact) == 0


def test_quote_that_swallows_rows_up_to_a_stray_quote_is_refused(
    store: Store, tmp_path: Path
) -> None:
    rows = "".join(f"P{i},Q{i},Co{i},212-736-50{i:02d}\n" for i in range(10, 20))
    path = write(
        tmp_path,
        "stray.csv",
        'First,Last,Company,Phone\nAnn,Lee,"ACME,212-736-5000\n' + rows + 'Zed,Z,"Zco",1\n',
    )
    with pytest.raises(ImportRefused, match=r"line 2: .*quote"):
        import_file(store, path, ImportOptions(list_name="L"))
    assert count(store, Contact) == 0


def test_quote_open_at_the_end_of_a_cut_off_file_refuses_that_row_only(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "cut.csv",
        "First,Last,Company,Notes\n"
        "Ann,Lee,ACME,fine\n"
        "Bob,Smith,Foo,ok\n"
        'Cat,Doe,Bar,"the export stopped in the middle of this note\nand its second line',
    )
    result = import_file(sqlite_store, path, ImportOptions(list_name="L"))
    assert (result.rows, result.imported, result.rows_refused) == (3, 2, 1)
    assert result.accounted
    assert "line 4" in result.errors[0]["reason"] and result.errors[0]["row"] == 4
    with sqlite_store.session() as session:
        assert session.scalar(select(ImportError_.reason)).startswith("line 4")


@pytest.mark.parametrize("odd", ["Q1", "Tel2", "col5"])
def test_header_with_a_digit_in_a_column_name_is_a_header(
    store: Store, tmp_path: Path, odd: str
) -> None:
    path = write(
        tmp_path,
        "q1.csv",
        f"First Name,Last Name,Company,Phone,{odd}\n"
        "Ann,Lee,ACME,212-736-5000,yes\n"
        "Bob,Smith,Foo,212-736-5001,no\n"
        "Cat,Doe,Bar,212-736-5002,\n",
    )
    layout = sniff_file(path)
    assert layout.has_header and layout.headers[-1] == odd
    result = import_file(store, path, ImportOptions(list_name="L"))
    assert (result.rows, result.imported) == (3, 3)
    with store.session() as session:
        names = sorted(session.scalars(select(Contact.last_name)))
        assert names == ["Doe", "Lee", "Smith"]
        custom = session.scalars(select(Contact.custom)).all()
        assert {(c or {}).get(odd) for c in custom} == {"yes", "no", None}


def test_header_row_is_never_stored_as_a_contact(sqlite_store: Store, tmp_path: Path) -> None:
    text = (
        "First Name,Last Name,Company,Phone\n"
        "Ann,Lee,ACME,212-736-5000\n"
        "First Name,Last Name,Company,Phone\n"  # two exports pasted together
        "Bob,Smith,Foo,212-736-5001\n"
    )
    path = write(tmp_path, "twice.csv", text)
    result = import_file(sqlite_store, path, ImportOptions(list_name="L"))
    assert (result.rows, result.imported, result.rows_refused) == (3, 2, 1)
    assert result.refused_by_reason == {"repeats the header row (column names, not a person)": 1}
    # The user says "no header row": the header is still not a person.
    by_position = ColumnMapping(
        columns={"Column 1": "first_name", "Column 2": "last_name", "Column 4": "phone"}
    )
    forced = import_file(
        sqlite_store, path, ImportOptions(list_name="M", has_header=False, mapping=by_position)
    )
    assert forced.accounted and forced.rows == 4 and forced.rows_refused == 2
    with sqlite_store.session() as session:
        assert "First Name" not in set(session.scalars(select(Contact.first_name)))
        assert "Company" not in {str(c) for c in session.scalars(select(Contact.custom))}


def test_rows_and_cells_are_counted_apart(sqlite_store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mixed.csv",
        "First,Last,Company,Email,Phone\n"
        "Ann,Lee,ACME,ann@acme.com,212-736-5000\n"
        "Bob,Smith,Foo,bob@,12345\n"  # stored, two values refused
        ",,,,\n"  # blank
        ",,,not-an-address,\n"  # refused row
        "Cat,Doe,Bar,,1234\n",  # stored, one value refused
    )
    result = import_file(sqlite_store, path, ImportOptions(list_name="L"))
    data = result.to_json()
    assert data["rows"] == 4 and data["blank_rows"] == 1
    assert data["imported"] == 3 and data["rows_refused"] == 1 and data["cells_refused"] == 3
    assert data["accounted"] is True
    assert data["refused_by_reason"] == {
        "too short": 2,
        "not an e-mail address": 1,
        "row holds no name, company, phone or e-mail": 1,
    }


def test_names_compare_with_their_digits_and_vendor_ids_keep_records_apart(
    store: Store, tmp_path: Path
) -> None:
    # VICIdial's sample lead file: one test number, people told apart by digits and codes.
    lines = []
    for i in range(1, 15):
        lines.append(
            f"VLC{i:04d}|SRC|101|1|2127364350|MR|I||SMITH{i:02d}|1 Main St|||"
            f"New York|NY||10001|US|M|||x@example.com||comment|1|owner|101|"
        )
    path = write(tmp_path, "vici.txt", "\n".join(lines) + "\n")
    result = import_file(store, path, ImportOptions(list_name="V", mapping="vicidial"))
    assert (result.rows, result.imported) == (14, 14)
    with store.session() as session:
        ids = sorted(session.scalars(select(Contact.external_id)))
        assert ids == [f"VLC{i:04d}" for i in range(1, 15)]
    # Same name and number, different vendor ids: two records, two contacts.
    path2 = write(
        tmp_path,
        "ids.csv",
        "vendor_lead_code,First Name,Last Name,Phone\n"
        "A-1,Ann,Lee,415-736-2100\nA-2,Ann,Lee,415-736-2100\nA-1,Ann,Lee,415-736-2100\n",
    )
    second = import_file(store, path2, ImportOptions(list_name="W"))
    assert (second.imported, second.duplicates) == (2, 1)


def test_numbers_written_with_an_international_prefix_resolve(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "idd.csv",
        "Name,Phone\n"
        "Ann Lee,001-212-736-4350\n"
        "Bob Ray,001 415 736 2100\n"
        "Cat Doe,0044 20 7946 0958\n"
        "Dan Fox,011 49 30 12345678\n"
        "Eve Oak,555\n",
    )
    result = import_file(store, path, ImportOptions(list_name="L"))
    assert result.imported == 5 and result.cells_refused == 1
    assert result.numbers_read_as == {
        "international prefix 00 + country code 1": 2,
        "international prefix 00 + country code 44": 1,
        "international prefix 011 + country code 49": 1,
    }
    assert result.refused_by_reason == {"too short": 1}
    with store.session() as session:
        phones = dict(session.execute(select(Phone.raw, Phone.e164)).all())
    assert phones["001-212-736-4350"] == "+12127364350"
    assert phones["0044 20 7946 0958"] == "+442079460958"
    assert phones["011 49 30 12345678"] == "+493012345678"
    assert phones["555"] is None


def test_cli_json_groups_refusals(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write(
        tmp_path,
        "v.csv",
        "Name,Phone\n"
        + "".join(f"P{i} Q,001-212-736-{4300 + i}\n" for i in range(6))
        + "Z Y,555\n",
    )
    db = str(tmp_path / "s.sqlite3")
    code = cli(["--db", db, "import", str(path), "--list", "V", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["numbers_read_as"] == {"international prefix 00 + country code 1": 6}
    assert data["refused_by_reason"] == {"too short": 1}
    assert data["rows"] == 7 and data["accounted"] is True
    code = cli(["--db", db, "import", str(path), "--list", "W"])
    text = capsys.readouterr().out
    assert "6 numbers written with international prefix 00 + country code 1" in text
    assert "1 refused: too short" in text


def test_cut_off_file_keeps_reading_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", 'a,b\n1,2\n3,"4\n')
    layout = sniff_file(path, has_header=True)
    assert read_all(layout) == [["1", "2"]]


def test_external_id_is_in_the_contact_data(sqlite_store: Store, tmp_path: Path) -> None:
    from calldesk.desk_data import load_card
    from calldesk.importing.lookup import find_by_phone

    path = write(
        tmp_path, "sf.csv", "Id,FirstName,LastName,Phone\n0035g00000ABCDE,Ann,Lee,415-736-2100\n"
    )
    import_file(sqlite_store, path, ImportOptions(list_name="SF", mapping="salesforce-contacts"))
    with sqlite_store.session() as session:
        found = find_by_phone(session, "(415) 736-2100")
        assert found["contacts"][0]["external_id"] == "0035g00000ABCDE"
        card = load_card(session, found["contacts"][0]["id"])
        assert card.external_id == "0035g00000ABCDE"


def test_names_with_different_digits_on_one_number_are_two_people(
    store: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "digits.csv",
        "First Name,Last Name,Phone\n"
        "I,SMITH01,212-736-4350\n"
        "I,SMITH02,212-736-4350\n"
        "I,Smith01,(212) 736-4350\n",  # the first again
    )
    result = import_file(store, path, ImportOptions(list_name="D"))
    assert (result.imported, result.duplicates) == (2, 1)
    assert result.possible_duplicates == 0  # numbered records, not a typo to review
    with store.session() as session:
        assert sorted(session.scalars(select(Contact.last_name))) == ["SMITH01", "SMITH02"]


def test_a_quoted_cell_of_several_lines_is_not_taken_for_an_open_quote(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "notes.csv",
        "First,Last,Phone,Notes\n"
        'Ann,Lee,212-736-5000,"called twice\nasked for a demo, Tuesday, 10am\nboss: Bob, CFO"\n'
        "Bob,Ray,415-736-2100,ok\n",
    )
    result = import_file(sqlite_store, path, ImportOptions(list_name="N"))
    assert (result.rows, result.imported, result.rows_refused) == (2, 2, 0)
