"""Single sign-on's rules (issue 15, interview/auth/sso_rules.py): who gets in, as
what, and which account they get, for every combination of claims and accounts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interview.auth import sso_rules
from interview.auth.sso_rules import Account, Refused, decide, grant, groups_of
from interview.models.enums import Discipline, Role

# Groups as a hospital's provider might name them (tests/test_sso.py's too).
GROUPS_SETTING = {
    "roles": {
        "talent_acquisition": ["hr-talent"],
        "hiring_manager": ["managers"],
        "interviewer": ["clinical-staff", "it-staff"],
    },
    "disciplines": {"clinical": ["clinical-staff"], "technical": ["it-staff"]},
}
CONFIG = sso_rules.settings(
    {
        "issuer": "https://login.example.org/realms/staff/",
        "client_id": "interviews",
        "client_secret": "s3cret",
        **GROUPS_SETTING,
        "create_accounts": True,
    }
)
GROUPS = ["hr-talent", "managers", "clinical-staff", "it-staff", "cafeteria", ""]

group_sets = st.frozensets(st.sampled_from(GROUPS))
emails = st.sampled_from(["ana@example.org", "Ana@Example.org", "bo@example.org"])
claims_st = st.fixed_dictionaries(
    {"sub": st.sampled_from(["s-1", "s-2"])},
    optional={
        "email": st.one_of(emails, st.none(), st.integers(), st.just("no-at-sign")),
        "email_verified": st.one_of(st.booleans(), st.just("true"), st.none()),
        "groups": st.one_of(
            group_sets.map(sorted), st.sampled_from(GROUPS), st.none(), st.integers()
        ),
    },
)
accounts = st.builds(
    Account,
    id=st.integers(1, 3),
    email=emails.map(str.lower),
    is_active=st.booleans(),
    subject=st.one_of(st.none(), st.sampled_from(["s-1", "s-2", "s-other"])),
)
maybe_account = st.one_of(st.none(), accounts)


def _outcome(claims, by_subject, by_email, config=CONFIG):
    try:
        return decide(claims, by_subject, by_email, config)
    except Refused as refused:
        return refused


# -- who is let in ---------------------------------------------------------------------


@given(claims_st, maybe_account, maybe_account)
def test_a_deactivated_account_stays_out_whatever_the_provider_says(
    claims, by_subject, by_email
):
    outcome = _outcome(claims, by_subject, by_email)
    if isinstance(outcome, Refused):
        return
    # Whoever is signed in is active here: the subject's account, or the email's.
    if outcome.action == "sign_in":
        assert by_subject is not None and by_subject.is_active
    elif outcome.action == "link":
        assert by_subject is None and by_email.is_active
    else:
        assert by_subject is None and by_email is None


@given(claims_st, maybe_account, maybe_account)
def test_the_subject_finds_the_account_and_email_alone_never_takes_one_over(
    claims, by_subject, by_email
):
    outcome = _outcome(claims, by_subject, by_email)
    if isinstance(outcome, Refused):
        return
    if by_subject is not None:
        assert (outcome.action, outcome.account_id) == ("sign_in", by_subject.id)
        return
    if outcome.action == "link":
        # Linked by email only when unlinked and verified by the provider.
        assert outcome.account_id == by_email.id
        assert by_email.subject is None and claims["email_verified"] is True
        assert outcome.email == by_email.email == claims["email"].lower()


@given(claims_st, maybe_account, maybe_account)
def test_the_role_and_discipline_are_the_groups_at_this_sign_in(
    claims, by_subject, by_email
):
    outcome = _outcome(claims, by_subject, by_email)
    groups = groups_of(claims, "groups")
    if isinstance(outcome, Refused):
        if outcome.reason in ("no_role", "no_discipline"):
            with pytest.raises(Refused):
                grant(groups, CONFIG)
        return
    assert outcome.grant == grant(groups, CONFIG)
    if outcome.grant.role == Role.INTERVIEWER:
        assert outcome.grant.discipline is not None


@given(claims_st, maybe_account)
def test_an_unknown_person_gets_an_account_only_when_the_setting_allows(
    claims, by_email
):
    closed = CONFIG.model_copy(update={"create_accounts": False})
    outcome = _outcome(claims, None, by_email, closed)
    assert isinstance(outcome, Refused) or outcome.action == "link"
    opened = _outcome(claims, None, None)
    if not isinstance(opened, Refused):
        assert opened.action == "create" and opened.account_id is None
        assert claims["email_verified"] is True
        assert opened.email == claims["email"].lower()


@given(st.lists(group_sets, min_size=1, max_size=6))
def test_a_group_change_takes_effect_at_the_next_sign_in(groups_over_time):
    """One linked account signing in again and again as its groups change."""
    account = Account(1, "ana@example.org", True, "s-1")
    for groups in groups_over_time:
        claims = {"sub": "s-1", "email": "ana@example.org", "groups": sorted(groups)}
        outcome = _outcome(claims, account, account)
        try:
            expected = grant(groups, CONFIG)
        except Refused as refused:
            assert isinstance(outcome, Refused) and outcome.reason == refused.reason
            continue
        assert outcome.grant == expected


def test_an_unknown_verified_person_is_refused_or_created_as_the_setting_says():
    claims = {
        "sub": "s-3",
        "email": "New.Person@Example.org",
        "email_verified": True,
        "groups": ["clinical-staff"],
    }
    closed = CONFIG.model_copy(update={"create_accounts": False})
    with pytest.raises(Refused) as refused:
        decide(claims, None, None, closed)
    assert refused.value.reason == "no_account"
    created = decide(claims, None, None, CONFIG)
    assert (created.action, created.email) == ("create", "new.person@example.org")
    assert created.grant == sso_rules.Grant(Role.INTERVIEWER, Discipline.CLINICAL)


# -- the examples a reader looks for first ------------------------------------------


def test_groups_give_the_first_role_listed_and_the_interviewers_discipline():
    assert grant(frozenset({"managers", "hr-talent"}), CONFIG).role == (
        Role.TALENT_ACQUISITION
    )
    assert grant(frozenset({"it-staff"}), CONFIG) == sso_rules.Grant(
        Role.INTERVIEWER, Discipline.TECHNICAL
    )
    # A manager keeps the discipline a group gives; none is needed.
    assert grant(frozenset({"managers"}), CONFIG).discipline is None
    with pytest.raises(Refused) as refused:
        grant(frozenset({"cafeteria"}), CONFIG)
    assert refused.value.reason == "no_role"
    only_role = CONFIG.model_copy(update={"disciplines": {}})
    with pytest.raises(Refused) as refused:
        grant(frozenset({"it-staff"}), only_role)
    assert refused.value.reason == "no_discipline"


def test_a_new_verified_address_follows_unless_another_account_holds_it():
    ana = Account(1, "ana@example.org", True, "s-1")
    claims = {
        "sub": "s-1",
        "email": "Ana.Silva@Example.org",
        "email_verified": True,
        "groups": ["managers"],
    }
    assert decide(claims, ana, None, CONFIG).email == "ana.silva@example.org"
    other = Account(2, "ana.silva@example.org", True, None)
    assert decide(claims, ana, other, CONFIG).email == "ana@example.org"
    # An address the provider does not vouch for is not taken (it could be anyone's).
    unverified = claims | {"email_verified": False}
    assert decide(unverified, ana, None, CONFIG).email == "ana@example.org"
    trusting = CONFIG.model_copy(update={"trust_email": True})
    assert decide(unverified, ana, None, trusting).email == "ana.silva@example.org"
    del claims["email"]
    assert decide(claims, ana, None, CONFIG).email == "ana@example.org"


def test_a_provider_trusted_for_its_addresses_links_without_the_claim():
    """Entra ID sends no ``email_verified``: ``trust_email`` stands for it."""
    claims = {"sub": "s-1", "email": "ana@example.org", "groups": ["managers"]}
    unlinked = Account(2, "ana@example.org", True, None)
    with pytest.raises(Refused):
        decide(claims, None, unlinked, CONFIG)
    trusting = CONFIG.model_copy(update={"trust_email": True})
    assert decide(claims, None, unlinked, trusting).action == "link"
    assert decide(claims, None, None, trusting).action == "create"


@pytest.mark.parametrize(
    ("by_email", "claims", "reason"),
    [
        (Account(2, "ana@example.org", False, None), {"email_verified": True}, "deactivated"),
        (Account(2, "ana@example.org", True, "s-9"), {"email_verified": True}, "linked_elsewhere"),
        (Account(2, "ana@example.org", True, None), {"email_verified": False}, "email_not_verified"),
        (Account(2, "ana@example.org", True, None), {}, "email_not_verified"),
        (None, {"email_verified": "true"}, "email_not_verified"),
    ],
)  # fmt: skip
def test_linking_by_email_is_refused_with_a_reason(by_email, claims, reason):
    claims = {"sub": "s-1", "email": "ana@example.org", "groups": ["managers"]} | claims
    with pytest.raises(Refused) as refused:
        decide(claims, None, by_email, CONFIG)
    assert refused.value.reason == reason
    assert "Ask" in refused.value.message  # says whom to turn to


def _containers(inner):
    return st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=3), inner, max_size=3
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    _containers,
    max_leaves=12,
)


@given(json_values)
def test_any_json_in_the_groups_claim_reads_as_names_or_none(value):
    groups = groups_of({"groups": value}, "groups")
    assert all(isinstance(g, str) for g in groups)
    if not isinstance(value, list | str):
        assert groups == frozenset()


def test_groups_read_from_one_token_are_bounded():
    many = [f"g{n}" for n in range(20_000)]
    assert len(groups_of({"groups": many}, "groups")) == sso_rules.GROUP_LIMIT


# -- the setting ---------------------------------------------------------------------


BASE = {
    "issuer": "https://login.example.org",
    "client_id": "interviews",
    "client_secret": "s3cret",
    "roles": {"interviewer": ["staff"]},
}


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"issuer": "http://login.example.org"}, "issuer"),
        ({"issuer": ""}, "issuer"),
        ({"roles": {}}, "roles"),
        ({"roles": {"interviewer": []}}, "roles"),
        ({"roles": {"wizard": ["staff"]}}, "roles"),
        ({"disciplines": {"dental": ["x"]}}, "disciplines"),
        ({"groups_claim": "groups; drop"}, "groups_claim"),
        ({"create_account": True}, "create_account"),  # a typo is not ignored
        ({"client_secret": ""}, "client_secret"),
    ],
)
def test_a_wrong_setting_stops_start_up_with_one_line_naming_it(change, says):
    with pytest.raises(ValueError) as error:
        sso_rules.settings(BASE | change)
    message = str(error.value)
    assert message.startswith("SSO setting ") and says in message
    assert "\n" not in message


def test_a_setting_keeps_the_roles_order_and_loopback_http_for_tests():
    loopback = sso_rules.settings(BASE | {"issuer": "http://127.0.0.1:9000"})
    assert loopback.issuer == "http://127.0.0.1:9000"
    # Kept as written: the ID token's ``iss`` must equal it ("/" and all, Auth0's).
    assert CONFIG.issuer == "https://login.example.org/realms/staff/"
    assert list(CONFIG.roles) == [
        Role.TALENT_ACQUISITION,
        Role.HIRING_MANAGER,
        Role.INTERVIEWER,
    ]


@pytest.mark.parametrize(
    "value",
    [
        "ana@exa\x00mple.org",
        "ana @example.org",
        "a" * 250 + "@x.org",
        7,
        "no-at",
        "@",
        "a@b",
    ],
)
def test_an_unusable_email_claim_is_no_email(value):
    assert sso_rules.email_of({"email": value}, "email") is None
    assert sso_rules.email_of({"email": " Ana@Example.org "}, "email") == (
        "ana@example.org"
    )
