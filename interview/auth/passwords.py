"""Password policy and hashing, independent of Flask.

Passwords are normalised to NFKC before hashing, as NIST SP 800-63B advises, so the
same password typed on a Mac, a Windows laptop or a tablet keyboard matches. Werkzeug's
scrypt hashes the whole string: nothing is truncated, unlike bcrypt's 72 bytes.
"""

import unicodedata

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 256

# Checked against when the email is unknown, so a wrong email costs the same time.
_DUMMY_HASH_CACHE: dict[str, str] = {}


def password_problem(password: str) -> str | None:
    """Say what is wrong with a new password, or None if it is acceptable."""
    length = len(password)
    if length < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters (this one has {length})."
    if length > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters (this one has {length})."
    if not password.strip():
        return "A password cannot be only spaces."
    return None


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _dummy_hash(method: str) -> str:
    """A hash made once per method, so an unknown email costs one check, not two."""
    if method not in _DUMMY_HASH_CACHE:
        _DUMMY_HASH_CACHE[method] = hash_password("x" * 16, method)
    return _DUMMY_HASH_CACHE[method]


def hash_password(password: str, method: str = "scrypt") -> str:
    return generate_password_hash(_normalise(password), method=method)


def check_password(
    stored_hash: str | None, password: str, method: str = "scrypt"
) -> bool:
    """Check a password; with no stored hash, spend the same time and say no."""
    if len(password) > MAX_LENGTH:
        return False
    if stored_hash is None:
        check_password_hash(_dummy_hash(method), _normalise(password))
        return False
    return check_password_hash(stored_hash, _normalise(password))
