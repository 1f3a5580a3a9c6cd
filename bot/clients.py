"""Who is asking: the client's network address, behind trusted reverse proxies only.

A proxy in front of the servers (Caddy, nginx) makes every request come from the proxy's address;
it names the real client in `X-Forwarded-For`. That header is believed only when the peer that sent
the request is listed in `TRUSTED_PROXIES` (comma-separated addresses or networks, e.g.
`127.0.0.1,::1` for a proxy on the same machine, `10.0.0.0/8`); anyone else could write any address
into it. Without `TRUSTED_PROXIES` the peer's own address is the client.

A request that carries a forwarding header but does not come from a trusted proxy is marked as
`proxied`: it came through a proxy nobody configured, so the peer's address says nothing about the
client (the REST channel, which trusts loopback, refuses such requests).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Union

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def _address(text: str) -> Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [::1]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 1.2.3.4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def parse_networks(spec: Optional[str]) -> list[Network]:
    """`"127.0.0.1, 10.0.0.0/8"` -> networks; entries that are not addresses are refused."""
    networks: list[Network] = []
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {item!r} is not an address or network") from None
    return networks


@dataclass(frozen=True)
class Client:
    """The client's address as far as it can be known, and whether it is this machine."""

    address: str
    loopback: bool
    proxied: bool = False


class ClientResolver:
    """Finds the client of a request from its peer address and headers."""

    def __init__(self, trusted: Optional[Iterable[Network]] = None) -> None:
        self.trusted = list(trusted) if trusted is not None else parse_networks(os.environ.get("TRUSTED_PROXIES"))

    def _trusted(self, address: Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    def trusts(self, peer: Optional[str]) -> bool:
        """Whether `peer` is one of the trusted proxies (whose forwarding headers are believed)."""
        return self._trusted(_address(peer or ""))

    def resolve(self, peer: Optional[str], headers: Mapping[str, str]) -> Client:
        """`headers` with lower-case names (Sanic and aiohttp look them up case-insensitively)."""
        peer_address = _address(peer or "")
        forwarded_for = headers.get("x-forwarded-for")
        if self._trusted(peer_address) and forwarded_for:
            # The right-most address a trusted proxy did not add is the client.
            hops = [_address(hop) for hop in forwarded_for.split(",")]
            for hop in reversed(hops):
                if hop is None:
                    break
                if not self._trusted(hop):
                    return Client(str(hop), hop.is_loopback)
            else:
                first = hops[0] if hops else None
                if first is not None:
                    return Client(str(first), first.is_loopback)
            return Client(str(peer_address), False, proxied=True)
        if peer_address is None:
            return Client(peer or "?", False)
        proxied = not self._trusted(peer_address) and any(headers.get(name) for name in FORWARDING_HEADERS)
        return Client(str(peer_address), peer_address.is_loopback and not proxied, proxied=proxied)
