"""Import, export and look up rubric versions; every new version is audited."""

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..auditing import record
from ..extensions import db
from ..models import Rubric, RubricVersion, User
from .documents import build_version, from_version, to_yaml
from .schema import RubricSpec

LIBRARY = Path(__file__).parent / "library"


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
    """
    rubric = find_rubric(spec.key)
    if rubric is None:
        rubric = Rubric(key=spec.key, title=spec.title)
        db.session.add(rubric)
    latest = latest_version(rubric)
    if based_on is not None and latest is not None and latest.number != based_on:
        raise StaleRubricError(latest.number)
    if latest is not None and from_version(latest) == spec:
        return Imported(latest, created=False)
    version = build_version(spec, number=latest.number + 1 if latest else 1)
    rubric.title = spec.title
    rubric.versions.append(version)
    db.session.flush()
    record(
        actor,
        "rubric.version",
        version,
        after={"key": spec.key, "number": version.number, "title": spec.title},
    )
    return Imported(version, created=True)


def export_yaml(version: RubricVersion) -> str:
    return to_yaml(from_version(version))


def library_files() -> list[Path]:
    """The shipped rubric files."""
    return sorted(LIBRARY.glob("*.yaml"))


def all_latest_competencies() -> list[tuple[str, str]]:
    """(key, name) of every competency in the rubrics' latest versions, sorted by name."""
    found: dict[str, str] = {}
    for rubric in db.session.scalars(sa.select(Rubric)):
        version = latest_version(rubric)
        for competency in version.competencies if version else ():
            found.setdefault(competency.key, competency.name)
    return sorted(found.items(), key=lambda item: item[1])
