"""The outbox: queueing once by key, in the caller's transaction (notify/outbox.py)."""

import threading
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import OutboxMessage, OutboxStatus, Role, User
from interview.notify.outbox import OutboxError, cancel, enqueue


def message(to: str = "clara@example.org", subject: str = "Hello") -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("A link: https://interviews.example/kit/1\n")
    return msg


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage).order_by("id")).all()


def test_a_key_is_queued_once(app_ctx):
    """The second event with the same key (a page submitted twice) sends nothing."""
    assert enqueue("invite:1:0", message()) is True
    assert enqueue("invite:1:0", message(subject="Again")) is False
    db.session.commit()

    [row] = rows()
    assert row.subject == "Hello"
    assert row.status == OutboxStatus.QUEUED
    assert row.recipient == "clara@example.org"
    assert b"From: Interviews <interviews@localhost.localdomain>" in row.message
    assert b"Message-ID: <" in row.message


def test_queued_with_the_callers_commit_only(app_ctx, make_user):
    """A rolled-back change leaves no message behind; the recipient is linked."""
    user = db.session.get(User, make_user(Role.INTERVIEWER).id)
    enqueue("gone", message())
    db.session.rollback()
    assert rows() == []

    enqueue("kept", message(to=f"Clara <{user.email}>"), recipient=user)
    db.session.commit()
    [row] = rows()
    assert (row.key, row.recipient, row.recipient_id) == ("kept", user.email, user.id)


def test_a_message_goes_to_exactly_one_address(app_ctx):
    with pytest.raises(OutboxError, match="exactly one address"):
        enqueue("two", message(to="a@example.org, b@example.org"))
    with pytest.raises(OutboxError, match="exactly one address"):
        enqueue("none", message(to=""))


def test_cancel_withdraws_only_a_queued_message(app_ctx):
    enqueue("reminder:1:1", message())
    db.session.commit()
    assert cancel("reminder:1:1") is True
    assert cancel("reminder:1:1") is False
    db.session.commit()
    assert rows()[0].status == OutboxStatus.CANCELLED


def test_two_transactions_queueing_one_key_add_one_row(app):
    """Two workers handling the same event at once: one row, no error (PostgreSQL
    makes the second insert wait for the first's commit, then skips it)."""
    barrier = threading.Barrier(2)
    added = []

    def worker(subject):
        with app.app_context():
            barrier.wait()
            added.append(enqueue("decision:7", message(subject=subject)))
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(s,)) for s in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(added) == [False, True]
    with app.app_context():
        assert len(rows()) == 1
