"""Settings read from the environment (and overridden by command-line options)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: _env("INFLUSCOPE_DATABASE_URL", "sqlite:///influscope.db"))
    workspace: str = field(default_factory=lambda: _env("INFLUSCOPE_WORKSPACE", "default"))
    host: str = field(default_factory=lambda: _env("INFLUSCOPE_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("INFLUSCOPE_PORT", "8000")))
    base_url: str = field(default_factory=lambda: _env("INFLUSCOPE_BASE_URL", ""))
    secret_key: str = field(default_factory=lambda: _secret("INFLUSCOPE_SECRET_KEY"))
    # the ClickHouse event store (influscope.events): "" keeps every event in the database above
    events_url: str = field(default_factory=lambda: _env("INFLUSCOPE_EVENTS_URL", ""))
    # compiled engine queries kept between processes (influscope.kpi.query_cache): "" for the user
    # cache folder, a folder path, or "off"
    query_cache: str = field(default_factory=lambda: _env("INFLUSCOPE_QUERY_CACHE", ""))

    @property
    def public_base_url(self) -> str:
        return self.base_url.rstrip("/") or f"http://{self.host}:{self.port}"


def _secret(name: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE (never from code or the database)."""
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(name + "_FILE")
    if path:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    return ""


_override: Settings | None = None


def get_settings() -> Settings:
    return _override or Settings()


def reset() -> None:
    """Forget overrides: settings come from the environment again (each CLI invocation starts so)."""
    global _override
    _override = None


def configure(**changes) -> Settings:
    """Override settings for this process (used by the CLI's --db and friends)."""
    global _override
    changes = {k: v for k, v in changes.items() if v is not None}
    _override = replace(get_settings(), **changes)
    return _override
