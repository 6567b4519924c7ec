"""The hiring manager's decision: audited, and it closes the loop."""

from ..auditing import record
from ..extensions import db
from ..models import DecisionOutcome, HiringDecision, Loop, LoopStatus, User
from ..notify.triggers import decision_recorded

MIN_RATIONALE = 20


class DecisionError(ValueError):
    """The decision cannot be recorded; the message is shown to the manager."""


def record_decision(
    actor: User, loop: Loop, outcome: str, rationale: str
) -> HiringDecision:
    """Record hire, no hire or hold with its rationale and move the loop to decided."""
    if loop.status != LoopStatus.DEBRIEF:
        raise DecisionError(
            f"The loop is {loop.status.value}; a decision is recorded once it is in debrief."
        )
    if len(rationale.strip()) < MIN_RATIONALE:
        raise DecisionError(
            f"Write the rationale behind the decision (at least {MIN_RATIONALE} characters)."
        )
    decision = HiringDecision(
        loop=loop,
        outcome=DecisionOutcome(outcome),
        rationale=rationale.strip(),
        decided_by_id=actor.id,
    )
    db.session.add(decision)
    loop.status = LoopStatus.DECIDED
    db.session.flush()
    record(
        actor,
        "loop.decision",
        loop,
        {"status": "debrief"},
        {"status": "decided", "outcome": outcome},
        reason=decision.rationale,
    )
    decision_recorded(decision, actor)  # issue 14: talent acquisition is told
    return decision
