"""Password hashing with argon2id (argon2-cffi defaults: RFC 9106's second recommended profile,
t=3, m=64 MiB, p=4) and the password policy.

Hashes are PHC strings (``$argon2id$v=19$m=65536,t=3,p=4$...``), so parameters can be raised later:
:func:`verify_password` reports when a stored hash should be upgraded.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 hashes any length, but megabyte passwords are a denial-of-service vector

_hasher = PasswordHasher(type=Type.ID)
# Verified against when the e-mail is unknown, so that a miss costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("influscope-dummy-password")


class PasswordPolicyError(ValueError):
    """The new password does not meet the policy; the message says why."""


def check_policy(password: str, *, email: str | None = None) -> None:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"password must be at most {MAX_LENGTH} characters long")
    if email and password.strip().lower() == email.strip().lower():
        raise PasswordPolicyError("password must not be the e-mail address")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, upgraded_hash_or_None). Runs a full argon2 verification even when no hash is stored."""
    if not isinstance(password, str) or len(password) > MAX_LENGTH:
        return False, None
    try:
        _hasher.verify(stored_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if stored_hash is None:
        return False, None
    if _hasher.check_needs_rehash(stored_hash):
        return True, _hasher.hash(password)
    return True, None
