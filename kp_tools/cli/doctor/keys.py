"""Which link of the key chain a call would use, shown by its prefix only.

Most "invalid key" reports are a key from a different source than the user thinks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

from kp_tools.api_contract import API_KEY_PAGE
from kp_tools.cli.doctor.checks import Report
from kp_tools.cli.doctor.route import is_loopback
from kp_tools.keys import ENV_DEFAULT_KEY, ENV_KEY, ApiKey

__all__ = ["KEY_VARIABLES", "key_check", "sandbox_key_check"]

KEY_VARIABLES: Final = (ENV_DEFAULT_KEY, ENV_KEY)
"""The environment's part of the chain, in :func:`kp_tools.keys.resolve_api_key`'s order."""


def key_check(
    report: Report, option: str | None, env: Mapping[str, str], base_url: str
) -> ApiKey | None:
    """Which link of the key chain the toolkit would use, as the executor resolves it."""
    from kp_tools.sandbox.seed import SANDBOX_KEY_PREFIX

    sources: list[tuple[str, str | None]] = [("--api-key", option)]
    sources += [(name, env.get(name)) for name in KEY_VARIABLES]
    chosen: tuple[str, ApiKey] | None = None
    for source, value in sources:
        if value is None:
            continue
        if not value.strip():
            report.add("key", "info", f"{source} is set but blank, so it counts as missing")
        elif chosen is None:
            chosen = (source, ApiKey(value))
        else:
            report.add("key", "info", f"{source} is also set, but {chosen[0]} comes first")
    if chosen is None:
        report.add(
            "key",
            "fail",
            f"no API key: none of --api-key, {', '.join(KEY_VARIABLES)} is set",
            f"export {ENV_KEY}=<your key>; create and activate one at {API_KEY_PAGE}. "
            "Or try kp-tools doctor --sandbox.",
        )
        return None
    source, key = chosen
    _report_key(report, source, key)
    if key.reveal().startswith(SANDBOX_KEY_PREFIX) and not is_loopback(urlsplit(base_url).hostname):
        report.add(
            "key",
            "warn",
            f"{key.prefix} is a sandbox key; the real API at {base_url} will refuse it",
            f"Use your own key from {API_KEY_PAGE}, or add --sandbox.",
        )
    return key


def sandbox_key_check(report: Report, option: str | None, env: Mapping[str, str]) -> ApiKey:
    """The key the sandbox gets: as every ``--sandbox`` command picks it (a real key stays home)."""
    from kp_tools.cli.session import sandbox_key

    secret = sandbox_key(option, env)
    if option and option.strip():
        source = "--api-key"
    else:
        source = next(
            (n for n in KEY_VARIABLES if (env.get(n) or "").strip() == secret),
            "the sandbox's default member key",
        )
    key = ApiKey(secret)
    _report_key(report, source, key)
    return key


def _report_key(report: Report, source: str, key: ApiKey) -> None:
    if key.sendable:
        report.add("key", "pass", f"{key.prefix} from {source}")
    else:
        report.add(
            "key",
            "fail",
            f"{key.prefix} from {source} has characters no key has (non-ASCII or invisible)",
            "Paste the key again as plain text.",
        )
