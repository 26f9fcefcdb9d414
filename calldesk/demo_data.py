"""Realistic demo files: the raw material a marketing manager would bring to calldesk.

A purchased list of event planners across North America, a trade show's badge scans, a
webinar's attendee report and a dormant-clients extract. Numbers use the 555-0100..0199 range,
which is reserved for fiction in the North American plan, so the demo never rings a real phone.
The files are written in the shapes real tools export (different headers, phone formats and
encodings) and imported through the same importer a real list goes through.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

FIRST = [
    "Maria",
    "James",
    "Priya",
    "Ahmed",
    "Olivia",
    "Noah",
    "Chloe",
    "Liam",
    "Sofia",
    "Ethan",
    "Hannah",
    "Lucas",
    "Grace",
    "Mateo",
    "Emma",
    "Daniel",
    "Ava",
    "Samuel",
    "Mia",
    "Benjamin",
    "Zoe",
    "Isaac",
    "Leah",
    "Owen",
    "Nora",
    "Caleb",
    "Ruby",
    "Elias",
    "Alice",
    "Julian",
    "Camille",
    "Marc",
    "Sophie",
    "Louis",
    "Aiden",
    "Jasmine",
    "Marcus",
    "Tessa",
    "Victor",
    "Yara",
    "Hugo",
    "Ines",
    "Robert",
    "Bob",
]
LAST = [
    "Lopez",
    "Chen",
    "Patel",
    "Okafor",
    "Nguyen",
    "Schmidt",
    "Tremblay",
    "Gagnon",
    "Roy",
    "Cohen",
    "Rossi",
    "Murphy",
    "Kim",
    "Silva",
    "Johnson",
    "Williams",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Martin",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
]
TITLES = (
    "Event Planner",
    "Senior Event Manager",
    "Meeting & Events Coordinator",
    "Director of Events",
    "Conference Producer",
    "VP Marketing",
    "Travel & Meetings Manager",
    "Office Manager",
    "Head of Corporate Events",
)
COMPANY_WORDS = [
    "Summit",
    "Lakeside",
    "Harbor",
    "Maple",
    "Northstar",
    "Cascade",
    "Pioneer",
    "Keystone",
    "Riverbend",
    "Granite",
    "Aurora",
    "Evergreen",
    "Prairie",
    "Coastal",
    "Bluewater",
    "Redwood",
    "Silverline",
    "Horizon",
    "Meridian",
    "Beacon",
]
COMPANY_KINDS = (
    "Events",
    "Meetings & Incentives",
    "Conferences",
    "Event Group",
    "Hospitality",
    "Expo Services",
    "Destination Management",
)

# (city, state/province, country, area codes) across North America's time zones.
PLACES = (
    ("New York", "NY", "US", ("212", "646", "917")),
    ("Boston", "MA", "US", ("617", "857")),
    ("Miami", "FL", "US", ("305", "786")),
    ("Orlando", "FL", "US", ("407",)),
    ("Atlanta", "GA", "US", ("404", "678")),
    ("Baltimore", "MD", "US", ("410", "443")),
    ("Philadelphia", "PA", "US", ("215", "267")),
    ("Chicago", "IL", "US", ("312", "773")),
    ("Dallas", "TX", "US", ("214", "469")),
    ("Houston", "TX", "US", ("713", "832")),
    ("Oklahoma City", "OK", "US", ("405",)),
    ("New Orleans", "LA", "US", ("504",)),
    ("Minneapolis", "MN", "US", ("612",)),
    ("Denver", "CO", "US", ("303", "720")),
    ("Phoenix", "AZ", "US", ("602", "480")),
    ("Salt Lake City", "UT", "US", ("801",)),
    ("Las Vegas", "NV", "US", ("702",)),
    ("Los Angeles", "CA", "US", ("213", "310")),
    ("San Francisco", "CA", "US", ("415",)),
    ("Seattle", "WA", "US", ("206",)),
    ("Portland", "OR", "US", ("503",)),
    ("Toronto", "ON", "CA", ("416", "647")),
    ("Montreal", "QC", "CA", ("514",)),
    ("Vancouver", "BC", "CA", ("604",)),
    ("Calgary", "AB", "CA", ("403",)),
    ("Halifax", "NS", "CA", ("902",)),
)

PHONE_SHAPES = (
    "({a}) {x}-{l}",
    "{a}-{x}-{l}",
    "{a}.{x}.{l}",
    "+1 {a} {x} {l}",
    "1-{a}-{x}-{l}",
    "{a}{x}{l}",
    "({a}) {x}-{l} ext. {e}",
    "+1 ({a}) {x}-{l} x{e}",
)
BOOTH_NOTES = (
    "Planning a 400-person sales kickoff in March; wants venue options.",
    "Came for the giveaway, no project.",
    "Asked about group rates for their user conference.",
    "Not the decision maker; said to talk to their Director of Events.",
    "Evaluating three vendors, decision by end of quarter.",
    "Very interested in the hybrid-event package, asked for a demo.",
    "Picked up a brochure, in a hurry.",
    "Current vendor contract ends in June.",
)


@dataclass
class DemoFiles:
    purchased: Path
    badge_scans: Path
    webinar: Path
    dormant: Path


@dataclass
class _Person:
    first: str
    last: str
    title: str
    company: str
    city: str
    state: str
    country: str
    phone: str
    mobile: str
    email: str


class _People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_numbers: set[str] = set()
        self.companies = [
            f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}" for _ in range(160)
        ]

    def number(self, area: str) -> tuple[str, str, str]:
        while True:
            line = f"01{self.rng.randint(0, 99):02d}"
            if (area, line) not in self.used_numbers:
                self.used_numbers.add((area, line))  # type: ignore[arg-type]
                return area, "555", line

    def formatted(self, area: str, *, with_ext: bool = True) -> str:
        a, x, line = self.number(area)
        shapes = PHONE_SHAPES if with_ext else PHONE_SHAPES[:6]
        return self.rng.choice(shapes).format(a=a, x=x, l=line, e=self.rng.randint(10, 999))

    def person(self) -> _Person:
        rng = self.rng
        city, state, country, areas = rng.choice(PLACES)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(self.companies)
        domain = company.lower().split()[0] + "-" + company.lower().split()[-1] + ".example"
        return _Person(
            first=first,
            last=last,
            title=rng.choice(TITLES),
            company=company,
            city=city,
            state=state,
            country=country,
            phone=self.formatted(rng.choice(areas)),
            mobile=self.formatted(rng.choice(areas), with_ext=False) if rng.random() < 0.4 else "",
            email=f"{first[0].lower()}.{last.lower()}@{domain.replace('&', '')}",
        )


def write_demo_files(folder: Path, seed: int = 7, *, purchased_rows: int = 600) -> DemoFiles:
    """Write the four demo files into ``folder`` and return their paths."""
    rng = random.Random(seed)
    people = _People(rng)
    folder.mkdir(parents=True, exist_ok=True)

    # A purchased list, as a data vendor ships it (CRLF, "Work Phone", state codes).
    purchased = folder / "vendor-event-planners-north-america.csv"
    crowd = [people.person() for _ in range(purchased_rows)]
    with open(purchased, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "First Name",
                "Last Name",
                "Job Title",
                "Company",
                "Work Phone",
                "Mobile",
                "Email",
                "City",
                "State/Province",
                "Country",
            ]
        )
        for p in crowd:
            writer.writerow(
                [
                    p.first,
                    p.last,
                    p.title,
                    p.company,
                    p.phone,
                    p.mobile,
                    p.email,
                    p.city,
                    p.state,
                    "USA" if p.country == "US" else "Canada",
                ]
            )
        # What real vendor lists contain: a bad number and a row with no phone at all.
        writer.writerow(
            [
                "Pat",
                "Unknown",
                "Planner",
                "Nowhere Events",
                "555-CALL",
                "",
                "pat@nowhere.example",
                "Springfield",
                "",
                "USA",
            ]
        )

    # Badge scans from the trade show's lead-retrieval app; some of them are on the list too.
    badge_scans = folder / "expo-badge-scans.csv"
    visitors = rng.sample(crowd, 25) + [people.person() for _ in range(35)]
    with open(badge_scans, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Badge ID",
                "First Name",
                "Last Name",
                "Title",
                "Company",
                "Phone",
                "Email",
                "City",
                "State",
                "Country",
                "Lead Rating",
                "Notes",
                "Scan Time",
            ]
        )
        for n, p in enumerate(visitors):
            rating = rng.choices(("Hot", "Warm", "Cold"), weights=(3, 4, 3))[0]
            writer.writerow(
                [
                    f"B{10400 + n}",
                    p.first,
                    p.last,
                    p.title,
                    p.company,
                    p.phone,
                    p.email,
                    p.city,
                    p.state,
                    p.country,
                    rating,
                    rng.choice(BOOTH_NOTES),
                    f"2026-11-1{rng.randint(7, 9)} {rng.randint(9, 17):02d}:{rng.randint(0, 59):02d}",
                ]
            )

    # The webinar platform's attendee report: attended yes/no, minutes, questions.
    webinar = folder / "webinar-attendee-report.csv"
    audience = rng.sample(crowd, 20) + [people.person() for _ in range(60)]
    with open(webinar, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Attended",
                "First Name",
                "Last Name",
                "Email",
                "Organization",
                "Job Title",
                "Phone",
                "City",
                "State/Province",
                "Country/Region",
                "Time in Session (minutes)",
                "Questions Asked",
            ]
        )
        for p in audience:
            attended = rng.random() < 0.6
            writer.writerow(
                [
                    "Yes" if attended else "No",
                    p.first,
                    p.last,
                    p.email,
                    p.company,
                    p.title,
                    p.phone,
                    p.city,
                    p.state,
                    "United States" if p.country == "US" else "Canada",
                    rng.randint(5, 58) if attended else "",
                    rng.choice(
                        (
                            "",
                            "",
                            "How do hybrid registrations work?",
                            "Can you integrate with our CRM?",
                        )
                    )
                    if attended
                    else "",
                ]
            )

    # Dormant clients from the CRM (Windows-1252, as old CRMs export).
    dormant = folder / "dormant-clients-2023.csv"
    with open(dormant, "w", newline="", encoding="cp1252") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            [
                "Account Name",
                "Contact First Name",
                "Contact Last Name",
                "Title",
                "Phone",
                "Email",
                "Mailing City",
                "Mailing State",
                "Mailing Country",
                "Last Order",
                "Notes",
            ]
        )
        for _ in range(40):
            p = people.person()
            writer.writerow(
                [
                    p.company,
                    p.first,
                    p.last,
                    p.title,
                    p.phone,
                    p.email,
                    p.city,
                    p.state,
                    p.country,
                    f"2023-{rng.randint(1, 12):02d}-15",
                    rng.choice(
                        (
                            "Bought the spring package twice.",
                            "Moved to a competitor – price.",
                            "Café partner.",
                        )
                    ),
                ]
            )
    return DemoFiles(purchased, badge_scans, webinar, dormant)
