"""Password hashing with argon2id (argon2-cffi defaults: RFC 9106's second recommended profile,
t=3, m=64 MiB, p=4) and the password policy.

The cost can be tuned with ``INFLUSCOPE_ARGON2_MEMORY_KIB`` (default 65536, at least 8192) and
``INFLUSCOPE_ARGON2_TIME_COST`` (default 3); stored hashes with other parameters still verify and
are re-hashed with the current ones at the next successful login.

Hashes are PHC strings (``$argon2id$v=19$m=65536,t=3,p=4$...``), so parameters can be raised later:
:func:`verify_password` reports when a stored hash should be upgraded.
"""

from __future__ import annotations

import os

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 hashes any length, but megabyte passwords are a denial-of-service vector

_cache: dict[tuple[int, int], tuple[PasswordHasher, str]] = {}


def _params() -> tuple[int, int]:
    """(memory KiB, passes) from INFLUSCOPE_ARGON2_MEMORY_KIB / INFLUSCOPE_ARGON2_TIME_COST."""
    try:
        memory = int(os.environ.get("INFLUSCOPE_ARGON2_MEMORY_KIB", 65536))
        passes = int(os.environ.get("INFLUSCOPE_ARGON2_TIME_COST", 3))
    except ValueError:
        memory, passes = 65536, 3
    return max(memory, 8192), max(passes, 1)


def _current() -> tuple[PasswordHasher, str]:
    key = _params()
    if key not in _cache:
        hasher = PasswordHasher(time_cost=key[1], memory_cost=key[0], parallelism=4, type=Type.ID)
        # Verified against when the e-mail is unknown, so that a miss costs as much as a wrong password.
        _cache[key] = (hasher, hasher.hash("influscope-dummy-password"))
    return _cache[key]


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
    return _current()[0].hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, upgraded_hash_or_None). Runs a full argon2 verification even when no hash is stored."""
    if not isinstance(password, str) or len(password) > MAX_LENGTH:
        return False, None
    hasher, dummy = _current()
    try:
        hasher.verify(stored_hash or dummy, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        if stored_hash and _outdated(hasher, stored_hash):
            _spend(hasher, dummy)
        return False, None
    if stored_hash is None:
        return False, None
    if _outdated(hasher, stored_hash):
        return True, hasher.hash(password)  # costs what a verification at the current parameters costs
    return True, None


def _outdated(hasher: PasswordHasher, stored_hash: str) -> bool:
    try:
        return hasher.check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


def _spend(hasher: PasswordHasher, dummy: str) -> None:
    """A verification at the current parameters, whose answer is thrown away: a failed login for an
    account whose hash has older (cheaper) parameters costs at least what every other failure costs,
    so response times do not tell which accounts were made before the parameters were raised."""
    try:
        hasher.verify(dummy, "influscope-not-the-password")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        pass
