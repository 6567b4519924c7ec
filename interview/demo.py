"""Demo data for a laptop: accounts of every role and discipline, requisitions,
candidates. Development only; ``seed-demo`` refuses to run in production."""

import sqlalchemy as sa

from .accounts.operations import create_user
from .extensions import db
from .models import Candidate, Discipline, Requisition, Role, User

DEMO_ACCOUNTS = [
    {
        "email": "tara.ta@demo.example",
        "name": "Tara Okafor",
        "role": Role.TALENT_ACQUISITION,
        "discipline": None,
        "password": "demo-talent-2026",
    },
    {
        "email": "hamid.hm@demo.example",
        "name": "Hamid Rahimi",
        "role": Role.HIRING_MANAGER,
        "discipline": None,
        "password": "demo-manager-2026",
    },
    {
        "email": "clara.rn@demo.example",
        "name": "Clara Jensen, RN",
        "role": Role.INTERVIEWER,
        "discipline": Discipline.CLINICAL,
        "password": "demo-clinical-2026",
    },
    {
        "email": "dr.mensah@demo.example",
        "name": "Dr. Kwame Mensah",
        "role": Role.INTERVIEWER,
        "discipline": Discipline.CLINICAL,
        "password": "demo-clinical2-2026",
    },
    {
        "email": "ines.eng@demo.example",
        "name": "Inés Delgado",
        "role": Role.INTERVIEWER,
        "discipline": Discipline.TECHNICAL,
        "password": "demo-technical-2026",
    },
    {
        "email": "wei.eng@demo.example",
        "name": "Wei Zhang",
        "role": Role.INTERVIEWER,
        "discipline": Discipline.TECHNICAL,
        "password": "demo-technical2-2026",
    },
]
for _account in DEMO_ACCOUNTS:
    _label = _account["role"].label
    if _account["discipline"]:
        _label += f" ({_account['discipline'].value})"
    _account["role_label"] = _label

DEMO_REQUISITIONS = [
    ("Senior Software Engineer, Clinical Decision Support", Discipline.TECHNICAL),
    ("Clinical Informatics Analyst (Epic Inpatient)", Discipline.CLINICAL),
    ("Integration Engineer, HL7 v2 and FHIR", Discipline.TECHNICAL),
]

DEMO_CANDIDATES = [
    ("Amara Nwosu", "amara.nwosu@candidate.example", "Referral"),
    ("Lukas Becker", "lukas.becker@candidate.example", "LinkedIn"),
    ("Priya Raman", "priya.raman@candidate.example", "Careers page"),
    ("Sofía Herrera", "sofia.herrera@candidate.example", "HIMSS job board"),
]


def _get_or_create_user(spec: dict) -> tuple[User, bool]:
    user = db.session.scalar(sa.select(User).where(User.email == spec["email"]))
    if user is not None:
        return user, False
    return create_user(None, spec), True


def seed_demo() -> int:
    """Create whatever demo records are missing; return how many were created."""
    created = 0
    users = {}
    for spec in DEMO_ACCOUNTS:
        users[spec["email"]], new = _get_or_create_user(spec)
        created += new
    manager = users["hamid.hm@demo.example"]
    for title, discipline in DEMO_REQUISITIONS:
        if db.session.scalar(
            sa.select(Requisition.id).where(Requisition.title == title)
        ):
            continue
        db.session.add(
            Requisition(title=title, discipline=discipline, hiring_manager=manager)
        )
        created += 1
    for name, email, source in DEMO_CANDIDATES:
        if db.session.scalar(sa.select(Candidate.id).where(Candidate.email == email)):
            continue
        db.session.add(Candidate(name=name, email=email, source=source))
        created += 1
    created += _import_library()
    db.session.commit()
    return created


def _import_library() -> int:
    """Load the shipped rubrics; unchanged ones add nothing."""
    from .rubrics.operations import library_files, save_rubric
    from .rubrics.schema import raise_for, validate

    specs = [raise_for(validate(path.read_bytes())) for path in library_files()]
    return sum(save_rubric(None, spec).created for spec in specs)
