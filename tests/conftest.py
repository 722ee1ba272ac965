"""Fixtures shared by the whole suite.

- ``sqlite_url`` / ``engine``: a fresh, migrated SQLite (WAL) database per test.
- ``pg_admin_url`` (session): a real PostgreSQL cluster started by the suite; ``pg_url`` gives each
  test a fresh database on it.
- ``db_url``: parametrised over SQLite and PostgreSQL for storage tests (mark: postgres).
"""

from __future__ import annotations

import itertools
import os

import pytest

from tests.support import pgcluster

_counter = itertools.count()

# Servers started by tests run no background comment analysis beside them (it would write audience
# rows while a test looks); tests/audience/test_reading.py starts that job on purpose.
os.environ.setdefault("INFLUSCOPE_AUDIENCE_BACKGROUND", "0")
# Compiled engine queries are kept between processes only where a test asks for it (a temporary
# folder): the suite never writes to the user's cache, and counts of compiled shapes stay exact.
os.environ.setdefault("INFLUSCOPE_QUERY_CACHE", "off")


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch):
    """Every test starts from the environment's settings: a command or test that sets --db or
    --workspace process-wide must not leak into the next test on the same worker."""
    from influscope import config

    monkeypatch.setattr(config, "_override", None)
    yield


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'influscope.db'}"


@pytest.fixture
def engine(sqlite_url):
    from influscope.db.engine import get_engine

    eng = get_engine(sqlite_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def pg_admin_url():
    with pgcluster.cluster() as (url, _port):
        yield url


@pytest.fixture
def pg_url(pg_admin_url):
    return pgcluster.create_database(pg_admin_url, f"t{next(_counter)}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'influscope.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def any_engine(db_url):
    from influscope.db.engine import get_engine

    eng = get_engine(db_url)
    yield eng
    eng.dispose()
