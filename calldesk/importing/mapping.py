"""Which column of a file holds what: guessed from headers, taken from a preset, or saved.

A :class:`ColumnMapping` maps column names (the file's header text, or "Column N" for files
without a header row) to calldesk fields (:data:`FIELDS`). Columns it does not map are kept on
the contact as custom fields. Presets for common exports ship as YAML files in
``resources/mappings/``; a mapping the user corrected can be saved under a name
(:class:`~calldesk.models.SavedMapping`) and reused for the next file of the same shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from calldesk import paths
from calldesk.models import SavedMapping

# field -> what it means (the import wizard shows these)
FIELDS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name (split into first and last)",
    "middle_initial": "Middle initial",
    "title": "Job title",
    "company": "Company",
    "email": "E-mail",
    "phone": "Phone (work)",
    "mobile": "Mobile phone",
    "home_phone": "Home phone",
    "main_phone": "Main/company phone",
    "other_phone": "Other phone",
    "phone_code": "Country calling code of the phone column (VICIdial phone_code)",
    "extra_phones": "Extra phones (VICIdial NUMBER_COUNTRYCODE_NOTE!...)",
    "extension": "Phone extension",
    "street": "Street address",
    "street2": "Street address, line 2",
    "street3": "Street address, line 3",
    "city": "City",
    "state": "State/Province",
    "postal_code": "Postal code",
    "country": "Country",
    "notes": "Notes",
    "website": "Website",
    "industry": "Industry",
    "rating": "Lead rating (hot/warm/cold)",
    "booth_notes": "Booth or scan notes",
    "registered": "Registered (yes/no)",
    "attended": "Attended (yes/no)",
    "minutes_attended": "Minutes attended",
    "questions_asked": "Questions asked",
    "download_title": "Downloaded asset",
    "engaged_at": "Scan/attendance/download time",
    "external_id": "Vendor/CRM record id (keeps records apart; sent back on sync)",
    "ignore": "(do not import)",
}

PHONE_FIELDS: dict[str, str] = {
    "phone": "work",
    "mobile": "mobile",
    "home_phone": "home",
    "main_phone": "main",
    "other_phone": "other",
}

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "first", "givenname", "fname", "forename", "vorname", "prenom"),
    "last_name": ("lastname", "last", "surname", "familyname", "lname", "nachname"),
    "full_name": (
        "name",
        "fullname",
        "contactname",
        "contact",
        "attendeename",
        "registrantname",
        "usernameoriginalname",
        "username",
        "personname",
    ),
    "middle_initial": ("middleinitial", "mi", "middlename"),
    "title": ("title", "jobtitle", "position", "role", "designation", "jobrole", "jobfunction"),
    "company": (
        "company",
        "companyname",
        "organization",
        "organisation",
        "org",
        "organizationname",
        "accountname",
        "account",
        "employer",
        "business",
        "firm",
    ),
    "email": (
        "email",
        "emailaddress",
        "mail",
        "workemail",
        "businessemail",
        "attendeeemail",
        "registrantemail",
        "email1",
    ),
    "phone": (
        "phone",
        "phonenumber",
        "telephone",
        "tel",
        "telephonenumber",
        "workphone",
        "businessphone",
        "officephone",
        "directphone",
        "directline",
        "phone1",
        "contactphone",
        "contactphonenumber",
    ),
    "mobile": ("mobile", "mobilephone", "cell", "cellphone", "mobilenumber", "cellnumber", "handy"),
    "home_phone": ("homephone", "home"),
    "main_phone": ("mainphone", "companyphone", "switchboard", "hqphone", "mainline"),
    "other_phone": (
        "otherphone",
        "phone2",
        "altphone",
        "alternatephone",
        "secondaryphone",
        "additionalphone",
    ),
    "extension": ("ext", "extension", "phoneext", "phoneextension", "workphoneext"),
    "street": (
        "address",
        "street",
        "address1",
        "streetaddress",
        "mailingstreet",
        "addressline1",
        "street1",
        "billingstreet",
    ),
    "street2": ("address2", "addressline2", "street2"),
    "street3": ("address3", "addressline3", "street3"),
    "city": ("city", "town", "mailingcity", "locality", "billingcity"),
    "state": (
        "state",
        "province",
        "stateprovince",
        "stateorprovince",
        "mailingstate",
        "billingstate",
        "statecode",
        "region",
    ),
    "postal_code": (
        "zip",
        "zipcode",
        "postalcode",
        "postcode",
        "mailingpostalcode",
        "billingpostalcode",
        "zippostalcode",
        "plz",
    ),
    "country": ("country", "countrycode", "mailingcountry", "billingcountry", "countryregion"),
    "notes": ("notes", "note", "comments", "comment", "description", "remarks"),
    "website": ("website", "web", "url", "companywebsite", "domain", "homepage"),
    "industry": ("industry", "sector", "vertical"),
    "rating": ("rating", "leadrating", "temperature", "leadtemperature", "qualification", "grade"),
    "booth_notes": ("boothnotes", "leadnotes", "scannotes", "badgenotes", "visitnotes"),
    "registered": ("registered", "registrationstatus"),
    "attended": ("attended", "attendance", "attendedyn", "attendedyesno", "showedup"),
    "minutes_attended": (
        "minutesattended",
        "timeinsessionminutes",
        "timeinsession",
        "durationminutes",
        "attendanceduration",
        "viewingminutes",
        "minutes",
    ),
    "questions_asked": ("questions", "questionsasked", "questionscomments", "qa", "question"),
    "download_title": (
        "downloadtitle",
        "asset",
        "assettitle",
        "whitepaper",
        "downloaded",
        "content",
    ),
    "engaged_at": (
        "scandate",
        "scannedat",
        "scantime",
        "jointime",
        "registrationtime",
        "downloaddate",
        "attendedat",
    ),
    "external_id": (
        "vendorleadcode",
        "externalid",
        "recordid",
        "vendorid",
        "vendorrecordid",
        "sourceid",
        "crmid",
        "salesforceid",
        "hubspotid",
        "leadid",
        "contactid",
    ),
}

_LOOKUP: dict[str, str] = {key: name for name, keys in _SYNONYMS.items() for key in keys}


def header_key(header: str) -> str:
    """A header reduced to letters and digits, lower case: "E-mail Address" -> "emailaddress"."""
    return re.sub(r"[^0-9a-z]", "", header.casefold())


@dataclass
class ColumnMapping:
    """Column name -> calldesk field, plus how to read the file when the preset knows."""

    columns: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    has_header: bool | None = None
    delimiter: str | None = None
    source: str | None = None  # the event kind this export usually comes from
    label: str | None = None
    headers: list[str] | None = None  # names of the columns of a file without a header row
    # every column of the file the mapping was made for (custom ones too): the next file with
    # the same columns is from the same vendor, and gets this mapping offered first
    source_headers: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"columns": dict(self.columns)}
        for key in (
            "name",
            "has_header",
            "delimiter",
            "source",
            "label",
            "headers",
            "source_headers",
        ):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], name: str | None = None) -> ColumnMapping:
        columns = data.get("columns") or {}
        if isinstance(columns, list):  # by position, for files without a header row
            columns = {f"Column {i + 1}": f for i, f in enumerate(columns) if f}
        headers = data.get("headers")
        if headers is not None and not isinstance(headers, list):
            raise MappingError("a mapping's headers must be a list of column names")
        if not isinstance(columns, dict):
            raise MappingError("a mapping's columns must map column names to fields")
        unknown = sorted({str(f) for f in columns.values()} - set(FIELDS) - {"custom"})
        if unknown:
            raise MappingError(
                f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(FIELDS))}"
            )
        return cls(
            columns={str(k): str(v) for k, v in columns.items()},
            name=data.get("name", name),
            has_header=data.get("has_header"),
            delimiter=data.get("delimiter"),
            source=data.get("source"),
            label=data.get("label"),
            headers=[str(h) for h in data["headers"]] if data.get("headers") else None,
            source_headers=[str(h) for h in data["source_headers"]]
            if isinstance(data.get("source_headers"), list)
            else None,
        )

    def column_names(self, headers: list[str], has_header: bool) -> list[str]:
        """The file's column names, or the mapping's own for a file without a header row."""
        if has_header or not self.headers:
            return headers
        named = list(self.headers[: len(headers)])
        return named + [f"Column {i + 1}" for i in range(len(named), len(headers))]

    def bind(self, headers: list[str]) -> dict[int, str]:
        """Column index -> field for a file with these headers (names matched loosely)."""
        wanted = {header_key(k): v for k, v in self.columns.items()}
        exact = dict(self.columns)
        bound: dict[int, str] = {}
        for index, header in enumerate(headers):
            target = exact.get(header) or wanted.get(header_key(header))
            if target and target not in ("ignore", "custom"):
                bound[index] = target
        return bound

    def ignored(self, headers: list[str]) -> set[int]:
        wanted = {header_key(k): v for k, v in self.columns.items()}
        return {
            i
            for i, h in enumerate(headers)
            if (self.columns.get(h) or wanted.get(header_key(h))) == "ignore"
        }


class MappingError(ValueError):
    """A mapping cannot be found or is invalid; the message says which and why."""


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONEISH = re.compile(r"^\s*\+?[\d\s().\-/]{7,}(?:\s*(?:x|ext\.?)\s*\d+)?\s*$", re.I)


# Dates look phone-ish by their digits ("2023-08-15"): never guess them as numbers.
_DATEISH = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[ T][\d:.]+)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")


def guess_field(header: str) -> str | None:
    """The field a header names, or None: "Work Phone" -> "phone", "Given name" -> "first_name"."""
    key = header_key(header)
    if not key:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    for suffix in ("number", "no", "address", "name"):
        if key.endswith(suffix) and key[: -len(suffix)] in _LOOKUP:
            return _LOOKUP[key[: -len(suffix)]]
    return None


def guess_mapping(headers: list[str], preview: list[list[str]] | None = None) -> ColumnMapping:
    """A mapping guessed from header names; columns without a telling name are guessed from
    their values (e-mail addresses, phone numbers) when a preview is given.

    Each field is taken once, except phone and e-mail columns (a file may have several).
    """
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = guess_field(header)
        if target is None:
            continue
        if target in taken and target not in PHONE_FIELDS and target != "email":
            continue
        if target == "phone" and "phone" in taken:
            target = "other_phone"
        columns[header] = target
        taken.add(target)
    if "full_name" in taken and {"first_name", "last_name"} <= taken:
        columns = {h: f for h, f in columns.items() if f != "full_name"}
    # What kind of file this is: badge scans (a rating, scan time or badge id) come from a
    # trade show and their "Notes" are booth notes; attendance columns mean a webinar.
    keys = {header_key(h) for h in headers}
    source = None
    if (
        {"rating", "engaged_at"} & taken
        and keys & {"badgeid", "badge", "scandate", "scannedat"}
        or "rating" in taken
        and "booth_notes" in taken
    ):
        source = "trade_show"
    elif {"attended", "minutes_attended"} & taken:
        source = "webinar"
    if source == "trade_show" and "booth_notes" not in taken:
        columns = {h: ("booth_notes" if f == "notes" else f) for h, f in columns.items()}
    if preview:
        for index, header in enumerate(headers):
            if header in columns:
                continue
            values = [r[index].strip() for r in preview if index < len(r) and r[index].strip()]
            if len(values) < 1:
                continue
            if sum(bool(_EMAIL.match(v)) for v in values) / len(values) >= 0.6:
                columns[header] = "email"
            elif sum(
                bool(_PHONEISH.match(v))
                and not _DATEISH.fullmatch(v)
                and sum(c.isdigit() for c in v) >= 7
                for v in values
            ) / len(values) >= 0.6 and not all(
                re.fullmatch(r"\d+", v) and len(v) > 15 for v in values
            ):
                columns[header] = "phone" if "phone" not in columns.values() else "other_phone"
    return ColumnMapping(columns=columns, name="auto", source=source)


# --- presets and saved mappings ---------------------------------------------------------------


def presets_dir() -> Path:
    return paths.resource("mappings")


def list_presets() -> list[ColumnMapping]:
    """The shipped presets (webinar and event-platform reports, badge scans, CRM exports...)."""
    found = []
    for path in sorted(presets_dir().glob("*.yaml")):
        found.append(load_preset(path.stem))
    return found


def load_preset(name: str) -> ColumnMapping:
    """A shipped preset by name; raises :class:`MappingError` when there is none."""
    path = presets_dir() / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem for p in sorted(presets_dir().glob("*.yaml")))
        raise MappingError(f"no mapping preset {name!r}; presets: {known}")
    return load_mapping_file(path, default_name=name)


def load_mapping_file(path: str | Path, *, default_name: str | None = None) -> ColumnMapping:
    """A mapping from a YAML or JSON file (the format of the shipped presets)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise MappingError(f"cannot read mapping file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise MappingError(f"{path}: a mapping file holds a mapping with 'columns'")
    return ColumnMapping.from_dict(data, name=default_name or path.stem)


def save_mapping(session: Any, name: str, mapping: ColumnMapping) -> SavedMapping:
    """Save (or replace) a mapping under ``name`` in the store."""
    name = name.strip()
    if not name:
        raise MappingError("a saved mapping needs a name")
    data = mapping.to_dict()
    data["name"] = name
    row = session.scalar(select(SavedMapping).where(SavedMapping.name == name))
    if row is None:
        row = SavedMapping(name=name, mapping=data)
        session.add(row)
    else:
        row.mapping = data
    session.flush()
    return row


def saved_mappings(session: Any) -> list[ColumnMapping]:
    """Every mapping saved in the store, by name."""
    rows = session.scalars(select(SavedMapping).order_by(SavedMapping.name))
    return [ColumnMapping.from_dict(r.mapping, name=r.name) for r in rows]


def header_fit(mapping: ColumnMapping, headers: list[str], has_header: bool = True) -> float:
    """How well ``mapping`` fits a file with these columns, 0..1: 1.0 when it was saved for a
    file with the same set of column names (spelling and order aside)."""
    names = mapping.column_names(headers, has_header)
    keys = {header_key(h) for h in names if header_key(h)}
    if not keys:
        return 0.0
    if mapping.source_headers:
        saved = {header_key(h) for h in mapping.source_headers if header_key(h)}
        return len(keys & saved) / len(keys | saved)
    mapped = {header_key(h) for h in mapping.columns if header_key(h)}
    if len(mapped) < 2 or not mapped <= keys:
        return 0.0
    return len(mapped) / len(keys)


def matching_mapping(
    saved: list[ColumnMapping], headers: list[str], has_header: bool = True
) -> ColumnMapping | None:
    """The saved mapping made for a file with these columns (the same vendor's next file):
    the best fit of at least 0.8, or None."""
    best: tuple[float, ColumnMapping] | None = None
    for mapping in saved:
        fit = header_fit(mapping, headers, has_header)
        if fit >= 0.8 and (best is None or fit > best[0]):
            best = (fit, mapping)
    return best[1] if best else None


def resolve_mapping(
    spec: str | None,
    headers: list[str],
    preview: list[list[str]] | None = None,
    session: Any = None,
) -> ColumnMapping:
    """The mapping ``spec`` names: ``auto``/None (guessed), a preset, a saved mapping, or a
    YAML/JSON file path."""
    if spec is None or spec == "auto":
        return guess_mapping(headers, preview)
    if session is not None:
        row = session.scalar(select(SavedMapping).where(SavedMapping.name == spec))
        if row is not None:
            return ColumnMapping.from_dict(row.mapping, name=row.name)
    if (presets_dir() / f"{spec}.yaml").is_file():
        return load_preset(spec)
    path = Path(spec)
    if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
        return load_mapping_file(path)
    known = ", ".join(p.stem for p in sorted(presets_dir().glob("*.yaml")))
    raise MappingError(
        f"no mapping {spec!r}: not a preset ({known}), not a saved mapping and not a file"
    )
