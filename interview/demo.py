"""Demo data for a laptop: accounts of every role and discipline, requisitions,
candidates. Development only; ``seed-demo`` refuses to run in production."""

from datetime import timedelta

import sqlalchemy as sa

from .accounts.operations import create_user
from .extensions import db
from .models import (
    AuditEntry,
    Candidate,
    Discipline,
    Requisition,
    Role,
    Training,
    User,
)
from .timeutil import utcnow

# Realistic time zones (issue 14): pages show times in the reader's zone, so the demo
# shows what a team spread over the United States and the UK sees.
DEMO_ACCOUNTS = [
    {
        "email": "tara.ta@demo.example",
        "time_zone": "America/New_York",
        "name": "Tara Okafor",
        "role": Role.TALENT_ACQUISITION,
        "discipline": None,
        "password": "demo-talent-2026",
    },
    {
        "email": "hamid.hm@demo.example",
        "time_zone": "America/Chicago",
        "name": "Hamid Rahimi",
        "role": Role.HIRING_MANAGER,
        "discipline": None,
        "password": "demo-manager-2026",
    },
    {
        "email": "clara.rn@demo.example",
        "time_zone": "America/Chicago",
        "name": "Clara Jensen, RN",
        "role": Role.INTERVIEWER,
        "discipline": Discipline.CLINICAL,
        "password": "demo-clinical-2026",
    },
    {
        "email": "dr.mensah@demo.example",
        "time_zone": "Europe/London",
        "name": "Dr. Kwame Mensah",
        "role": Role.INTERVIEWER,
        "discipline": Discipline.CLINICAL,
        "password": "demo-clinical2-2026",
    },
    {
        "email": "ines.eng@demo.example",
        "time_zone": "America/Denver",
        "name": "Inés Delgado",
        "role": Role.INTERVIEWER,
        "discipline": Discipline.TECHNICAL,
        "password": "demo-technical-2026",
    },
    {
        "email": "wei.eng@demo.example",
        "time_zone": "America/Los_Angeles",
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


SEEDED = "demo.seed"


def seed_demo() -> int:
    """Add the demo once; return how many records were created (0 on a re-run).

    A re-run changes nothing: the first seed is recorded in the audit log, and after
    it nothing is added, so a demo requisition someone renamed or an account whose
    email changed is not made again. Within the first seed every step only touches
    records made in that run (a requisition someone created before gets no plan, a
    rubric already here is not imported over, an existing account keeps its
    training), so seeding an instance that already holds data adds only the demo.
    """
    if db.session.scalar(sa.select(AuditEntry.id).where(AuditEntry.action == SEEDED)):
        return 0
    created = _seed()
    db.session.add(
        AuditEntry(action=SEEDED, object_type="demo", after={"created": created})
    )
    db.session.commit()
    return created


def _seed() -> int:
    users, new_users = {}, []
    for spec in DEMO_ACCOUNTS:
        users[spec["email"]], new = _get_or_create_user(spec)
        if new:
            new_users.append(users[spec["email"]])
    manager = users["hamid.hm@demo.example"]
    new_requisitions = []
    for title, discipline in DEMO_REQUISITIONS:
        if db.session.scalar(
            sa.select(Requisition.id).where(Requisition.title == title)
        ):
            continue
        requisition = Requisition(
            title=title, discipline=discipline, hiring_manager=manager
        )
        db.session.add(requisition)
        new_requisitions.append(requisition)
    new_candidates = []
    for name, email, source in DEMO_CANDIDATES:
        if db.session.scalar(sa.select(Candidate.id).where(Candidate.email == email)):
            continue
        candidate = Candidate(name=name, email=email, source=source)
        db.session.add(candidate)
        new_candidates.append(candidate)
    db.session.flush()
    created = len(new_users) + len(new_requisitions) + len(new_candidates)
    created += _import_library()
    created += _train_pool(new_users)
    created += _plan_requisitions(new_requisitions)
    created += _demo_loops(
        users["tara.ta@demo.example"], new_requisitions, new_candidates
    )
    return created


def _train_pool(new_users: list[User]) -> int:
    """Train the demo interviewers made in this run on every shipped competency."""
    from .rubrics.operations import all_latest_competencies

    keys = [key for key, _ in all_latest_competencies()]
    added = 0
    for user in new_users:
        if user.role == Role.INTERVIEWER:
            user.trainings = [Training(competency_key=k) for k in keys]
            added += 1
    db.session.flush()
    return added


def _plan_requisitions(new_requisitions: list[Requisition]) -> int:
    """Give each demo requisition made in this run its rubric and interview plan."""
    from .loops.operations import save_plan
    from .rubrics.operations import find_rubric

    for requisition in new_requisitions:
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
    return len(new_requisitions)


def _demo_loops(
    ta: User, new_requisitions: list[Requisition], new_candidates: list[Candidate]
) -> int:
    """Loops in several states between demo records made in this run; panels seated
    by the proposal engine itself; the loop in debrief gets its scorecards."""
    from .demo_scorecards import seed_scorecards
    from .loops.operations import create_loop
    from .loops.proposals import apply_proposal, propose_for
    from .models import Loop, LoopStatus

    requisitions = {r.title: r for r in new_requisitions}
    candidates = {c.email: c for c in new_candidates}
    made = 0
    for email, title, status, days in DEMO_LOOPS:
        candidate, requisition = candidates.get(email), requisitions.get(title)
        if candidate is None or requisition is None:
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
            # The panel was seated a week before the first interview.
            for session in loop.sessions:
                for seat in session.seats:
                    if seat.assigned_at is not None:
                        seat.assigned_at = min(seat.assigned_at, start - timedelta(7))
        loop.status = LoopStatus(status)
        if loop.status == LoopStatus.DEBRIEF:
            made += seed_scorecards(loop)
        made += 1
    db.session.flush()
    return made


def _import_library() -> int:
    """Load the shipped rubrics that are not here yet; a rubric already here, edited
    or not, is left as it is (`rubric import --library` updates on purpose)."""
    from .rubrics.operations import find_rubric, library_files, save_rubric
    from .rubrics.schema import raise_for, validate

    specs = [raise_for(validate(path.read_bytes())) for path in library_files()]
    return sum(
        save_rubric(None, spec).created
        for spec in specs
        if find_rubric(spec.key) is None
    )
