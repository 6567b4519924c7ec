"""Whatever happens to a person and their tokens, in any order, a token opens the API
exactly when it is unrevoked, unexpired, its owner active, its role still theirs and
their credentials unchanged since it was made; and then only for its scopes."""

from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from interview.accounts.operations import set_active, update_user
from interview.api import scopes as sc
from interview.api import tokens
from interview.auth.operations import set_password
from interview.extensions import db
from interview.models import ApiToken, Role, User
from interview.timeutil import utcnow

from .api_client import ApiClient

TA_SCOPES = [s.name for s in sc.offered(Role.TALENT_ACQUISITION)]


class TokenMachine(RuleBasedStateMachine):
    """One person of talent acquisition, their tokens, and an administrator who
    deactivates, reactivates, changes their role and resets their password."""

    app = None
    make_user = None

    @initialize()
    def people(self):
        self.admin = self.make_user(Role.TALENT_ACQUISITION)
        self.person = self.make_user(Role.TALENT_ACQUISITION)
        self.tokens: list[dict] = []  # secret, id, scopes, works (the model)
        self.active, self.role = True, Role.TALENT_ACQUISITION

    def _users(self):
        return db.session.get(User, self.admin.id), db.session.get(User, self.person.id)

    def _revoke_all_in_model(self):
        for token in self.tokens:
            token["works"] = False

    @rule(
        chosen=st.sets(st.sampled_from(TA_SCOPES), min_size=1),
        days=st.sampled_from(tokens.LIFETIMES),
    )
    def make(self, chosen, days):
        with self.app.app_context():
            _, person = self._users()
            if self.role != Role.TALENT_ACQUISITION:
                chosen = {
                    s for s in chosen if s in {x.name for x in sc.offered(self.role)}
                }
                if not chosen:
                    return
            if not self.active:
                return  # a deactivated person cannot sign in to make one
            made = tokens.create_token(person, "machine", chosen, days)
            db.session.commit()
            self.tokens.append(
                {
                    "secret": made.secret,
                    "id": made.token.id,
                    "scopes": chosen,
                    "works": True,
                }
            )

    @rule(which=st.integers(0, 20))
    def revoke(self, which):
        if not self.tokens:
            return
        token = self.tokens[which % len(self.tokens)]
        with self.app.app_context():
            _, person = self._users()
            tokens.revoke_token(person, db.session.get(ApiToken, token["id"]))
            db.session.commit()
        token["works"] = False

    @rule(which=st.integers(0, 20))
    def expire(self, which):
        if not self.tokens:
            return
        token = self.tokens[which % len(self.tokens)]
        with self.app.app_context():
            db.session.execute(
                sa.update(ApiToken)
                .where(ApiToken.id == token["id"])
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()
        token["works"] = False

    @rule()
    def deactivate(self):
        with self.app.app_context():
            set_active(*self._users(), False)
            db.session.commit()
        if self.active:
            self._revoke_all_in_model()
        self.active = False

    @rule()
    def reactivate(self):
        with self.app.app_context():
            set_active(*self._users(), True)
            db.session.commit()
        self.active = True  # no token comes back

    @rule(role=st.sampled_from([Role.TALENT_ACQUISITION, Role.HIRING_MANAGER]))
    def change_role(self, role):
        with self.app.app_context():
            admin, person = self._users()
            data = {
                "email": person.email,
                "name": person.name,
                "role": role.value,
                "discipline": "",
                "time_zone": "UTC",
                "weekly_interview_limit": 4,
            }
            update_user(admin, person, data)
            db.session.commit()
        if role != self.role:
            self._revoke_all_in_model()
        self.role = role

    @rule()
    def reset_password(self):
        with self.app.app_context():
            _, person = self._users()
            set_password(person, "A-brand-new-password-2026")
            db.session.commit()
        self._revoke_all_in_model()

    @invariant()
    def a_token_opens_the_api_exactly_when_the_model_says(self):
        for token in getattr(self, "tokens", []):
            client = ApiClient(self.app, token["secret"])
            me = client.get("/api/v1/me").status_code
            assert me == (200 if token["works"] else 401), token
            listed = client.get("/api/v1/candidates").status_code
            if not token["works"]:
                assert listed == 401
            elif (
                "candidates:read" in token["scopes"]
                and self.role == Role.TALENT_ACQUISITION
            ):
                assert listed == 200
            else:
                assert listed == 403


def test_any_sequence_keeps_tokens_to_their_rules(app, make_user):
    TokenMachine.app = app
    TokenMachine.make_user = staticmethod(make_user)
    run_state_machine_as_test(
        TokenMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
