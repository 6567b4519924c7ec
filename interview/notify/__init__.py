"""Email notifications (issue 14): an outbox table filled in the transactions of
the changes people are told about, and ``notify run``, which sends it."""
