"""Who is in the demo community: seventy people, and the profiles of taking part.

Participation follows the heavy-tailed pattern of real communities of practice: a few
people carry much of the activity (core), some take part regularly (active), more now and
then (occasional), and many mostly read or come to a gathering once in a while
(peripheral); newcomers arrive, some drift out, a few leave."""

from dataclasses import dataclass
from enum import StrEnum


class Profile(StrEnum):
    core = "core"
    active = "active"
    occasional = "occasional"
    peripheral = "peripheral"
    newcomer = "newcomer"  # joined in the last two months
    drifting = "drifting"  # active in the first half of the year, quiet since
    left = "left"  # took part, then left the domain
    requested = "requested"  # asked to join; waiting for a convenor
    invited = "invited"  # invited; has not answered yet


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    bio: str
    expertise: tuple[str, ...]
    timezone: str
    admin: bool = False
    shares_participation: bool = True

    @property
    def email(self) -> str:
        return f"{self.key}@demo.cop"


def _p(key: str, name: str, bio: str, expertise: str, tz: str, **extra: bool) -> Person:
    return Person(key, name, bio, tuple(e for e in expertise.split(", ") if e), tz, **extra)


PEOPLE: tuple[Person, ...] = (
    _p("admin", "Platform Admin", "Runs this cop-api instance.", "", "UTC", admin=True),
    # The people the README names.
    _p(
        "amara",
        "Amara Okafor",
        "Hospice nurse consultant; convenes the palliative care nurses.",
        "palliative care, facilitation",
        "Europe/London",
    ),
    _p(
        "lars",
        "Lars Jensen",
        "Clinical nurse specialist who keeps the shared library in order.",
        "knowledge management, care plans",
        "Europe/Copenhagen",
    ),
    _p(
        "priya",
        "Priya Raman",
        "Pain management nurse; co-convenes the nurses, convenes the pain circle.",
        "pain management, pharmacology",
        "Asia/Kolkata",
    ),
    _p(
        "tomas",
        "Tomás Silva",
        "Home care nurse who also publishes his trust's audit data.",
        "family conversations, audit",
        "Europe/Lisbon",
    ),
    _p(
        "mei",
        "Mei Chen",
        "Hospice-at-home nurse; at home in both the pain circle and wound care.",
        "hospice at home, pain management, wound care",
        "Asia/Singapore",
    ),
    _p(
        "ines",
        "Inès Dubois",
        "Data steward at a regional health authority; convenes open data practitioners.",
        "open data, statistics",
        "Europe/Paris",
    ),
    # Palliative care nurses.
    _p(
        "grace",
        "Grace O'Neill",
        "Charge nurse on a hospice inpatient unit.",
        "symptom control, mentoring",
        "Europe/Dublin",
    ),
    _p(
        "joseph",
        "Joseph Mwangi",
        "Community palliative care nurse specialist.",
        "care plans, family conversations",
        "Africa/Nairobi",
    ),
    _p(
        "sofia",
        "Sofia Rossi",
        "Oncology nurse moving into palliative care.",
        "oncology",
        "Europe/Rome",
    ),
    _p(
        "hannah",
        "Hannah Becker",
        "Tissue viability nurse in a hospice.",
        "wound care, pressure ulcers",
        "Europe/Berlin",
    ),
    _p(
        "rosa",
        "Rosa Delgado",
        "Night nurse, syringe drivers and breakthrough pain.",
        "pain management, syringe drivers",
        "Europe/Madrid",
    ),
    _p(
        "daniel",
        "Daniel Kim",
        "Palliative care nurse in a large teaching hospital.",
        "pain management, opioids",
        "Asia/Seoul",
    ),
    _p(
        "fatima",
        "Fatima Al-Sayed",
        "Paediatric palliative care nurse.",
        "children, pain management",
        "Asia/Dubai",
    ),
    _p(
        "olu",
        "Oluwaseun Adeyemi",
        "District nurse; wounds and dressings at home.",
        "wound care, district nursing",
        "Africa/Lagos",
    ),
    _p(
        "niamh",
        "Niamh Byrne",
        "Nurse educator for end-of-life care.",
        "education, audit",
        "Europe/Dublin",
    ),
    _p("ayesha", "Ayesha Khan", "Hospice day-therapy nurse.", "self-care, groups", "Asia/Karachi"),
    _p(
        "sven",
        "Sven Lindqvist",
        "Anaesthetic nurse turned palliative care nurse.",
        "pain management, nerve blocks",
        "Europe/Stockholm",
    ),
    _p(
        "aiko",
        "Aiko Tanaka",
        "Palliative care nurse in a care home.",
        "dementia, pain",
        "Asia/Tokyo",
    ),
    _p(
        "beatriz",
        "Beatriz Costa",
        "Stoma and wound nurse.",
        "wound care, fistulas",
        "America/Sao_Paulo",
    ),
    _p(
        "kwame",
        "Kwame Asante",
        "Lead nurse for wound care in a hospice network; convenes wound care.",
        "wound care, malodorous wounds",
        "Africa/Accra",
    ),
    _p(
        "chloe",
        "Chloé Martin",
        "Ward nurse with a wound care link role.",
        "wound care",
        "Europe/Paris",
    ),
    _p(
        "ravi",
        "Ravi Patel",
        "Nurse and part-time data analyst.",
        "audit, statistics",
        "Asia/Kolkata",
    ),
    _p(
        "elena",
        "Elena Petrova",
        "Research nurse in palliative care.",
        "research, audit",
        "Europe/Sofia",
    ),
    _p(
        "marcus",
        "Marcus Johnson",
        "Hospice nurse, evenings and weekends.",
        "wound care",
        "America/Chicago",
    ),
    _p(
        "leila",
        "Leila Haddad",
        "Nurse in a palliative care outreach team.",
        "wound care",
        "Asia/Beirut",
    ),
    _p(
        "patrick",
        "Patrick Murphy",
        "Nurse on a respiratory ward.",
        "breathlessness",
        "Europe/London",
    ),
    _p("yusuf", "Yusuf Demir", "Home care nurse.", "wound care, home care", "Europe/Istanbul"),
    _p(
        "ingrid", "Ingrid Halvorsen", "Nurse in a rural health centre.", "wound care", "Europe/Oslo"
    ),
    _p("anna", "Anna Kowalska", "Hospice staff nurse.", "", "Europe/Warsaw"),
    _p("ben", "Ben Carter", "Nurse informatician.", "records, open data", "Europe/London"),
    _p(
        "clara",
        "Clara Schmidt",
        "Care home nurse.",
        "",
        "Europe/Berlin",
        shares_participation=False,
    ),
    _p("david", "David Levi", "Hospital nurse.", "", "Asia/Jerusalem"),
    _p("emma", "Emma Wilson", "Nursing student on a hospice placement.", "", "Europe/London"),
    _p("felix", "Felix Wagner", "Nurse in an emergency department.", "", "Europe/Vienna"),
    _p("gabriela", "Gabriela Silva", "Home care nurse.", "", "America/Sao_Paulo"),
    _p("hiro", "Hiroshi Sato", "Hospital palliative care team nurse.", "", "Asia/Tokyo"),
    _p("isabel", "Isabel Fernández", "Community nurse.", "", "Europe/Madrid"),
    _p("jonas", "Jonas Berg", "Nurse in a care home.", "wound care", "Europe/Stockholm"),
    _p("kate", "Kate Sullivan", "Practice nurse.", "", "America/New_York"),
    _p("liam", "Liam O'Connor", "Hospice staff nurse.", "", "Europe/Dublin"),
    _p("lucia", "Lucía Ortega", "Home care nurse.", "", "Europe/Madrid"),
    _p("mateo", "Mateo Rossi", "Hospital nurse.", "", "Europe/Rome"),
    _p("nadia", "Nadia Petrenko", "Nurse in a cancer centre.", "", "Europe/Kyiv"),
    _p("omar", "Omar Said", "Community nurse.", "", "Africa/Cairo"),
    _p("paula", "Paula Jones", "Care home nurse.", "", "Europe/London"),
    _p("maya", "Maya Goldberg", "Newly qualified nurse on a hospice ward.", "", "Europe/London"),
    _p("noor", "Noor Rahman", "Nurse starting in a palliative care team.", "", "Asia/Dhaka"),
    _p(
        "oscar",
        "Oscar Nilsson",
        "Nurse moving from surgery to palliative care.",
        "",
        "Europe/Stockholm",
    ),
    _p("pia", "Pia Keller", "Home care nurse.", "wound care", "Europe/Zurich"),
    _p(
        "tariq", "Tariq Hussain", "Hospice nurse, now studying for a master's.", "", "Europe/London"
    ),
    _p("ursula", "Ursula Meier", "Palliative care nurse.", "family conversations", "Europe/Zurich"),
    _p("victor", "Victor Moreau", "Hospice nurse (moved to management).", "", "Europe/Paris"),
    _p("wendy", "Wendy Ng", "Palliative care nurse (moved abroad).", "", "Asia/Hong_Kong"),
    _p("zara", "Zara Ahmed", "Student nurse interested in palliative care.", "", "Europe/London"),
    # Open data practitioners.
    _p("quinn", "Quinn Harper", "Civic technologist.", "apis, open data", "America/Toronto"),
    _p(
        "ruth",
        "Ruth Abebe",
        "Statistician at a national statistics office.",
        "statistics",
        "Africa/Addis_Ababa",
    ),
    _p(
        "samir",
        "Samir Nasser",
        "Data engineer at a city council.",
        "pipelines, csv",
        "Europe/London",
    ),
    _p("thea", "Thea Lund", "Research data librarian.", "metadata, licensing", "Europe/Copenhagen"),
    _p(
        "umar",
        "Umar Farouk",
        "Journalist who works with public data.",
        "data journalism",
        "Africa/Lagos",
    ),
    _p("vera", "Vera Novak", "Open data lead in a ministry.", "policy, licensing", "Europe/Prague"),
    _p("will", "Will Thompson", "GIS analyst.", "geospatial", "Australia/Sydney"),
    _p("xenia", "Xenia Popescu", "Privacy officer.", "anonymisation, privacy", "Europe/Bucharest"),
    _p("yann", "Yann Le Goff", "Developer of a transport data portal.", "apis", "Europe/Paris"),
    _p("zoe", "Zoë Brennan", "Open government campaigner.", "policy", "Europe/Dublin"),
    _p("arjun", "Arjun Mehta", "Health economist.", "statistics, health data", "Asia/Kolkata"),
    _p("bianca", "Bianca Ferrari", "Data quality analyst.", "data quality", "Europe/Rome"),
    _p(
        "carlos",
        "Carlos Mendoza",
        "Procurement data analyst.",
        "open contracting",
        "America/Mexico_City",
    ),
    _p(
        "dmitri",
        "Dmitri Volkov",
        "Software engineer, open source maintainer.",
        "apis, csv",
        "Europe/Berlin",
    ),
    _p(
        "eva",
        "Eva Horvath",
        "University lecturer in information science.",
        "metadata",
        "Europe/Budapest",
    ),
)

BY_KEY = {p.key: p for p in PEOPLE}
