"""What an API token may do: its scopes, and which a person's role can hold.

Pure: plain strings in and out. A request through the API is allowed when its
token holds the route's scope *and* the person may do it on the site (the same
predicates as the pages, permissions.py): a scope narrows a person's rights, it
never widens them. A token offers only the scopes its owner's role can use, and
carries the role it was made under: a role change makes it stop working
(``api/tokens.py``), so no token outlives the rights it was made with.
"""

from dataclasses import dataclass

from ..models.enums import Role


@dataclass(frozen=True)
class Scope:
    name: str
    label: str  # what it allows, as the tokens page lists it
    roles: frozenset[Role]


TA, HM, IV = Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, Role.INTERVIEWER

SCOPES = {
    s.name: s
    for s in (
        Scope("candidates:read", "Read candidates", frozenset({TA})),
        Scope("candidates:write", "Add and change candidates", frozenset({TA})),
        Scope(
            "requisitions:read",
            "Read requisitions (a hiring manager: their own)",
            frozenset({TA, HM}),
        ),
        Scope("requisitions:write", "Open and change requisitions", frozenset({TA})),
        Scope(
            "loops:read",
            "Read loops you may see, their sessions and scorecard states",
            frozenset({TA, HM, IV}),
        ),
        Scope("loops:write", "Start loops", frozenset({TA})),
        Scope(
            "debrief:read",
            "Read decisions and debrief summaries (interviewers: once theirs is in)",
            frozenset({TA, HM, IV}),
        ),
    )
}


def offered(role: Role) -> list[Scope]:
    """The scopes a person of this role can give a token, in the page's order."""
    return [scope for scope in SCOPES.values() if role in scope.roles]


def parse(text: str | None) -> frozenset[str]:
    """A token's stored scopes (space-separated), unknown names dropped: a scope a
    later release removes grants nothing."""
    return frozenset(name for name in (text or "").split() if name in SCOPES)


def stored(names) -> str:
    """Scopes as stored: known ones, sorted, space-separated."""
    return " ".join(sorted(set(names) & SCOPES.keys()))


def refused(names, role: Role) -> list[str]:
    """The names a person of ``role`` may not give a token (unknown ones too)."""
    allowed = {scope.name for scope in offered(role)}
    return sorted(name for name in set(names) if name not in allowed)


def allows(held: frozenset[str], needed: str) -> bool:
    return needed in held
