"""Single sign-on's rules (issue 15), as plain functions: which role and discipline a
person's groups at the identity provider give, and what a sign-in does with the
account it finds. No Flask, no database: the views read the rows and apply these.

Settings (``SSO`` in instance/config.py, checked at start-up by ``settings``)::

    SSO = {
        "issuer": "https://login.example-hospital.org/realms/staff",
        "client_id": "interviews",
        "client_secret": "...",          # or INTERVIEW_SSO_CLIENT_SECRET
        "email_claim": "email",          # the ID token claim holding the address
        "groups_claim": "groups",        # ... and the one listing the groups
        # Each role's groups, most trusted first: a person in the groups of several
        # roles gets the first of them listed here.
        "roles": {
            "talent_acquisition": ["hr-talent"],
            "hiring_manager": ["hiring-managers"],
            "interviewer": ["clinical-staff", "it-staff"],
        },
        "disciplines": {"clinical": ["clinical-staff"], "technical": ["it-staff"]},
        "create_accounts": False,        # just-in-time accounts for unknown people
        "label": "Sign in with Hospital ID",   # the sign-in page's button
        "scope": "openid email profile groups",
    }

Who gets in, on every sign-in (``decide``):

- an account is found by the issuer's subject (``sub``), never by email alone: an
  account is linked to a subject once, at its first single sign-on, and only when
  the provider says the email is verified (``email_verified``, or ``trust_email``
  for a provider that verifies every address without saying so) and the account is
  linked to no other subject; from then on the subject finds it, whatever its
  email, and a new verified address follows;
- a person deactivated here stays out, whatever the provider says;
- the role and discipline come from the groups at each sign-in, so a group change
  takes effect at the next one; someone in no role's group is refused, and so is an
  interviewer in no discipline's group (every interviewer has one: seats need it);
- an unknown person gets an account only when ``create_accounts`` is on.
"""

from dataclasses import dataclass
from typing import Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..models.enums import Discipline, Role

# The claim names a provider may be configured to use: a JSON member name, bounded.
CLAIM_PATTERN = r"^[A-Za-z0-9_.:/-]{1,100}$"
GROUP_LIMIT = 10_000  # groups read from one token (Entra ID caps its claim at 200)


class SsoSettings(BaseModel):
    """The ``SSO`` setting, checked: a mistake stops start-up with one line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(min_length=1, max_length=500)
    client_id: str = Field(min_length=1, max_length=500)
    client_secret: str = Field(min_length=1, max_length=2000)
    email_claim: str = Field(default="email", pattern=CLAIM_PATTERN)
    groups_claim: str = Field(default="groups", pattern=CLAIM_PATTERN)
    roles: dict[Role, tuple[str, ...]]
    disciplines: dict[Discipline, tuple[str, ...]] = Field(default_factory=dict)
    create_accounts: bool = False
    # True when every address the provider gives is one it verified, whether or
    # not it says so (Entra ID sends no ``email_verified``): linking, creating and
    # following a new address then need no ``email_verified`` claim.
    trust_email: bool = False
    label: str = Field(default="Sign in with your organisation", max_length=100)
    # What the sign-in asks the provider for: the groups may need a scope of
    # their own (Keycloak, Okta), or come with the ID token anyway (Entra ID).
    scope: str = Field(default="openid email profile", pattern=r"^openid( [\w:./-]+)*$")
    timeout_s: float = Field(default=10, gt=0, le=60)  # per request to the provider
    # Signing out here signs out at the provider too (OpenID Connect RP-initiated
    # logout), for whoever signed in through it: register the sign-in page's
    # address as a post-logout redirect at the provider.
    sign_out_at_provider: bool = False

    @field_validator("issuer")
    @classmethod
    def _https(cls, issuer: str) -> str:
        """OpenID Connect requires https; plain http only on this machine (tests)."""
        loopback = issuer.startswith(("http://127.0.0.1", "http://localhost"))
        if not (issuer.startswith("https://") or loopback):
            raise ValueError("must be an https:// address")
        return issuer  # as the provider writes it in its tokens, "/" at the end or not

    @field_validator("roles")
    @classmethod
    def _some_role(cls, roles: dict) -> dict:
        if not any(roles.values()):
            raise ValueError("name the groups of at least one role")
        return roles


def settings(raw: dict) -> SsoSettings:
    """The checked settings, or ValueError with one readable line."""
    try:
        return SsoSettings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "SSO"
        raise ValueError(f"SSO setting {where}: {first['msg']}") from None


def groups_of(claims: dict, groups_claim: str) -> frozenset[str]:
    """The groups a token lists: a list of names, or one name; anything else none."""
    value = claims.get(groups_claim)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return frozenset()
    return frozenset(g for g in value[:GROUP_LIMIT] if isinstance(g, str))


@dataclass(frozen=True)
class Grant:
    """What the groups give: a role, and a discipline for an interviewer."""

    role: Role
    discipline: Discipline | None


class Refused(Exception):
    """A sign-in this platform does not let in; the message is shown to the person."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason  # for the log: no names, no tokens
        self.message = message


NO_ROLE = (
    "Your organisation's sign-in does not give you access to interviews. Ask your "
    "talent acquisition team to add you to the right group."
)
NO_DISCIPLINE = (
    "Your organisation's sign-in makes you an interviewer but names no discipline "
    "(clinical or technical). Ask your talent acquisition team to add you to one."
)


def grant(groups: frozenset[str], config: SsoSettings) -> Grant:
    """The first role (in the setting's order) whose groups the person is in, and for
    an interviewer the first discipline likewise; Refused when none applies.
    Talent acquisition and hiring managers keep a discipline if a group gives one."""
    role = next((r for r, names in config.roles.items() if groups & set(names)), None)
    if role is None:
        raise Refused("no_role", NO_ROLE)
    discipline = next(
        (d for d, names in config.disciplines.items() if groups & set(names)), None
    )
    if role == Role.INTERVIEWER and discipline is None:
        raise Refused("no_discipline", NO_DISCIPLINE)
    return Grant(role, discipline)


@dataclass(frozen=True)
class Account:
    """What ``decide`` needs to know of an account found here."""

    id: int
    email: str
    is_active: bool
    subject: str | None  # the subject it is linked to at this issuer, if any


@dataclass(frozen=True)
class Decision:
    """Sign in ``account_id`` (None: create an account), linking it to the subject
    first when ``link``; give it ``grant``; ``email`` its address from now on."""

    action: Literal["sign_in", "link", "create"]
    account_id: int | None
    grant: Grant
    email: str


DEACTIVATED = (
    "Your account here is deactivated. Ask your talent acquisition team if you "
    "should have access again."
)
NOT_VERIFIED = (
    "Your organisation's sign-in has not verified your email address, so it cannot "
    "be matched to an account here. Ask your IT team."
)
LINKED_ELSEWHERE = (
    "An account here with your email address belongs to another sign-in identity. "
    "Ask your talent acquisition team."
)
NO_ACCOUNT = (
    "There is no account here for you yet. Ask your talent acquisition team to "
    "create one with your work email address."
)
NO_EMAIL = (
    "Your organisation's sign-in sent no email address, which an account here "
    "needs. Ask your IT team."
)


def email_of(claims: dict, email_claim: str) -> str | None:
    """The token's address, lower-cased as accounts keep it; None if it has none
    that the accounts form would take (its validator, email-validator's)."""
    value = claims.get(email_claim)
    if not isinstance(value, str) or "@" not in value or len(value) > 254:
        return None
    value = value.strip().lower()
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:  # control characters included (NUL, refused by PG)
        return None
    return value


def verified(claims: dict, config: SsoSettings) -> bool:
    """Whether the provider vouches for the token's address."""
    return config.trust_email or claims.get("email_verified") is True


def decide(
    claims: dict,
    by_subject: Account | None,
    by_email: Account | None,
    config: SsoSettings,
) -> Decision:
    """What this sign-in does, from the verified ID token's claims, the account
    linked to its subject and the one holding its email (either may be None).
    Raises Refused with the reason to show."""
    email = email_of(claims, config.email_claim)
    if by_subject is not None:
        if not by_subject.is_active:
            raise Refused("deactivated", DEACTIVATED)
        given = grant(groups_of(claims, config.groups_claim), config)
        # A new address follows the provider when it vouches for it, unless another
        # account here holds it.
        taken = by_email is not None and by_email.id != by_subject.id
        follows = email is not None and not taken and verified(claims, config)
        kept = email if follows else by_subject.email
        return Decision("sign_in", by_subject.id, given, kept)
    if email is None:
        raise Refused("no_email", NO_EMAIL)
    if by_email is not None:
        if not by_email.is_active:
            raise Refused("deactivated", DEACTIVATED)
        if by_email.subject is not None:
            raise Refused("linked_elsewhere", LINKED_ELSEWHERE)
        if not verified(claims, config):
            raise Refused("email_not_verified", NOT_VERIFIED)
        given = grant(groups_of(claims, config.groups_claim), config)
        return Decision("link", by_email.id, given, email)
    given = grant(groups_of(claims, config.groups_claim), config)
    if not config.create_accounts:
        raise Refused("no_account", NO_ACCOUNT)
    if not verified(claims, config):
        raise Refused("email_not_verified", NOT_VERIFIED)
    return Decision("create", None, given, email)
