"""The first request's fate, named by the layer that broke.

The proxy, TLS, a timeout, nothing listening, or something that does not speak HTTP.
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import httpx

from kp_tools.cli.doctor.checks import Report
from kp_tools.cli.doctor.fetch import TIMEOUT, Answer, Fetcher
from kp_tools.cli.doctor.route import without_password
from kp_tools.client import ENV_BASE_URL

__all__ = ["connection_check"]


def connection_check(report: Report, answer: Answer, base_url: str, fetch: Fetcher) -> bool:
    """The ``connect`` line from the first raw answer; False when nothing else can be asked."""
    secure = base_url.startswith("https://")
    host = urlsplit(base_url).netloc
    via = f" through the proxy {without_password(fetch.via)}" if fetch.via else ""
    if answer.error is None:
        how = "TLS certificate verified" if secure else "plain HTTP"
        how = "in-process, no network" if fetch.in_process else how + via
        report.add("connect", "pass", f"{host} answered ({how})")
        return True
    error = answer.error
    reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    fix: str | None
    if isinstance(error, httpx.ProxyError):
        message = f"the proxy failed ({reason})"
        fix = "Check HTTPS_PROXY / HTTP_PROXY and NO_PROXY."
    elif _tls_failure(error):
        message = f"TLS to {host} failed ({reason})"
        fix = (
            "If your network inspects TLS (a company proxy), point SSL_CERT_FILE at its CA "
            "bundle; check that the URL's scheme and port are right."
        )
    elif isinstance(error, httpx.ConnectTimeout):
        message = f"timed out connecting to {host}"
        fix = "Check the network, a firewall or a proxy."
    elif isinstance(error, httpx.ConnectError) and via:
        message = f"cannot connect to {host}{via} ({reason})"
        fix = f"Check the proxy; add {urlsplit(base_url).hostname} to NO_PROXY to go direct."
    elif isinstance(error, httpx.ConnectError):
        message = f"cannot connect to {host} ({reason})"
        fix = f"Is the server running and {ENV_BASE_URL} right (host, port, scheme)?"
    elif isinstance(error, httpx.TimeoutException):
        message = f"{host} accepted the connection but sent no answer in {TIMEOUT:g} s"
        fix = None
    else:
        message = f"{host} did not answer in HTTP ({reason})"
        fix = f"Check that {ENV_BASE_URL} has the right scheme (http/https) and port."
    report.add("connect", "fail", message, fix)
    return False


def _tls_failure(error: BaseException) -> bool:
    """An SSL error anywhere in the chain: httpx wraps it in a ConnectError."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
