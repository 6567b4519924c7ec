"""The JSON API (issue 15) under /api/v1, for applicant tracking systems: personal
tokens, the same permission rules as the pages, an OpenAPI document of itself.

Kept free of imports here: account operations import ``api.tokens`` (revoking a
deactivated person's tokens) while the views import much of the site.
"""
