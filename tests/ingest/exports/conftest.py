import pytest

from influscope.ingest.canonical import import_bundle
from tests.ingest.exports.support import FIX


@pytest.fixture
def eng(engine):
    """A store holding the fixture bundle's campaign, creators and posts."""
    import_bundle(engine, FIX / "bundle", workspace="default")
    return engine
