"""Where webhooks may be sent: http(s) only, and only to public addresses, so that a
subscription cannot make the service call its own network (loopback, private ranges,
link-local cloud metadata endpoints). An IPv6 address that stands for an IPv4 one
(IPv4-mapped, 6to4, Teredo, NAT64, IPv4-compatible) must be public on both counts.

The host is resolved when a subscription is saved and again before every delivery; the
request then goes to the address that was checked (the `Host` header and TLS server name
keep the original host), so DNS that changes between the check and the call cannot send
it elsewhere."""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.errors import invalid_field, shown

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLVE_TIMEOUT_SECONDS = 5.0


class UnsafeTarget(Exception):
    """The target may not be called: wrong scheme, unresolvable, or not public."""


@dataclass(frozen=True)
class Target:
    """What to connect to: the URL (with the checked address in place of the host, when
    pinned), plus the headers and extensions that keep the original host visible."""

    url: httpx.URL
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)


# IPv6 prefixes whose addresses carry an IPv4 address in their last 32 bits: a gateway
# or the host's own stack turns a connection to them into one to that IPv4 address.
_IPV4_IN_LOW_BITS = (
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated, still routed by some stacks)
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64, the well-known prefix
)
# NAT64 for an operator's own network (RFC 8215): where the IPv4 address sits depends on
# the operator's prefix length, and it is not globally reachable anyway.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
_ISATAP_IDS = (0x0000_5EFE, 0x0200_5EFE)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (mapped, 6to4, Teredo's server and
    client, NAT64, IPv4-compatible or -translated, ISATAP): connecting to the IPv6
    address reaches them, so they must be public too."""
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    isatap = (int(address) >> 32) & 0xFFFF_FFFF in _ISATAP_IDS
    if isatap or any(address in prefix for prefix in _IPV4_IN_LOW_BITS):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
    return found


def is_public(address: IPAddress) -> bool:
    """Globally reachable, not multicast, and the same for any IPv4 address inside."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        if not all(is_public(inner) for inner in embedded_ipv4(address)):
            return False
        if address.ipv4_mapped is not None:
            return True  # the mapped IPv4 address decides, whatever this Python's ranges say
    return address.is_global and not address.is_multicast


async def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError) as exc:
        raise UnsafeTarget(f"the host '{shown(host)}' does not resolve") from exc
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise UnsafeTarget(f"the host '{shown(host)}' does not resolve")
    return found


async def resolve(url: str, *, allow_private: bool) -> Target:
    """Check a target and say where to connect. Raises UnsafeTarget."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise UnsafeTarget("not a valid URL") from exc
    host = parsed.raw_host.decode("ascii")
    if parsed.scheme not in ("http", "https") or not host:
        raise UnsafeTarget("only http and https URLs with a host can receive webhooks")
    if allow_private:
        return Target(parsed)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    addresses = await _addresses(host, port)
    refused = [a for a in addresses if not is_public(a)]
    if refused:
        raise UnsafeTarget(
            f"the host '{shown(host)}' resolves to a loopback, private or reserved address "
            f"({refused[0]}), which webhooks may not call"
        )
    pinned = parsed.copy_with(host=str(addresses[0]))
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    return Target(pinned, {"Host": parsed.netloc.decode("ascii")}, extensions)


async def ensure_allowed(url: str, *, allow_private: bool) -> None:
    """For saving a subscription: a refused target is the client's mistake (422)."""
    try:
        await resolve(url, allow_private=allow_private)
    except UnsafeTarget as exc:
        raise invalid_field(
            "url", f"This URL cannot receive webhooks: {exc}.", "unsafe_target"
        ) from exc
