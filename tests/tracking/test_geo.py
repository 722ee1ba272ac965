import pytest

from influscope.tracking import geo


@pytest.mark.parametrize("ip,cc", [("8.8.8.8", "US"), ("168.95.1.1", "TW"), ("213.42.20.20", "AE"),
                                   ("2001:b000::1", "TW"), ("::ffff:168.95.1.1", "TW"),
                                   ("127.0.0.1", None), ("10.1.2.3", None), ("not an ip", None), (None, None)])
def test_country_from_the_shipped_registry_data(ip, cc):
    assert geo.country(ip) == cc


def test_untrusted_peer_ignores_forwarded_for():
    proxies = geo.TrustedProxies("")
    assert not proxies
    assert proxies.client_ip("203.0.113.9", "8.8.8.8") == "203.0.113.9"


def test_trusted_proxy_takes_the_rightmost_untrusted_hop():
    proxies = geo.TrustedProxies("127.0.0.1, 10.0.0.0/8")
    # a client-supplied (spoofed) first entry is skipped: the right-most untrusted hop is the client
    assert proxies.client_ip("127.0.0.1", "1.2.3.4, 168.95.1.1, 10.0.0.7") == "168.95.1.1"
    assert proxies.client_ip("203.0.113.9", "168.95.1.1") == "203.0.113.9"  # peer not trusted
    assert proxies.client_ip("127.0.0.1", None) == "127.0.0.1"
    assert proxies.client_ip("10.0.0.2", "[2001:b000::1]:4711") == "2001:b000::1"
    assert proxies.client_ip("10.0.0.2", "168.95.1.1:5555") == "168.95.1.1"


def test_trust_all_and_bad_spec(monkeypatch):
    assert geo.TrustedProxies("*").client_ip("198.51.100.1", "8.8.8.8") == "8.8.8.8"
    monkeypatch.setenv(geo.TRUSTED_PROXIES_ENV, "127.0.0.1")
    assert geo.TrustedProxies().client_ip("127.0.0.1", "8.8.8.8") == "8.8.8.8"
    with pytest.raises(ValueError, match="not-a-net"):
        geo.TrustedProxies("not-a-net")


def test_ipv6_networks_and_non_canonical_addresses():
    proxies = geo.TrustedProxies("2001:db8::/32, ::1")
    assert proxies.trusts("2001:db8::5") and proxies.trusts("0:0:0:0:0:0:0:1")
    assert not proxies.trusts("2001:db9::5") and not proxies.trusts("127.0.0.1") and not proxies.trusts("junk")
    assert proxies.client_ip("::1", "168.95.1.1, 2001:db8::9") == "168.95.1.1"


def test_single_ipv4_proxies_match_by_their_one_spelling():
    proxies = geo.TrustedProxies("127.0.0.1, 192.0.2.7/32")
    assert proxies.trusts("127.0.0.1") and proxies.trusts("192.0.2.7")
    assert not proxies.trusts("127.0.0.2") and not proxies.trusts("127.0.0.01") and not proxies.trusts("127.1")
    assert proxies.client_ip("192.0.2.7", "168.95.1.1, 127.0.0.1") == "168.95.1.1"
