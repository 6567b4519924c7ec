"""Rubric pages: everyone signed in reads rubrics; talent acquisition changes them."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..db import reading
from ..extensions import db
from ..forms import mark_control_characters
from ..models import Role, Rubric, RubricVersion
from ..permissions import role_required
from ..text import first_control_character
from . import operations as ops
from .diff import diff
from .documents import from_version
from .editor import UnknownAction, apply_action
from .forms import (
    RubricForm,
    UploadForm,
    attach_problems,
    blank_form_data,
    form_data,
    form_to_data,
    spec_to_form_data,
)
from .lists import rubric_rows
from .loader import MAX_BYTES, Loaded, Problem, RubricFileError, load
from .schema import validate, validate_data

bp = Blueprint("rubrics", __name__, url_prefix="/rubrics")

editors_only = role_required(Role.TALENT_ACQUISITION)


def _load(key: str) -> Rubric:
    return ops.find_rubric(key) or abort(404)


def _version(rubric: Rubric, number: int | None) -> RubricVersion:
    if number is None:
        found = ops.latest_version(rubric)
    else:
        found = next((v for v in rubric.versions if v.number == number), None)
    if found is None:
        abort(404)
    return db.session.get(
        RubricVersion, found.id, options=ops.VERSION_LOADS, populate_existing=True
    )


@bp.route("/")
def index():
    """List the rubrics with their latest version."""
    rubrics = db.session.execute(rubric_rows()).all()
    return render_template("rubrics/index.html", rubrics=rubrics)


@bp.route("/<key>")
@bp.route("/<key>/versions/<int:number>")
def show(key: str, number: int | None = None):
    """Show one version of a rubric (the latest unless a number is given)."""
    rubric = _load(key)
    version = _version(rubric, number)
    return render_template("rubrics/show.html", rubric=rubric, version=version)


@bp.route("/<key>/compare")
def compare(key: str):
    """Show what changed between two versions."""
    rubric = _load(key)
    latest = _version(rubric, None)
    old = _version(
        rubric, request.args.get("from", type=int) or max(latest.number - 1, 1)
    )
    new = _version(rubric, request.args.get("to", type=int) or latest.number)
    changes = diff(from_version(old), from_version(new))
    return render_template(
        "rubrics/compare.html", rubric=rubric, old=old, new=new, changes=changes
    )


@bp.route("/<key>/versions/<int:number>/download")
def download(key: str, number: int):
    """Download a version as a YAML file."""
    version = _version(_load(key), number)
    return Response(
        ops.export_yaml(version),
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{key}-v{number}.yaml"'},
    )


@bp.route("/upload", methods=["GET", "POST"])
@editors_only
def upload():
    """Upload a YAML file as a new rubric or a new version of one."""
    form = UploadForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            raw = upload.stream.read(MAX_BYTES + 1)
        finally:
            upload.close()  # a large upload sits in a temporary file: free it now
        result = validate(raw)
        unstorable = control_character_problems(raw)
        if result.ok and not unstorable:
            saved = ops.save_rubric(current_user, result.rubric)
            return _committed(saved, result.rubric.key)
        problems = unstorable + result.problems
    status = 422 if problems else 200
    return render_template("rubrics/upload.html", form=form, problems=problems), status


@bp.route("/new", methods=["GET", "POST"])
@editors_only
def create():
    """Write a new rubric in the browser."""
    return _editor(None)


@bp.route("/<key>/edit", methods=["GET", "POST"])
@editors_only
def edit(key: str):
    """Edit a rubric; saving makes a new version and leaves the old one as it was."""
    with reading():  # a post writes later, if at all: take no write lock yet
        rubric = _load(key)
    return _editor(rubric)


def _editor(rubric: Rubric | None):
    if request.method in ("GET", "HEAD"):
        return _render_editor(_start_form(rubric), rubric)
    form = RubricForm()
    if action := request.form.get("action"):
        try:
            data, focus = apply_action(form_data(form), action)
        except UnknownAction:
            abort(400)
        return _render_editor(RubricForm(formdata=None, data=data), rubric, focus=focus)
    if rubric is not None:
        form.key.data = rubric.key  # the key names the rubric; it never changes
    return _save(form, rubric)


def _start_form(rubric: Rubric | None) -> RubricForm:
    if rubric is None:
        return RubricForm(formdata=None, data=blank_form_data())
    latest = _version(rubric, None)
    form = RubricForm(formdata=None, data=spec_to_form_data(from_version(latest)))
    form.based_on.data = str(latest.number)
    return form


def _save(form: RubricForm, rubric: Rubric | None):
    unstorable = [
        (field.id, f"{field.label.text}: {field.errors[-1]}")
        for field in mark_control_characters(form)
    ]
    result = validate_data(Loaded(form_to_data(form), {}))
    summary = unstorable + attach_problems(form, result.problems)
    ok = result.ok and not unstorable
    if ok and rubric is None and _exists(result.rubric.key):
        form.key.errors = [
            "A rubric with this key exists already; edit that one instead."
        ]
    elif ok:
        based_on = int(form.based_on.data) if form.based_on.data else None
        try:
            saved = ops.save_rubric(current_user, result.rubric, based_on=based_on)
        except ops.StaleRubricError as exc:
            db.session.rollback()
            return _stale(form, rubric, exc.args[0])
        return _committed(saved, result.rubric.key)
    return _render_editor(form, rubric, summary=summary, status=422)


def _exists(key: str) -> bool:
    with reading():
        return ops.find_rubric(key) is not None


def _stale(form: RubricForm, rubric: Rubric, newer: int):
    message = (
        f"Someone saved version {newer} while you were editing. Your changes are still "
        f"here: compare them with version {newer}, then save again to make version "
        f"{newer + 1}."
    )
    form.based_on.data = str(newer)
    return _render_editor(form, rubric, summary=[("", message)], status=409)


def _render_editor(form, rubric, focus=None, summary=(), status=200):
    page = render_template(
        "rubrics/edit.html", form=form, rubric=rubric, focus=focus, summary=summary
    )
    return page, status


def control_character_problems(raw: bytes) -> list[Problem]:
    """Text in a rubric file that cannot be stored, each with its line.

    A raw control character is refused by the YAML parser, but an escape in a quoted
    string ("\\0", "\\e", "\\x1b") makes one the file does not show; PostgreSQL
    cannot store a NUL and neither database should hold the others.
    """
    try:
        loaded = load(raw)
    except RubricFileError:
        return []  # validate() has already said why the file cannot be read
    return [
        Problem(path, message, loaded.line_of(path))
        for path, message in _control_characters(loaded.data, ())
    ]


def _control_characters(value, path: tuple):
    if isinstance(value, str):
        if (found := first_control_character(value)) is not None:
            index, char = found
            yield (
                path,
                (
                    f"holds the invisible control character U+{ord(char):04X} at "
                    f'character {index:,} (in YAML perhaps an escape such as "\\0" or '
                    f'"\\e"), which cannot be stored; remove it'
                ),
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _control_characters(key, (*path, "<key>"))
            yield from _control_characters(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _control_characters(item, (*path, index))


def _committed(saved: ops.Imported, key: str):
    """Commit the save and say what it did (worded first: a commit expires the
    version, and reading it again would take the write lock anew)."""
    message = _saved_message(saved)
    db.session.commit()
    flash(*message)
    return redirect(url_for(".show", key=key))


def _saved_message(saved: ops.Imported) -> tuple[str, str]:
    version = saved.version
    if saved.created:
        return f"Saved {version.title} as version {version.number}.", "success"
    return (
        f"Nothing changed: {version.title} stays at version {version.number}.",
        "info",
    )
