"""Country of a visitor and the client address behind trusted proxies.

Country comes from the offline RIR delegation data shipped inside the ``iptocc`` package
(IPv4 and IPv6, no network, no licence key). It is the country the address block is *registered
to*, which matches the visitor's location for the large majority of addresses but not for every
VPN, mobile carrier or corporate network. The address itself is never stored.

Behind a reverse proxy or load balancer, the peer address is the proxy's. Set
``INFLUSCOPE_TRUSTED_PROXIES`` to the proxies' addresses or networks (comma separated, e.g.
``127.0.0.1,10.0.0.0/8``; ``*`` trusts every peer): when the peer is trusted, the client is the
right-most ``X-Forwarded-For`` entry that is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress
import os
import socket

import iptocc

TRUSTED_PROXIES_ENV = "INFLUSCOPE_TRUSTED_PROXIES"


def country(ip: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code of IP (registered-to country), or None for private/unknown addresses."""
    if not ip:
        return None
    if ip.startswith("::ffff:") and "." in ip:  # IPv4-mapped IPv6 (dual-stack sockets)
        ip = ip[7:]
    try:
        return iptocc.country_code(ip)
    except (ValueError, TypeError):
        return None


class TrustedProxies:
    """A set of trusted proxy addresses/networks, parsed once."""

    def __init__(self, spec: str | None = None):
        spec = (spec if spec is not None else os.environ.get(TRUSTED_PROXIES_ENV, "")).strip()
        self.trust_all = spec == "*"
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        if not self.trust_all:
            for item in filter(None, (s.strip() for s in spec.split(","))):
                try:
                    self.networks.append(ipaddress.ip_network(item, strict=False))
                except ValueError as exc:
                    raise ValueError(f"{TRUSTED_PROXIES_ENV}: {item!r} is not an IP address or network") from exc
        # a fast path for single addresses written canonically, then (network int, mask int) per family. An
        # IPv4 address has one accepted spelling (inet_pton refuses leading zeros and short forms), so a single
        # IPv4 address needs no mask; IPv6 ones do ("::1" and "0:0::1" are one address).
        self._exact = {str(n.network_address) for n in self.networks if n.num_addresses == 1}
        self._v4 = [(int(n.network_address), int(n.netmask)) for n in self.networks
                    if n.version == 4 and n.num_addresses > 1]
        self._v6 = [(int(n.network_address), int(n.netmask)) for n in self.networks if n.version == 6]
        self._any = self.trust_all or bool(self.networks)

    def __bool__(self) -> bool:
        return self.trust_all or bool(self.networks)

    def trusts(self, ip: str) -> bool:
        if self.trust_all or ip in self._exact:
            return True
        v6 = ":" in ip
        masks = self._v6 if v6 else self._v4
        if not masks:
            return False
        try:
            value = int.from_bytes(socket.inet_pton(socket.AF_INET6 if v6 else socket.AF_INET, ip), "big")
        except (OSError, ValueError):
            return False
        for net, mask in masks:
            if value & mask == net:
                return True
        return False

    def client_ip(self, peer: str | None, forwarded_for: str | None) -> str | None:
        """The visitor's address: PEER, or the X-Forwarded-For client when PEER is a trusted proxy."""
        if not forwarded_for or not peer or not self._any or not self.trusts(peer):
            return peer
        hops = forwarded_for.split(",")
        for hop in reversed(hops):
            hop = hop.strip()
            if not hop:
                continue
            if hop[0] == "[" and "]" in hop:  # [v6]:port
                hop = hop[1:hop.index("]")]
            elif hop.count(":") == 1:  # v4:port
                hop = hop.split(":", 1)[0]
            if not self.trusts(hop):
                return hop
        return next((h.strip() for h in hops if h.strip()), peer)  # every hop is a trusted proxy
