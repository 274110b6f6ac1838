"""The way to ``KGP_BASE_URL`` before any request: the URL itself, the proxy that applies, DNS.

Each is checked on its own so the line that fails names the layer that broke, rather than one
"cannot connect" for a typo, a proxy and a DNS outage alike.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

from kp_tools.api_contract import API_PREFIX, DEFAULT_BASE_URL
from kp_tools.cli.doctor.checks import Report
from kp_tools.cli.doctor.fetch import TIMEOUT
from kp_tools.client import ENV_BASE_URL

__all__ = ["PROXY_VARIABLES", "check_route", "is_loopback", "without_password"]

PROXY_VARIABLES: Final = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


async def check_route(
    report: Report, base_url: str, env: Mapping[str, str]
) -> tuple[bool, str | None]:
    """The URL, the proxy that applies, DNS: whether a request may get through.

    Returns:
        Whether the route looks open, and the proxy the request would go through (or None).
    """
    parts = urlsplit(base_url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        report.add(
            "url",
            "fail",
            f"{ENV_BASE_URL}={base_url!r} is not an http(s) URL",
            f"Set {ENV_BASE_URL} to {DEFAULT_BASE_URL} (or unset it).",
        )
        return False, None
    source = f"from {ENV_BASE_URL}" if env.get(ENV_BASE_URL) else "the default"
    if parts.scheme == "http" and not is_loopback(host):
        report.add(
            "url",
            "warn",
            f"{base_url} ({source}) is plain HTTP: the key would cross the network unencrypted",
            "Use https://.",
        )
    elif not parts.path.rstrip("/").endswith(API_PREFIX):
        report.add(
            "url",
            "warn",
            f"{base_url} ({source}) does not end in {API_PREFIX}, where the API lives",
            f"Set {ENV_BASE_URL} to the API root, e.g. {DEFAULT_BASE_URL}.",
        )
    else:
        report.add("url", "pass", f"{base_url} ({source})")
    proxy = _proxy_check(report, parts.scheme, host, env)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return await _dns_check(report, host, port, behind_proxy=proxy is not None), proxy


def is_loopback(host: str | None) -> bool:
    """This machine's own address: plain HTTP and sandbox keys are fine there, proxies are not."""
    if host in (None, "localhost"):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def without_password(url: str) -> str:
    """A proxy URL fit to print: its password masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _proxy_check(report: Report, scheme: str, host: str, env: Mapping[str, str]) -> str | None:
    """Note the proxy variables, and which proxy (if any) httpx will use for this host."""
    proxies = {k.lower(): v for k, v in env.items() if k.upper() in PROXY_VARIABLES}
    names = [n for n in env if n.upper() in PROXY_VARIABLES and env[n].strip()]
    if not names:
        report.add("proxy", "info", "no proxy variables set (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)")
        return None
    shown = ", ".join(f"{n}={without_password(env[n])}" for n in sorted(names))
    bypassed = _bypassed(host, proxies.get("no_proxy", ""))
    proxy = None if bypassed else proxies.get(scheme + "_proxy") or proxies.get("all_proxy")
    if proxy is None:
        report.add("proxy", "info", f"{shown}; requests to {host} go direct")
    elif is_loopback(host):
        report.add(
            "proxy",
            "warn",
            f"{shown}; requests to {host} go through {without_password(proxy)}",
            f"Add {host} to NO_PROXY: a proxy rarely reaches this machine's own ports.",
        )
    else:
        report.add("proxy", "info", f"{shown}; requests to {host} go through it")
    return proxy


def _bypassed(host: str, no_proxy: str) -> bool:
    """NO_PROXY as httpx reads it: ``*``, exact hosts, and domain suffixes."""
    host = host.lower()
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if entry == "*" or host == entry or (entry.startswith(".") and host.endswith(entry)):
            return True
        if entry and not entry.startswith(".") and host.endswith("." + entry):
            return True
    return False


async def _dns_check(report: Report, host: str, port: int, *, behind_proxy: bool) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        report.add("dns", "pass", f"{host} is an address; nothing to resolve")
        return True
    try:
        async with asyncio.timeout(TIMEOUT):
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
    except (OSError, TimeoutError) as error:
        if behind_proxy:
            report.add(
                "dns", "info", f"{host} does not resolve here ({error}); the proxy resolves it"
            )
            return True
        report.add(
            "dns",
            "fail",
            f"cannot resolve {host} ({error})",
            f"Check the spelling of {ENV_BASE_URL}, your network and DNS; behind a proxy, set "
            "HTTPS_PROXY.",
        )
        return False
    addresses = sorted({str(entry[4][0]) for entry in found})
    report.add("dns", "pass", f"{host} resolves to {', '.join(addresses[:3])}")
    return True
