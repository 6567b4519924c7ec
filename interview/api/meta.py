"""What the API says about itself: its OpenAPI document, and who a token is."""

from flask import current_app, g, jsonify
from flask_login import current_user

from . import schemas as s
from .io import answer
from .spec import document, operation


@operation("/openapi.json", "GET", scope=None, summary="This API's OpenAPI document")
def openapi():
    """Served to anyone: it describes the API, and holds no data."""
    kept = current_app.extensions.setdefault("interview_openapi", {})
    if "document" not in kept:  # the same for the life of the process
        kept["document"] = document()
    response = jsonify(kept["document"])
    response.headers["Cache-Control"] = "no-cache"
    return response


@operation("/me", "GET", scope=None, summary="Who this token is", response=s.Me)
def me():
    """The token's owner, role and scopes: a client's check that its token works."""
    token = g.api_token
    out = s.Me(
        id=current_user.id,
        name=current_user.name,
        email=current_user.email,
        role=current_user.role,
        discipline=current_user.discipline,
        token=s.TokenInfo(
            name=token.name,
            prefix=token.prefix,
            scopes=sorted(g.api_scopes),
            expires_at=token.expires_at,
        ),
    )
    return answer(out)
