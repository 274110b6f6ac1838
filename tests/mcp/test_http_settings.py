"""How the HTTP endpoint reads its allow-lists."""

from __future__ import annotations

import pytest

from kp_tools.mcp.http import HttpSettings, allowed_origins_from_env, origin_allowed


def test_allowed_origins_are_comma_separated_and_tidied() -> None:
    env = {"PARTNER_MCP_ALLOWED_ORIGINS": " https://a.example.com/ ,, http://localhost:* "}
    assert allowed_origins_from_env(env) == ["https://a.example.com", "http://localhost:*"]
    assert allowed_origins_from_env({}) == []


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://a.example.com", True),
        ("https://a.example.com/", True),
        ("http://localhost:3000", True),
        ("http://localhost", False),
        ("http://localhost:3000.evil.com", False),
        ("https://a.example.com.evil.com", False),
        ("http://a.example.com", False),
        ("null", False),
    ],
)
def test_an_origin_matches_exactly_or_by_port_wildcard(origin: str, allowed: bool) -> None:
    assert origin_allowed(origin, ["https://a.example.com", "http://localhost:*"]) is allowed


def test_loopback_hosts_are_accepted_on_the_bound_port_only() -> None:
    settings = HttpSettings(host="127.0.0.1", port=8002, allowed_origins=[])
    assert set(settings.allowed_hosts) == {"127.0.0.1:8002", "localhost:8002", "[::1]:8002"}


def test_a_public_bind_accepts_only_its_own_address_and_the_names_given() -> None:
    settings = HttpSettings(
        host="10.1.2.3", port=443, allowed_origins=[], extra_allowed_hosts=["mcp.example.com"]
    )
    assert settings.allowed_hosts == ["10.1.2.3:443", "mcp.example.com"]
