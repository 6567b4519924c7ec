"""The kit's scorecard fields as HTML, written in Python rather than template macros
or WTForms' widgets.

A kit has three fields per competency; as Jinja macros (and before that as WTForms'
widgets) they were a third of the page's time, most of it the macro calls
themselves (WTForms' own widgets cost more still). These write the same HTML, every value escaped as the template did. A
radio group's options are the same on every page of a form class (one per rubric
version and competency set, scorecards/forms.py), so they are escaped once per
class and only the choice that is checked changes.
"""

from markupsafe import Markup, escape


def errors(field) -> str:
    """The field's error line, tied to it by ``aria-describedby``."""
    if not field.errors:
        return ""
    return f'<p class="error" id="{escape(field.id)}-error">{_joined(field.errors)}</p>'


def _joined(messages) -> str:
    return " ".join(str(escape(m)) for m in messages)


def textarea(field, rows: int = 4) -> Markup:
    """A labelled textarea (the leading newline keeps one typed on the first line)."""
    fid = escape(field.id)
    invalid = bool(field.errors)
    described = (
        f'aria-describedby="{fid}-error" aria-invalid="true" ' if invalid else ""
    )
    return Markup(
        f'\n<div class="field{" field-invalid" if invalid else ""}">\n'
        f'  <label class="label" for="{fid}">{escape(field.label.text)}</label>\n'
        f'  <textarea {described}id="{fid}" name="{escape(field.name)}" '
        f'rows="{rows}">\r\n{escape(field._value())}</textarea>\n'
        f"  {errors(field)}\n"
        "</div>\n"
    )


def hidden(*fields) -> Markup:
    """Hidden inputs, as WTForms writes them."""
    return Markup(
        "".join(
            f'<input id="{escape(f.id)}" name="{escape(f.name)}" type="hidden" '
            f'value="{escape(f._value())}">'
            for f in fields
        )
    )


def button(field, css: str, id: str | None = None) -> Markup:
    """A submit button, as WTForms writes it."""
    return Markup(
        f'<input class="{escape(css)}" id="{escape(id or field.id)}" '
        f'name="{escape(field.name)}" type="submit" value="{escape(field.label.text)}">'
    )


def radios(form, name: str) -> Markup:
    """A fieldset of radio buttons for the named field, its choice checked."""
    field = form[name]
    options = _options(getattr(form, "form_class", None) or type(form), field)
    data = field.data if field.data is None else str(field.data)
    invalid = bool(field.errors)
    fid = escape(field.id)
    head = (
        f'\n<fieldset class="scale{" field-invalid" if invalid else ""}"'
        f"{f' aria-describedby={chr(34)}{fid}-error{chr(34)}' if invalid else ''}>\n"
        f'  <legend class="label">{escape(field.label.text)}</legend>\n  '
    )
    body = "".join(
        f'\n  <div class="scale-option"><input {"checked " if value == data else ""}'
        f"{rest}\n  "
        for value, rest in options
    )
    return Markup(f"{head}{body}\n  {errors(field)}\n</fieldset>\n")


def _options(form_class, field) -> tuple[tuple[str, str], ...]:
    """Each choice's value and its escaped HTML after ``checked``, kept on the form
    class (whose choices never change)."""
    kept = form_class.__dict__.get("_radio_html")
    if kept is None:
        kept = {}
        form_class._radio_html = kept
    options = kept.get(field.name)
    if options is None:
        fid, name = escape(field.id), escape(field.name)
        options = tuple(
            (
                str(choice.value),
                (
                    f'id="{fid}-{i}" name="{name}" type="radio" '
                    f'value="{escape(choice.value)}"> <label for="{fid}-{i}">'
                    f"{escape(choice.label)}</label></div>"
                ),
            )
            for i, choice in enumerate(field.iter_choices())
        )
        kept[field.name] = options
    return options
