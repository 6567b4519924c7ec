"""WTForms' input widgets, writing their attributes with f-strings.

WTForms writes each attribute of a field through ``Markup('{k}="{v}"').format``,
which runs the standard library's ``string.Formatter`` in Python: on the loop page a
talent acquisition edits (five sessions, each with its competency boxes, seat
counts, times and seat pickers: some 110 fields) that was about a quarter of the
page's time, and the panel proposal's preview is that page (issue 11: 55 ms at
scale on PostgreSQL, over the 50 ms goal). ``html_params`` writes the same text
with plain string operations, every key and value escaped as WTForms escapes them
(tests/test_widgets.py compares the two for any attributes).

The site's forms render their fields through ``Form.Meta.render_field``
(forms.py), which hands an input widget (``Input`` and its subclasses, ``Button``:
the ones that call ``self.html_params``) to a twin whose class differs only in
that method, made for each field drawn (a new object sharing the widget's
attributes, so nothing is kept between requests); WTForms itself is left as it
is, and other widgets (select, text area) render as before.
"""

from functools import cache

from markupsafe import Markup, escape
from wtforms.widgets import Button, Input, core
from wtforms.widgets.core import clean_key


def html_params(**kwargs) -> Markup:
    """``wtforms.widgets.html_params``: sorted keys, ``True`` written bare, ``False``
    left out, every other value escaped (a double quote inside ``Markup`` too)."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is False:
            continue
        name = escape(clean_key(key))
        if value is True:
            params.append(name)
        else:
            params.append(f'{name}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


def quick(widget):
    """The widget's twin, writing attributes with ``html_params`` and sharing the
    widget's own attributes (one ``__dict__``: a change to either is the other's);
    the widget itself when it is no WTForms input, or writes its attributes its own
    way, or keeps them in slots."""
    cls = _twin_class(type(widget))
    if cls is None:
        return widget
    twin = cls.__new__(cls)
    twin.__dict__ = widget.__dict__
    return twin


@cache
def _twin_class(cls: type) -> type | None:
    if (
        not issubclass(cls, Input | Button)
        or cls.html_params is not core.html_params
        or any("__slots__" in vars(base) for base in cls.__mro__)
    ):
        return None
    return type(cls.__name__, (cls,), {"html_params": staticmethod(html_params)})
