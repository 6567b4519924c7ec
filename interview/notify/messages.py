"""The messages people get, built from plain values: no Flask and no database.

Each builder returns an ``email.message.EmailMessage`` with a plain-text body.
Bodies name the candidate and the role and link to the platform; they never
carry evidence, ratings, levels, recommendations or a candidate's contact
details, so a message forwarded or read over a shoulder gives nothing away.
Header text from people (names, titles) is flattened to one line before it is
set: EmailMessage refuses a header with CR or LF, and a name must not be able
to add a header (Bcc) or fail the change that queued the message.

An invitation carries its calendar event as a ``text/calendar; method=REQUEST``
part (RFC 6047), with the UID of the session's downloadable ``invite.ics``:
an update is the same UID with a higher SEQUENCE, a cancellation METHOD:CANCEL.
The UID names the deployment (``session_uid``), so that two deployments' sessions
never replace each other in one calendar. Its reader is the event's ATTENDEE, with
their name (CN) and, in a request, asked to answer (RSVP=TRUE, PARTSTAT=
NEEDS-ACTION, ROLE=REQ-PARTICIPANT); the ORGANIZER is ``MAIL_FROM`` with its name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

from ..loops.schedule import (
    calendar_address_ok,
    ics_invitation,
    local_display,
    local_range,
)

__all__ = [
    "Person",
    "SessionFacts",
    "anonymous_cancellation",
    "cancellation",
    "debrief_ready",
    "decision_recorded",
    "feedback_reminder",
    "invitation",
    "session_uid",
]

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class Person:
    """Someone a message goes to (or comes from)."""

    name: str
    email: str
    time_zone: str = "UTC"


@dataclass(frozen=True)
class SessionFacts:
    """What an invitation says about one scheduled session."""

    session_id: int
    sequence: int
    title: str
    candidate: str
    role: str
    start_utc: datetime
    end_utc: datetime
    location: str = ""
    video_url: str = ""
    # The event's UID (session_uid): the same in every message about the session
    # and in its downloadable invite.ics, so each replaces the one before.
    uid: str = field(kw_only=True)


LEGACY_UID = "session-{id}@interview"


def session_uid(session_id: int, installation: str | None) -> str:
    """A session's event UID: ``session-<id>.<installation>@interview``, unique
    across deployments by their random installation key (models/installation.py).
    None gives the UID sent before deployments had a key, which events already in
    calendars keep. No host name on the right: RFC 7986 (5.3) advises against one,
    and a deployment's address may change while its events must not."""
    if installation is None:
        return LEGACY_UID.format(id=session_id)
    return f"session-{session_id}.{installation}@interview"


def one_line(text: str) -> str:
    """Header-safe text: control characters and line breaks become one space."""
    return _CONTROLS.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def _message(sender: str, to: Person, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = one_line(subject)
    message["From"] = sender
    message["To"] = Address(display_name=one_line(to.name), addr_spec=to.email)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(body)
    return message


def _lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _about(candidate: str, role: str) -> str:
    return f"{one_line(candidate)} for {one_line(role)}"


def invitation(
    session: SessionFacts,
    *,
    to: Person,
    sender: str,
    kit_url: str,
    stamp_utc: datetime,
    update: bool = False,
) -> EmailMessage:
    """Invite an interviewer to a session, or tell them its time or place changed."""
    when = local_range(session.start_utc, session.end_utc, to.time_zone)
    what = "Updated interview" if update else "Interview"
    subject = f"{what}: {_about(session.candidate, session.role)}, {when}"
    lead = (
        "The time or place of this interview changed; your calendar entry is updated."
        if update
        else "You are on the interview panel for this session."
    )
    body = _lines(
        f"Hello {one_line(to.name)},",
        "",
        lead,
        "",
        f"Candidate: {one_line(session.candidate)}",
        f"Role: {one_line(session.role)}",
        f"Session: {one_line(session.title)}",
        f"When: {when}",
        *([f"Where: {one_line(session.location)}"] if session.location else []),
        *([f"Video: {session.video_url}"] if session.video_url else []),
        "",
        "Your interview kit (questions, probes and the scorecard):",
        kit_url,
    )
    message = _message(sender, to, subject, body)
    _attach(message, _event(session, to, sender, kit_url, stamp_utc, "REQUEST"))
    return message


def cancellation(
    session: SessionFacts,
    *,
    to: Person,
    sender: str,
    stamp_utc: datetime,
    reason: str,
) -> EmailMessage:
    """Tell an interviewer a session they were invited to is off for them."""
    when = local_range(session.start_utc, session.end_utc, to.time_zone)
    subject = f"Cancelled: interview {_about(session.candidate, session.role)}, {when}"
    body = _lines(
        f"Hello {one_line(to.name)},",
        "",
        f"{reason} The calendar entry is cancelled.",
        "",
        f"Candidate: {one_line(session.candidate)}",
        f"Role: {one_line(session.role)}",
        f"Session: {one_line(session.title)}",
        f"Was: {when}",
    )
    message = _message(sender, to, subject, body)
    _attach(message, _event(session, to, sender, "", stamp_utc, "CANCEL"))
    return message


def anonymous_cancellation(
    *,
    uid: str,
    sequence: int,
    start_utc: datetime,
    end_utc: datetime,
    to: Person,
    sender: str,
    stamp_utc: datetime,
) -> EmailMessage:
    """A cancellation that names nobody but its reader: for an interview whose
    candidate was erased while it was queued. The calendar event is found by its
    UID and SEQUENCE; its summary, subject and body carry no name, title or place."""
    when = local_range(start_utc, end_utc, to.time_zone)
    subject = f"Cancelled: interview, {when}"
    body = _lines(
        f"Hello {one_line(to.name)},",
        "",
        "An interview you were on the panel of will not take place.",
        "The calendar entry is cancelled.",
        "",
        f"Was: {when}",
        "",
        "The candidate's details were erased, so this message does not name them.",
    )
    message = _message(sender, to, subject, body)
    ics = ics_invitation(
        uid=uid,
        title="Interview (cancelled)",
        description="",
        start_utc=start_utc,
        end_utc=end_utc,
        organizer_email=_organizer(sender),
        attendee_emails=_attendees(to),
        names=_names(sender, to),
        stamp_utc=stamp_utc,
        sequence=sequence,
        cancelled=True,
    )
    _attach(message, ics)
    return message


def _organizer(sender: str) -> str | None:
    # An address a calendar cannot take (a sender at a bare @localhost) is
    # left out rather than failing the change that queued the message.
    organizer = parseaddr(sender)[1]
    return organizer if calendar_address_ok(organizer) else None


def calendar_organizer(sender: str) -> tuple[str | None, dict[str, str]]:
    """The organizer an event names and its name (CN) by address, as the emailed
    invitations give them (a downloaded invite.ics shares their UID, issue 14);
    no organizer for an address a calendar cannot take."""
    address = _organizer(sender)
    if address is None:
        return None, {}
    name = parseaddr(sender)[0]
    return address, {address: one_line(name) or address.partition("@")[0]}


def _attendees(to: Person) -> tuple[str, ...]:
    return (to.email,) if calendar_address_ok(to.email) else ()


def _names(sender: str, to: Person) -> dict[str, str]:
    """The organizer's and the attendee's names (CN) by address: calendars show
    them instead of a bare address. A sender without a display name is named by
    its address's local part rather than not at all."""
    name, address = parseaddr(sender)
    return {
        address: one_line(name) or address.partition("@")[0],
        to.email: one_line(to.name),
    }


def _event(
    session: SessionFacts,
    to: Person,
    sender: str,
    kit_url: str,
    stamp_utc: datetime,
    method: str,
) -> bytes:
    return ics_invitation(
        uid=session.uid,
        title=f"Interview: {session.candidate} — {session.title}",
        description=f"{session.role}. Interview kit and scorecard: {kit_url}"
        if kit_url
        else session.role,
        start_utc=session.start_utc,
        end_utc=session.end_utc,
        location=session.location,
        url=session.video_url,
        organizer_email=_organizer(sender),
        attendee_emails=_attendees(to),
        names=_names(sender, to),
        stamp_utc=stamp_utc,
        sequence=session.sequence,
        cancelled=method == "CANCEL",
        method="REQUEST" if method == "REQUEST" else "PUBLISH",
    )


def _attach(message: EmailMessage, ics: bytes) -> None:
    method = "CANCEL" if b"METHOD:CANCEL" in ics else "REQUEST"
    message.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": method, "charset": "utf-8"},
    )


def feedback_reminder(
    *,
    to: Person,
    sender: str,
    candidate: str,
    role: str,
    session_title: str,
    ended_utc: datetime,
    kit_url: str,
    number: int,
    of: int,
) -> EmailMessage:
    """Remind an interviewer that their scorecard is not submitted yet."""
    subject = f"Feedback reminder: {_about(candidate, role)}"
    body = _lines(
        f"Hello {one_line(to.name)},",
        "",
        f"Your scorecard for {one_line(session_title)} with "
        f"{_about(candidate, role)} is not submitted yet.",
        f"The interview ended {local_display(ended_utc, to.time_zone)}.",
        "",
        "Submit it from your interview kit:",
        kit_url,
        "",
        f"Reminder {number} of {of}. To stop feedback reminders, turn them off at",
        _sibling(kit_url, "/account/notifications"),
    )
    return _message(sender, to, subject, body)


def _sibling(url: str, path: str) -> str:
    """Another page of the same site as ``url``."""
    match = re.match(r"[a-z][a-z0-9+.-]*://[^/]+", url, re.IGNORECASE)
    return (match.group(0) if match else "") + path


def debrief_ready(
    *,
    to: Person,
    sender: str,
    candidate: str,
    role: str,
    debrief_url: str,
    submitted: int | None = None,
    seats: int | None = None,
) -> EmailMessage:
    """Tell the hiring manager a loop has moved to debrief. With ``submitted`` of
    ``seats`` scorecards in, and some missing (talent acquisition moved it anyway,
    issue 14), it says how many are in rather than that the loop is ready."""
    about = _about(candidate, role)
    if submitted is None or seats is None or submitted >= seats:
        subject = f"Ready for debrief: {about}"
        said = (
            f"The loop for {about} is ready for debrief.",
            "Read the panel's scorecards and record your decision:",
        )
    else:
        missing = seats - submitted
        subject = f"In debrief, {missing} of {seats} scorecards missing: {about}"
        cards = "scorecard" if seats == 1 else "scorecards"
        verb = "is" if missing == 1 else "are"
        moved = (
            f"The loop for {about} was moved to debrief with {submitted} of {seats} "
            f"{cards} submitted; {missing} {verb} missing."
        )
        said = (moved, _ask_about_missing(submitted, missing))
    body = _lines(f"Hello {one_line(to.name)},", "", *said, debrief_url)
    return _message(sender, to, subject, body)


def _ask_about_missing(submitted: int, missing: int) -> str:
    """What to do with a loop in debrief that lacks scorecards: read what is in
    (none: nothing to read yet), ask about the rest."""
    ones = "the missing one" if missing == 1 else "the missing ones"
    if submitted == 0:
        read = "No scorecard is in yet: ask talent acquisition about "
        return f"{read}{ones} before you record your decision:"
    read = (
        "the scorecard that is in" if submitted == 1 else "the scorecards that are in"
    )
    return (
        f"Read {read}, and ask talent acquisition about {ones} before you record "
        "your decision:"
    )


def decision_recorded(
    *,
    to: Person,
    sender: str,
    candidate: str,
    role: str,
    decided_by: str,
    loop_url: str,
) -> EmailMessage:
    """Tell talent acquisition that a hiring manager recorded a decision."""
    subject = f"Decision recorded: {_about(candidate, role)}"
    body = _lines(
        f"Hello {one_line(to.name)},",
        "",
        f"{one_line(decided_by)} recorded a decision on the loop for "
        f"{_about(candidate, role)}.",
        "Read it on the loop's page:",
        loop_url,
    )
    return _message(sender, to, subject, body)
