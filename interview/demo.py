"""Demo data for a laptop: accounts of every role and discipline, requisitions,
candidates. Development only; ``seed-demo`` refuses to run in production."""

from datetime import timedelta

import sqlalchemy as sa

from .accounts.operations import create_user
from .extensions import db
from .models import Candidate, Discipline, Requisition, Role, Training, User
from .timeutil import utcnow

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
RUBRIC_OF = {
    Discipline.TECHNICAL: "technical-roles",
    Discipline.CLINICAL: "clinical-informatics",
}
PLANS = {
    "technical-roles": [
        (
            "Clinical collaboration",
            60,
            ["translating_technical_ideas", "clinical_workflow_understanding"],
        ),
        ("Interoperability design", 60, ["interoperability_design"]),
        (
            "Safety and privacy",
            45,
            [
                "patient_safety_engineering",
                "regulatory_privacy_judgement",
                "secure_phi_engineering",
            ],
        ),
    ],
    "clinical-informatics": [
        (
            "Build and workflow",
            60,
            ["ehr_build_configuration", "clinical_workflow_understanding"],
        ),
        (
            "Data quality case",
            60,
            ["clinical_data_quality", "translating_technical_ideas"],
        ),
        (
            "Change and privacy",
            45,
            ["adaptability_learning_agility", "regulatory_privacy_judgement"],
        ),
    ],
}
# (candidate email, requisition title, status, days from now of the first session)
DEMO_LOOPS = [
    ("amara.nwosu@candidate.example", DEMO_REQUISITIONS[0][0], "interviewing", 5),
    ("lukas.becker@candidate.example", DEMO_REQUISITIONS[0][0], "planned", None),
    ("priya.raman@candidate.example", DEMO_REQUISITIONS[1][0], "debrief", -3),
    ("sofia.herrera@candidate.example", DEMO_REQUISITIONS[2][0], "withdrawn", None),
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
    created += _train_pool(users)
    created += _plan_requisitions()
    created += _demo_loops(users["tara.ta@demo.example"])
    from .demo_scorecards import seed_scorecards

    created += seed_scorecards()
    db.session.commit()
    return created


def _train_pool(users: dict) -> int:
    """Train the demo interviewers on every shipped competency, once."""
    from .rubrics.operations import all_latest_competencies

    keys = [key for key, _ in all_latest_competencies()]
    added = 0
    for user in users.values():
        if user.role == Role.INTERVIEWER and not user.trainings:
            user.trainings = [Training(competency_key=k) for k in keys]
            added += 1
    db.session.flush()
    return added


def _plan_requisitions() -> int:
    """Give each demo requisition its rubric and interview plan, once."""
    from .loops.operations import save_plan
    from .rubrics.operations import find_rubric

    planned = 0
    for requisition in db.session.scalars(sa.select(Requisition)):
        if requisition.plan:
            continue
        rubric = find_rubric(RUBRIC_OF[requisition.discipline])
        requisition.default_rubric_id = rubric.id
        sessions = [
            {
                "title": t,
                "duration_minutes": m,
                "competency_keys": keys,
                "clinical_seats": 1,
                "technical_seats": 1,
            }
            for t, m, keys in PLANS[rubric.key]
        ]
        save_plan(None, requisition, sessions)
        planned += 1
    return planned


def _demo_loops(ta: User) -> int:
    """Loops in several states; panels seated by the proposal engine itself."""
    from .loops.operations import create_loop
    from .loops.proposals import apply_proposal, propose_for
    from .models import Loop, LoopStatus

    made = 0
    for email, title, status, days in DEMO_LOOPS:
        candidate = db.session.scalar(
            sa.select(Candidate).where(Candidate.email == email)
        )
        requisition = db.session.scalar(
            sa.select(Requisition).where(Requisition.title == title)
        )
        if any(loop.requisition_id == requisition.id for loop in candidate.loops):
            continue
        loop: Loop = create_loop(ta, requisition, candidate)
        if days is not None:
            start = (utcnow() + timedelta(days=days)).replace(
                hour=14, minute=0, second=0, microsecond=0
            )
            for i, session in enumerate(loop.sessions):
                session.starts_at = start + timedelta(hours=i * 2)
                session.time_zone = "America/Chicago" if i % 2 else "Europe/London"
                session.video_url = "https://video.example.org/interview"
            db.session.flush()
            apply_proposal(ta, loop, propose_for(loop))
        loop.status = LoopStatus(status)
        made += 1
    db.session.flush()
    return made


def _import_library() -> int:
    """Load the shipped rubrics; unchanged ones add nothing."""
    from .rubrics.operations import library_files, save_rubric
    from .rubrics.schema import raise_for, validate

    specs = [raise_for(validate(path.read_bytes())) for path in library_files()]
    return sum(save_rubric(None, spec).created for spec in specs)
