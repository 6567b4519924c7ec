"""Forms of the data lifecycle: erasure's confirmation and a legal hold's reason."""

from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import Form
from ..models.lifecycle import REASON_MAX
from .holds import bidi_control_problem, visible


class EraseForm(Form):
    confirm = BooleanField(
        "I understand that the candidate's personal data is removed for good and "
        "cannot be restored.",
        validators=[DataRequired("Tick the box to confirm the erasure.")],
    )
    submit = SubmitField("Erase the candidate")


class HoldForm(Form):
    reason = TextAreaField(
        "Reason for the legal hold",
        validators=[
            DataRequired("Give the reason for the hold."),
            Length(
                max=REASON_MAX,
                message=f"Keep the reason to {REASON_MAX} characters or fewer.",
            ),
        ],
    )
    submit = SubmitField("Place a legal hold")

    def validate_reason(self, field):
        """Spaces or invisible characters alone pass DataRequired but say nothing."""
        if not visible(field.data):
            raise ValidationError("Give the reason for the hold.")
        if problem := bidi_control_problem(field.data):
            raise ValidationError(problem)


class ReleaseForm(Form):
    submit = SubmitField("Release")
