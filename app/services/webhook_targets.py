"""Where webhooks may be sent: http(s) only, and only to public addresses, so that a
subscription cannot make the service call its own network (loopback, private ranges,
link-local cloud metadata endpoints).

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

from app.errors import invalid_field

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


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
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
        raise UnsafeTarget(f"the host '{host}' does not resolve") from exc
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise UnsafeTarget(f"the host '{host}' does not resolve")
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
            f"the host '{host}' resolves to a loopback, private or reserved address "
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
