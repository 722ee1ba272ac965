import pytest


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """Tests hash many passwords: use the smallest argon2id cost the code accepts (8 MiB, 1 pass)."""
    monkeypatch.setenv("INFLUSCOPE_ARGON2_MEMORY_KIB", "8192")
    monkeypatch.setenv("INFLUSCOPE_ARGON2_TIME_COST", "1")
