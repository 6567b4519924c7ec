"""A session's end computed in SQL (``InterviewSession.ends_at`` as an expression:
upcoming and past lists, overdue feedback) must be the end Python computes from
the same row, to the microsecond, on both databases. SQLite's date functions round
fractions to milliseconds, which once put ends a second late when a start's
fraction was .9995 or more: the overdue queue then disagreed with the loop."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.extensions import db
from interview.models import InterviewSession, PlanSession, Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .rubric_samples import dump, rubric


@pytest.fixture
def session_id(app, make_user) -> int:
    """One scheduled session, which each example moves and lengthens."""
    manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        loop = start_loop(
            manager.id, version.rubric_id, [PlanSession(title="Case", position=0)]
        )
        db.session.commit()
        return loop.sessions[0].id


STARTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)
).map(lambda d: d.replace(tzinfo=UTC))
# Fractions just below a whole second are where rounding shows.
NEAR_SECOND = st.builds(
    lambda start, micro: start.replace(microsecond=micro),
    STARTS,
    st.integers(999_000, 999_999),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(starts_at=st.one_of(STARTS, NEAR_SECOND), minutes=st.integers(1, 480))
def test_the_end_in_sql_is_the_end_in_python(app, session_id, starts_at, minutes):
    with app.app_context():
        session = db.session.get(InterviewSession, session_id)
        session.starts_at = starts_at
        session.duration_minutes = minutes
        db.session.commit()
        in_sql = db.session.scalar(
            sa.select(InterviewSession.ends_at).where(InterviewSession.id == session_id)
        )
        assert in_sql == starts_at + timedelta(minutes=minutes)
        assert db.session.get(InterviewSession, session_id).ends_at == in_sql


def test_a_start_a_hair_before_the_second_ends_in_that_second(app, session_id):
    """The example that failed CI: 19:39:05.999905 plus an hour, found by a filter
    on the end as the upcoming and past lists filter."""
    starts_at = datetime(2026, 12, 9, 19, 39, 5, 999_905, tzinfo=UTC)
    with app.app_context():
        session = db.session.get(InterviewSession, session_id)
        session.starts_at, session.duration_minutes = starts_at, 60
        db.session.commit()
        earliest = db.session.scalar(
            sa.select(InterviewSession.ends_at).where(
                InterviewSession.ends_at < datetime(2026, 12, 9, 20, 39, 6, tzinfo=UTC)
            )
        )
        assert earliest == datetime(2026, 12, 9, 20, 39, 5, 999_905, tzinfo=UTC)
