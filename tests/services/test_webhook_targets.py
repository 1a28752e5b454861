"""Which webhook targets are refused: every IPv6 form that stands for a loopback or private
IPv4 address, written literally in the URL or returned by DNS, at save and at send time."""

import ipaddress
import re

import pytest

from app.services.webhooks.targets import UnsafeTarget, embedded_ipv4, is_public, resolve

# Each of these reaches 127.0.0.1, 10.0.0.1 or 192.168.1.1 one way or another.
HIDDEN_PRIVATE = [
    "::127.0.0.1",  # IPv4-compatible
    "::10.0.0.1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:192.168.1.1",
    "::ffff:0:7f00:1",  # IPv4-translated (SIIT)
    "64:ff9b::7f00:1",  # NAT64, well-known prefix
    "64:ff9b::a00:1",
    "64:ff9b:1::808:808",  # NAT64, local-use prefix: refused whatever it embeds
    "64:ff9b:1:7f00:1::",
    "2002:7f00:1::",  # 6to4
    "2002:c0a8:101::1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
    "2001:4860::5efe:7f00:1",  # ISATAP
    "2001:4860::200:5efe:a00:1",
]

# The same forms around public IPv4 addresses, and plain public addresses.
PUBLIC = [
    "93.184.215.14",
    "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "::8.8.8.8",
    "2001:4860::5efe:808:808",
]


@pytest.mark.parametrize("address", HIDDEN_PRIVATE)
def test_ipv6_forms_of_private_ipv4_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_stay_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_the_embedded_address_is_found() -> None:
    def inner(text: str) -> list[str]:
        address = ipaddress.ip_address(text)
        assert isinstance(address, ipaddress.IPv6Address)
        return [str(a) for a in embedded_ipv4(address)]

    assert inner("::127.0.0.1") == ["127.0.0.1"]
    assert inner("64:ff9b::7f00:1") == ["127.0.0.1"]
    assert inner("2002:7f00:1::") == ["127.0.0.1"]
    assert inner("::ffff:127.0.0.1") == ["127.0.0.1"]
    assert inner("2001:0:4136:e378:8000:63bf:80ff:fffe") == ["65.54.227.120", "127.0.0.1"]
    assert inner("2001:4860:4860::8888") == []


@pytest.mark.parametrize("address", HIDDEN_PRIVATE)
async def test_a_literal_address_in_the_url_is_refused(address: str) -> None:
    with pytest.raises(UnsafeTarget, match="loopback, private or reserved"):
        await resolve(f"http://[{address}]:8080/hook", allow_private=False)


@pytest.mark.parametrize("address", HIDDEN_PRIVATE)
async def test_a_name_that_resolves_to_a_hidden_private_address_is_refused(
    dns: dict[str, list[str]], address: str
) -> None:
    dns["hooks.example"] = ["93.184.215.14", address]
    with pytest.raises(UnsafeTarget, match=re.escape(f"({ipaddress.ip_address(address)})")):
        await resolve("https://hooks.example/hook", allow_private=False)


async def test_a_public_target_is_pinned_to_the_checked_address(
    dns: dict[str, list[str]],
) -> None:
    dns["hooks.example"] = ["64:ff9b::808:808"]
    target = await resolve("https://hooks.example/hook", allow_private=False)
    assert target.url.host == "64:ff9b::808:808"
    assert target.headers == {"Host": "hooks.example"}
    assert target.extensions == {"sni_hostname": "hooks.example"}
    literal = await resolve("http://[2002:808:808::1]/hook", allow_private=False)
    assert literal.url.host == "2002:808:808::1"


async def test_an_error_does_not_echo_a_long_host() -> None:
    host = "a" * 60 + ".invalid"
    with pytest.raises(UnsafeTarget) as caught:
        await resolve(f"http://{host}/hook", allow_private=False)
    assert host not in str(caught.value) and "…" in str(caught.value)
