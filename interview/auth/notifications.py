"""Each person's own email preferences: feedback reminders on or off (issue 14).

Invitations, their updates and cancellations always go: a calendar that misses a
change sends someone to an interview that moved.
"""

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField, SubmitField

from ..auditing import record
from ..extensions import db
from ..forms import Form
from .views import bp

ON = "Saved: you will get an email reminder while a scorecard of yours is due."
OFF = (
    "Saved: you will get no feedback reminders. Interview invitations and their "
    "changes still come by email."
)


class NotificationsForm(Form):
    wants_reminders = BooleanField("Email me reminders to submit my scorecards")
    submit = SubmitField("Save")


@bp.route("/account/notifications", methods=["GET", "POST"])
def notifications():
    """Turn one's own feedback reminders off or on; invitations cannot be."""
    user = current_user._get_current_object()
    form = NotificationsForm(data={"wants_reminders": user.wants_reminders})
    if form.validate_on_submit():
        wanted = bool(form.wants_reminders.data)
        if wanted != user.wants_reminders:
            record(
                user,
                "account.notifications",
                user,
                {"wants_reminders": user.wants_reminders},
                {"wants_reminders": wanted},
            )
            user.wants_reminders = wanted
            db.session.commit()
        flash(ON if wanted else OFF, "success")
        return redirect(url_for("auth.notifications"))
    days = current_app.config.get("REMINDER_WORKING_DAYS", 3)
    return render_template("auth/notifications.html", form=form, days=days)
