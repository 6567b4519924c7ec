"""The kit's scorecard as a page that only shows it (a GET) reads it, without
building WTForms fields.

Showing the form needs each field's id, name, label and value. Binding and
processing WTForms' 29 fields of a six-competency kit for that was a tenth of the
page's time, on every visit and every reload. A form class's fields (ids, names,
labels, choices) never change, so one instance is built per class and kept on it,
as widgets.py keeps the radio options; a page pairs those fields with the saved
values. A POST that fails re-renders the real WTForms form with its errors; a test
checks that both write the same page.
"""

from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

_PROTOTYPE = "_shown_fields"


class ShownField:
    """What widgets.py and the template read of a field, with this page's value."""

    __slots__ = ("_proto", "data", "id", "label", "name")
    errors = ()

    def __init__(self, proto, data):
        self._proto = proto
        self.id, self.name, self.label = proto.id, proto.name, proto.label
        self.data = data

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)

    def iter_choices(self):
        return self._proto.iter_choices()


class ShownForm:
    """A form class's fields with values by field name: ``form.summary`` and
    ``form['level_x']`` as the template asks a WTForms form."""

    def __init__(self, form_class, values: dict):
        self.form_class = form_class
        self._fields = _fields_of(form_class)
        self._values = values

    @property
    def errors(self) -> dict:
        return {}

    @property
    def csrf_token(self) -> Markup:
        """The hidden CSRF input, as Flask-WTF's field writes it."""
        token = escape(generate_csrf())
        return Markup(
            f'<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">'
        )

    def __getitem__(self, name: str) -> ShownField:
        return ShownField(self._fields[name], self._values.get(name))

    def __getattr__(self, name: str) -> ShownField:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _fields_of(form_class) -> dict:
    """The class's fields, bound once (no CSRF field: the page writes its own)."""
    fields = form_class.__dict__.get(_PROTOTYPE)
    if fields is None:
        fields = dict(form_class(formdata=None, meta={"csrf": False})._fields)
        setattr(form_class, _PROTOTYPE, fields)
    return fields
