"""Import, export and look up rubric versions; every new version is audited."""

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from ..auditing import record
from ..db import reading
from ..extensions import db
from ..models import (
    Anchor,
    Competency,
    Question,
    Rubric,
    RubricVersion,
    ScaleLevel,
    User,
)
from .documents import from_version, to_yaml, version_rows
from .schema import RubricSpec

LIBRARY = Path(__file__).parent / "library"

# A version whole (scale, competencies, anchors, questions) in four statements,
# however many competencies it has.
VERSION_LOADS = (
    selectinload(RubricVersion.levels),
    selectinload(RubricVersion.competencies).options(
        selectinload(Competency.anchors), selectinload(Competency.questions)
    ),
)


@dataclass(frozen=True)
class Imported:
    version: RubricVersion
    created: bool


class StaleRubricError(Exception):
    """The rubric gained a version since the editor opened it."""


def find_rubric(key: str) -> Rubric | None:
    return db.session.scalar(sa.select(Rubric).where(Rubric.key == key))


def latest_version(rubric: Rubric) -> RubricVersion | None:
    return rubric.versions[-1] if rubric.versions else None


def latest_version_of(rubric_id: int | None) -> RubricVersion | None:
    """A rubric's latest version, found by the rubric's id in one statement: its
    earlier versions (and their YAML) are not loaded, as ``latest_version`` loads
    them, which a loop start would do inside SQLite's write lock."""
    if rubric_id is None:
        return None
    return db.session.scalar(
        sa.select(RubricVersion)
        .where(RubricVersion.rubric_id == rubric_id)
        .order_by(RubricVersion.number.desc())
        .limit(1)
    )


def find_version(key: str, number: int | None = None) -> RubricVersion | None:
    """A rubric's version by number, or its latest."""
    rubric = find_rubric(key)
    if rubric is None:
        return None
    if number is None:
        return latest_version(rubric)
    return next((v for v in rubric.versions if v.number == number), None)


def save_rubric(
    actor: User | None, spec: RubricSpec, based_on: int | None = None
) -> Imported:
    """Add the rubric, or a new version of it; an unchanged rubric adds nothing.

    ``based_on`` is the version number an editor started from: if a newer version was
    saved meanwhile the save is refused rather than silently replacing it.

    Everything that can be is done before the first write, outside SQLite's write
    lock (``reading()``): the rows are built and the latest version is compared.
    Under the lock the rubric row is locked (PostgreSQL) and its latest version read
    again, and the version is written in one statement per table, whatever its size.
    """
    rows = version_rows(spec)
    with reading():
        seen = _latest(spec.key)
        unchanged = _unchanged(seen, spec, rows)
    now = _latest(spec.key, lock=True)
    if based_on is not None and now.number is not None and now.number != based_on:
        raise StaleRubricError(now.number)
    if now.version_id != seen.version_id:  # saved meanwhile: compare again
        unchanged = _unchanged(now, spec, rows)
    if unchanged:
        return Imported(db.session.get(RubricVersion, now.version_id), created=False)
    version_id = _insert_version(now, spec, rows)
    version = db.session.get(RubricVersion, version_id)
    record(
        actor,
        "rubric.version",
        version,
        after={"key": spec.key, "number": version.number, "title": spec.title},
    )
    return Imported(version, created=True)


@dataclass(frozen=True)
class _Latest:
    rubric_id: int | None = None
    version_id: int | None = None
    number: int | None = None
    source_yaml: str | None = None


def _latest(key: str, lock: bool = False) -> _Latest:
    """The rubric's id and its latest version (``lock``: the rubric's row locked
    until commit first, so concurrent saves take turns; the version is then read by
    a statement of its own, which on PostgreSQL sees what the save before committed,
    where a locking read would return the version row as it was before the wait)."""
    rubrics, versions = Rubric.__table__, RubricVersion.__table__
    if lock:
        locked = db.session.scalar(
            sa.select(rubrics.c.id).where(rubrics.c.key == key).with_for_update()
        )
        if locked is None:
            return _Latest()
    query = (
        sa.select(
            rubrics.c.id, versions.c.id, versions.c.number, versions.c.source_yaml
        )
        .select_from(rubrics.outerjoin(versions, versions.c.rubric_id == rubrics.c.id))
        .where(rubrics.c.key == key)
        .order_by(versions.c.number.desc())
        .limit(1)
    )
    row = db.session.execute(query).first()
    return _Latest(*row) if row is not None else _Latest()


def _unchanged(latest: _Latest, spec: RubricSpec, rows: dict) -> bool:
    """Whether the latest version holds this very spec.

    Its canonical YAML says so at once; only when that differs is the version read
    whole and compared, so that a version stored otherwise is still recognised.
    """
    if latest.version_id is None:
        return False
    if latest.source_yaml == rows["version"]["source_yaml"]:
        return True
    stored = db.session.get(
        RubricVersion, latest.version_id, options=VERSION_LOADS, populate_existing=True
    )
    return from_version(stored) == spec


def _insert_rubric(spec: RubricSpec) -> int:
    """A new rubric's row. Two new rubrics with one key at once (PostgreSQL; SQLite
    writes one at a time): the second is told the first was saved meanwhile."""
    insert = sa.insert(Rubric).values(key=spec.key, title=spec.title)
    if db.session.get_bind().dialect.name != "postgresql":
        return db.session.scalar(insert.returning(Rubric.id))
    try:
        with db.session.begin_nested():
            return db.session.scalar(insert.returning(Rubric.id))
    except sa.exc.IntegrityError:
        raise StaleRubricError(1) from None


def _insert_version(latest: _Latest, spec: RubricSpec, rows: dict) -> int:
    """Write the version's rows: one statement per table (and one to read back the
    competencies' ids, which their anchors and questions point at)."""
    rubric_id = latest.rubric_id
    if rubric_id is None:
        rubric_id = _insert_rubric(spec)
    else:
        db.session.execute(
            sa.update(Rubric).where(Rubric.id == rubric_id).values(title=spec.title)
        )
    number = (latest.number or 0) + 1
    version_id = db.session.scalar(
        sa.insert(RubricVersion)
        .values(rubric_id=rubric_id, number=number, **rows["version"])
        .returning(RubricVersion.id)
    )
    _insert(
        ScaleLevel, [{"rubric_version_id": version_id, **r} for r in rows["levels"]]
    )
    _insert(
        Competency,
        [{"rubric_version_id": version_id, **c} for c in rows["competencies"]],
    )
    ids = dict(
        db.session.execute(
            sa.select(Competency.key, Competency.id).where(
                Competency.rubric_version_id == version_id
            )
        ).all()
    )
    competency_ids = [ids[c["key"]] for c in rows["competencies"]]
    _insert(
        Anchor,
        [
            {"rubric_version_id": version_id, "competency_id": cid, **anchor}
            for cid, anchors in zip(competency_ids, rows["anchors"], strict=True)
            for anchor in anchors
        ],
    )
    _insert(
        Question,
        [
            {"competency_id": cid, **question}
            for cid, questions in zip(competency_ids, rows["questions"], strict=True)
            for question in questions
        ],
    )
    _forget_versions(rubric_id)
    return version_id


def _insert(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(sa.insert(model.__table__), rows)


def _forget_versions(rubric_id: int) -> None:
    """The rows went round the ORM: a rubric it holds must read its versions anew."""
    rubric = db.session.identity_map.get(identity_key(Rubric, rubric_id))
    if rubric is not None:
        db.session.expire(rubric, ["versions", "title"])


def export_yaml(version: RubricVersion) -> str:
    return to_yaml(from_version(version))


def library_files() -> list[Path]:
    """The shipped rubric files."""
    return sorted(LIBRARY.glob("*.yaml"))


def all_latest_competencies() -> list[tuple[str, str]]:
    """(key, name) of every competency in the rubrics' latest versions, sorted by name
    (a key in several rubrics named as the first rubric names it); one query however
    many rubrics there are."""
    latest = (
        sa.select(
            RubricVersion.rubric_id, sa.func.max(RubricVersion.number).label("number")
        )
        .group_by(RubricVersion.rubric_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Competency.key, Competency.name)
        .join(RubricVersion, Competency.rubric_version_id == RubricVersion.id)
        .join(
            latest,
            sa.and_(
                latest.c.rubric_id == RubricVersion.rubric_id,
                latest.c.number == RubricVersion.number,
            ),
        )
        .order_by(RubricVersion.rubric_id, Competency.position)
    )
    found: dict[str, str] = {}
    for key, name in rows:
        found.setdefault(key, name)
    return sorted(found.items(), key=lambda item: item[1])
