"""The independence rule under random use: a state machine seats and removes people,
writes drafts, submits, amends, decides and reopens, toggles sharing, and after every
step checks each person's access to every page and download against a small model:

    reads the panel  <=>  sharing on, and at least one active seat, and every one of
                          their active seats has a submitted scorecard
    opens the loop   <=>  at least one active seat (interviewers)
    opens a kit      <=>  it is their own active seat

Talent acquisition and the hiring manager always read the panel.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from interview.extensions import db
from interview.loops.operations import assign_seat
from interview.models import (
    DecisionOutcome,
    Discipline,
    HiringDecision,
    Loop,
    LoopStatus,
    PanelSeat,
    PlanSession,
    Role,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .conftest import Auth
from .rubric_samples import dump, rubric
from .tabs import Tab

EVIDENCE = "Traced the failed ADT merge to the registration workflow and fixed it."
PEOPLE = {"c1": "clinical", "c2": "clinical", "t1": "technical"}
SLOTS = [(s, d) for s in range(2) for d in ("clinical", "technical")]
CHOICES = {
    slot: [None] + [name for name, d in PEOPLE.items() if d == slot[1]]
    for slot in SLOTS
}


def complete(**extra) -> dict:
    return {
        "level_workflow": "3",
        "evidence_workflow": EVIDENCE,
        "level_privacy": "2",
        "evidence_privacy": EVIDENCE,
        "recommendation": "3",
        "summary": "Solid judgement on workflow and privacy across the case.",
        **extra,
    }


class PanelMachine(RuleBasedStateMachine):
    app = None  # set by the test
    make_user = None

    def __init__(self):
        super().__init__()
        app = self.app
        self.users = {
            name: self.make_user(Role.INTERVIEWER, discipline=Discipline(d))
            for name, d in PEOPLE.items()
        }
        self.ta = self.make_user(Role.TALENT_ACQUISITION)
        self.manager = self.make_user(Role.HIRING_MANAGER)
        with app.app_context():
            version = save_rubric(None, validate(dump(rubric())).rubric).version
            plan = [
                PlanSession(title="One", competency_keys=["workflow"]),
                PlanSession(title="Two", competency_keys=["workflow", "privacy"]),
            ]
            loop = start_loop(self.manager.id, version.rubric_id, plan)
            start = datetime(2026, 3, 2, 9, tzinfo=UTC)
            for day, session in enumerate(loop.sessions):
                session.starts_at = start + timedelta(days=day)
            db.session.commit()
            self.loop_id = loop.id
            self.session_ids = [s.id for s in loop.sessions]
        self.clients = {}
        for name, user in {**self.users, "ta": self.ta, "hm": self.manager}.items():
            client = app.test_client()
            Auth(client).login(user)
            self.clients[name] = client
        # The model: who holds each slot, whether that seat's scorecard is submitted.
        self.holder = dict.fromkeys(SLOTS)
        self.submitted = dict.fromkeys(SLOTS, False)
        self.decided = False
        self.sharing = True
        self.packet_seen: dict[str, bool] = {}
        self.tabs: dict[tuple, Tab] = {}

    # --- helpers ------------------------------------------------------------------

    def _seat(self, slot) -> PanelSeat:
        session_id = self.session_ids[slot[0]]
        return db.session.scalar(
            sa.select(PanelSeat).where(
                PanelSeat.session_id == session_id,
                PanelSeat.discipline == slot[1],
                PanelSeat.removed_at.is_(None),
            )
        )

    def _seat_id(self, slot) -> int:
        with self.app.app_context():
            return self._seat(slot).id

    def _tab(self, slot) -> Tab | None:
        """A page of the slot's kit: opened now, or, on a decided loop (whose kit
        shows no form), the one opened before the decision, if any."""
        if not self.decided:
            self.tabs[slot] = Tab(self.clients[self.holder[slot]], self._seat_id(slot))
        return self.tabs.get(slot)

    def _held(self, name):
        return [slot for slot in SLOTS if self.holder[slot] == name]

    # --- rules --------------------------------------------------------------------

    @initialize(data=st.data())
    def seat_a_panel(self, data):
        """Start from a random panel (often one person in both clinical seats)."""
        for slot in SLOTS:
            name = data.draw(st.sampled_from(CHOICES[slot]), label=str(slot))
            if name is not None:
                self.seat(name, slot)

    @precondition(lambda self: not self.decided)
    @rule(data=st.data(), slot=st.sampled_from(SLOTS))
    def reseat(self, data, slot):
        self.seat(data.draw(st.sampled_from(CHOICES[slot][1:]), label="who"), slot)

    def seat(self, name, slot):
        if self.holder[slot] == name:
            return
        if any(self.holder[(slot[0], d)] == name for d in ("clinical", "technical")):
            return
        with self.app.app_context():
            assign_seat(
                None, self._seat(slot), db.session.get(User, self.users[name].id)
            )
            db.session.commit()
        self.holder[slot], self.submitted[slot] = name, False
        self.tabs.pop(slot, None)

    @precondition(lambda self: not self.decided)
    @rule(slot=st.sampled_from(SLOTS))
    def empty(self, slot):
        if self.holder[slot] is None:
            return
        with self.app.app_context():
            assign_seat(None, self._seat(slot), None)
            db.session.commit()
        self.holder[slot], self.submitted[slot] = None, False
        self.tabs.pop(slot, None)

    @rule(slot=st.sampled_from(SLOTS))
    def draft(self, slot):
        if self.holder[slot] is None:
            return
        if (tab := self._tab(slot)) is None:
            return
        response = tab.autosave(summary="A draft, half written.")
        expected = 409 if self.decided or self.submitted[slot] else 200
        assert response.status_code == expected

    @rule(slot=st.sampled_from(SLOTS))
    def submit(self, slot):
        if self.holder[slot] is None:
            return
        if (tab := self._tab(slot)) is None:
            return
        response = tab.post(tab.request(submit="y") | complete(submit="y"))
        if self.decided:  # the page it leads to has no form to send again
            self.tabs.pop(slot)
        # A page opened on a submitted scorecard offers no Submit; one sent anyway
        # (or to a frozen loop) is refused.
        if self.decided or self.submitted[slot]:
            assert response.status_code == 409
        else:
            assert response.status_code == 302
            self.submitted[slot] = True

    @rule(slot=st.sampled_from(SLOTS))
    def amend(self, slot):
        if self.holder[slot] is None or not self.submitted[slot]:
            return
        if (tab := self._tab(slot)) is None:
            return
        data = tab.request() | complete(
            amend="y", level_workflow="2", amend_reason="Re-read my notes afterwards."
        )
        response = tab.post(data)
        if self.decided:
            self.tabs.pop(slot)
        assert response.status_code == (409 if self.decided else 302)

    @precondition(lambda self: not self.decided)
    @rule()
    def decide(self):
        with self.app.app_context():
            loop = db.session.get(Loop, self.loop_id)
            db.session.add(
                HiringDecision(
                    loop=loop,
                    outcome=DecisionOutcome.HOLD,
                    rationale="Waiting for the last reference.",
                    decided_by_id=self.manager.id,
                )
            )
            loop.status = LoopStatus.DECIDED
            db.session.commit()
        self.decided = True

    @precondition(lambda self: self.decided)
    @rule()
    def reopen(self):
        response = self.clients["ta"].submit(
            f"/loops/{self.loop_id}/reopen",
            {"reason": "A scorecard needs to be amended after all."},
        )
        assert response.status_code == 302
        self.decided = False

    @rule()
    def toggle_sharing(self):
        with self.app.app_context():
            requisition = db.session.get(Loop, self.loop_id).requisition
            requisition.share_scores_after_submit = not self.sharing
            db.session.commit()
        self.sharing = not self.sharing

    # --- the check ----------------------------------------------------------------

    def _status(self, name, url) -> int:
        return self.clients[name].get(url).status_code

    @invariant()
    def access_follows_the_rule(self):
        loop = self.loop_id
        panel = f"/interviews/loops/{loop}/scorecards"
        debrief = f"/loops/{loop}/debrief"
        packet = f"/loops/{loop}/debrief.pdf"
        with self.app.app_context():
            seats = {
                slot: seat.id
                for slot in SLOTS
                if (seat := self._seat(slot)) is not None
            }
        for name in PEOPLE:
            held = self._held(name)
            reads = self.sharing and bool(held) and all(self.submitted[s] for s in held)
            want = 200 if reads else 403
            assert self._status(name, panel) == want, (name, "panel")
            assert self._status(name, debrief) == want, (name, "debrief")
            # A refused packet is cheap to ask for; a granted one is laid out once
            # each time the person's access opens.
            if not reads or not self.packet_seen.get(name):
                assert self._status(name, packet) == want, (name, "packet")
            self.packet_seen[name] = reads
            assert self._status(name, f"/loops/{loop}") == (200 if held else 403)
            for slot, seat_id in seats.items():
                own = self.holder[slot] == name
                got = self._status(name, f"/interviews/{seat_id}")
                assert got == (200 if own else 403), (name, slot)
        for name in ("ta", "hm"):
            assert self._status(name, debrief) == 200


def test_access_always_follows_the_per_seat_rule(app, make_user):
    PanelMachine.app = app
    PanelMachine.make_user = staticmethod(make_user)
    run_state_machine_as_test(
        PanelMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
