"""``kp-tools doctor``: what to run when something does not work, one line per check.

Each line passes, warns or fails and says what to do. The checks go from the inside out: this
Python and the installed extras (read from package metadata, without importing any framework),
which key the toolkit would use (its prefix only), the route to ``KGP_BASE_URL`` (proxy variables,
DNS, the connection and TLS), then each read-only endpoint kp-tools relies on: answered through
:class:`~kp_tools.client.KPainterClient` (what agents get) and fetched raw, so the JSON can be held
against :mod:`kp_tools.models` field by field. An API that answers but lacks ``/me`` or
``/catalog`` is named for what it most likely is: a different generation of the KPainter API.

Nothing here spends credits: every request is a GET.
"""

from __future__ import annotations

import asyncio
import difflib
import importlib.metadata
import importlib.util
import ipaddress
import json
import os
import socket
import ssl
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, Final, Literal, get_args
from urllib.parse import urlsplit

import httpx
import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.text import Text

from kp_tools import __version__
from kp_tools.api_contract import (
    API_KEY_PAGE,
    API_PREFIX,
    DEFAULT_BASE_URL,
    KEY_HEADER,
    LEGACY_TYPE_ALIASES,
    MAIN_SITE,
    PATHS,
)
from kp_tools.cli.options import ApiKeyOption, JsonOption
from kp_tools.client import ENV_BASE_URL, KPainterClient
from kp_tools.errors import ERRORS, KPainterError
from kp_tools.keys import ENV_DEFAULT_KEY, ENV_KEY, ApiKey
from kp_tools.models import Catalog, CreationDetail, CreationPage, Health, Me
from kp_tools.redaction import redact, redact_secrets
from kp_tools.retry import RetryPolicy

__all__ = ["Check", "Report", "Status", "diagnose", "doctor"]

Status = Literal["pass", "warn", "fail", "info", "skip"]

MIN_PYTHON: Final = (3, 11)
TIMEOUT: Final = 10.0
# A doctor reports what happens; one retry shows whether the toolkit's own retry gets through.
DOCTOR_RETRY: Final = RetryPolicy(
    attempts=2, initial_backoff=0.2, deadline=20.0, max_retry_after=3.0
)
EXTRAS: Final = {  # extra -> (module to find, distribution, what it gives)
    "langchain": ("langchain_core", "langchain-core", "KPainterToolkit"),
    "llamaindex": ("llama_index.core", "llama-index-core", "KPainterToolSpec"),
    "mcp": ("mcp", "mcp", "kp-mcp"),
    "redis": ("redis", "redis", "shared state, KP_STATE_URL"),
}
CONFLICTS: Final = {
    "langchain-mcp-adapters": "it requires mcp<2, and kp-mcp needs mcp 2.x; uninstall it "
    "(kp-tools' own LangChain tools need no MCP adapter)",
}
PROXY_VARIABLES: Final = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")
MAX_NAMES: Final = 8


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report: what was checked, how it went, and what to do about it."""

    name: str
    status: Status
    message: str
    fix: str | None = None


@dataclass
class Report:
    """Every check, in the order run, against one target (a URL, or the sandbox)."""

    target: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing failed (warnings allowed): the exit code is 0."""
        return not any(check.status == "fail" for check in self.checks)

    def add(self, name: str, status: Status, message: str, fix: str | None = None) -> None:
        self.checks.append(Check(name, status, message, fix))

    def scrubbed(self, secret: str | None) -> Report:
        """The report with ``secret`` (and anything key-shaped) replaced by a prefix, wherever
        an upstream text may have carried it."""
        secrets = [secret] if secret else []

        def clean(text: str | None) -> str | None:
            return None if text is None else redact_secrets(redact(text), secrets)

        checks = [
            Check(c.name, c.status, clean(c.message) or "", clean(c.fix)) for c in self.checks
        ]
        return Report(self.target, checks)

    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.checks) for s in get_args(Status)}


# -- the command --------------------------------------------------------------------------------


def doctor(
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="Check a fresh embedded sandbox instead of KGP_BASE_URL: shows whether this "
            "install works at all, with no network and no account.",
        ),
    ] = False,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the install, the key, the route to KPainter and every answer kp-tools relies on."""
    report = asyncio.run(diagnose(api_key=api_key, sandbox=sandbox, env=os.environ))
    if as_json:
        payload = {"ok": report.ok, "target": report.target, "counts": report.counts()}
        payload["checks"] = [asdict(check) for check in report.checks]
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    else:
        show(report, Console(highlight=False))
    raise typer.Exit(0 if report.ok else 1)


_STYLE: Final = {
    "pass": "green",
    "warn": "yellow",
    "fail": "bold red",
    "info": "cyan",
    "skip": "dim",
}


def show(report: Report, console: Console) -> None:
    """The report as a person reads it: one line per check, what to do indented below."""
    console.print(Text.assemble(("kp-tools doctor", "bold"), f": {report.target}"), soft_wrap=True)
    width = max(len(check.name) for check in report.checks)
    for check in report.checks:
        label = check.status.upper() if check.status == "fail" else check.status
        console.print(
            Text.assemble(
                (f"  {label:<4}  ", _STYLE[check.status]), f"{check.name:<{width}}  ", check.message
            ),
            soft_wrap=True,
        )
        if check.fix:
            fix = Text(f"  {'':<4}  {'':<{width}}  → {check.fix}", style="dim")
            console.print(fix, soft_wrap=True)
    counts = report.counts()
    failed = [check.name for check in report.checks if check.status == "fail"]
    if failed:
        summary = f"{len(failed)} failed: {', '.join(failed)}. Fix the first one first."
        console.print(Text(summary, style="bold red"))
    else:
        warned = f" ({counts['warn']} warnings)" if counts["warn"] else ""
        console.print(Text(f"Nothing failed{warned}.", style="green"))


async def diagnose(*, api_key: str | None, sandbox: bool, env: Mapping[str, str]) -> Report:
    """Run every check; ``env`` stands for the environment (the key chain, KGP_BASE_URL)."""
    key: ApiKey | None
    if sandbox:
        from kp_tools.sandbox import IN_PROCESS_BASE_URL, Sandbox

        emulator = Sandbox()
        report = Report(f"embedded sandbox ({IN_PROCESS_BASE_URL})")
        check_environment(report)
        key = sandbox_key_check(report, api_key, env)
        client = emulator.client(retry=DOCTOR_RETRY, timeout=TIMEOUT)
        transport: httpx.AsyncBaseTransport | None = emulator.transport
    else:
        base_url = (env.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")
        report = Report(base_url)
        check_environment(report)
        key = key_check(report, api_key, env, base_url)
        reachable, proxy = await check_route(report, base_url, env)
        if not reachable:
            return report.scrubbed(key.reveal() if key else None)
        client = KPainterClient(base_url, retry=DOCTOR_RETRY, timeout=TIMEOUT)
        transport = None
    via = None if sandbox else proxy
    async with (
        client,
        httpx.AsyncClient(
            transport=transport,
            timeout=TIMEOUT,
            headers={"User-Agent": f"kp-tools/{__version__} doctor", "Accept": "application/json"},
        ) as raw,
    ):
        await check_api(
            report, client, _Fetcher(raw, client.base_url, key, in_process=sandbox, via=via), key
        )
    return report.scrubbed(key.reveal() if key else None)


# -- environment -------------------------------------------------------------------------------


def check_environment(report: Report) -> None:
    version = ".".join(str(part) for part in sys.version_info[:3])
    if sys.version_info[:2] >= MIN_PYTHON:
        report.add("python", "pass", f"Python {version} ({sys.executable})")
    else:
        report.add(
            "python", "fail", f"Python {version}; kp-tools needs 3.11 or newer", "Use Python 3.11+."
        )
    try:
        installed = importlib.metadata.version("kp-tools")
    except importlib.metadata.PackageNotFoundError:
        report.add(
            "kp-tools",
            "warn",
            f"{__version__} imported from {_package_dir()}, but not installed (no metadata)",
            "pip install 'kp-tools[all]' (or pip install -e . in a clone).",
        )
        ranges: dict[str, str] = {}
    else:
        if installed == __version__:
            report.add("kp-tools", "pass", f"{__version__} ({_package_dir()})")
        else:
            report.add(
                "kp-tools",
                "warn",
                f"the code imported is {__version__} but the installed metadata says {installed}",
                "An old copy shadows the install: reinstall kp-tools in this environment.",
            )
        ranges = _declared_ranges()
    for extra, (module, distribution, gives) in EXTRAS.items():
        report.checks.append(_extra_check(extra, module, distribution, gives, ranges))
    for distribution, why in CONFLICTS.items():
        conflicting = _version_of(distribution)
        if conflicting is not None:
            report.add(distribution, "warn", f"{conflicting} is installed: {why}")


def _package_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _extra_check(
    extra: str, module: str, distribution: str, gives: str, ranges: Mapping[str, str]
) -> Check:
    name = f"extra {extra}"
    install = f"pip install 'kp-tools[{extra}]'"
    version = _version_of(distribution)
    if version is None or not _findable(module):
        return Check(name, "info", f"not installed ({gives} needs it)", f"{install} to use it.")
    wanted = ranges.get(distribution)
    if wanted and not _in_range(version, wanted):
        return Check(
            name,
            "warn",
            f"{distribution} {version} is installed, but kp-tools is tested with {wanted}",
            f"{install} (something else may have moved it).",
        )
    return Check(name, "pass", f"{distribution} {version}")


def _version_of(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _findable(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (only its parent package)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _declared_ranges() -> dict[str, str]:
    """The version range kp-tools declares for each extra's distribution (its metadata)."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # packaging is nearly always there, but not a dependency
        return {}
    ranges: dict[str, str] = {}
    for line in importlib.metadata.requires("kp-tools") or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker and any(
            requirement.marker.evaluate({"extra": extra}) for extra in EXTRAS
        ):
            ranges[requirement.name] = str(requirement.specifier)
    return ranges


def _in_range(version: str, specifier: str) -> bool:
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(specifier).contains(version, prereleases=True)


# -- the key -----------------------------------------------------------------------------------


def key_check(
    report: Report, option: str | None, env: Mapping[str, str], base_url: str
) -> ApiKey | None:
    """Which link of the key chain the toolkit would use, as the executor resolves it."""
    sources: list[tuple[str, str | None]] = [("--api-key", option)]
    sources += [(name, env.get(name)) for name in (ENV_DEFAULT_KEY, ENV_KEY)]
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
            f"no API key: none of --api-key, {ENV_DEFAULT_KEY}, {ENV_KEY} is set",
            f"export {ENV_KEY}=<your key>; create and activate one at {API_KEY_PAGE}. "
            "Or try kp-tools doctor --sandbox.",
        )
        return None
    source, key = chosen
    _report_key(report, source, key)
    if key.reveal().startswith("kgp_sandbox_") and not _is_loopback(urlsplit(base_url).hostname):
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
            (n for n in (ENV_DEFAULT_KEY, ENV_KEY) if (env.get(n) or "").strip() == secret),
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


# -- the route to KGP_BASE_URL -----------------------------------------------------------------


async def check_route(
    report: Report, base_url: str, env: Mapping[str, str]
) -> tuple[bool, str | None]:
    """The URL, the proxy that applies, DNS: whether a request may get through, and the proxy
    it would go through."""
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
    if parts.scheme == "http" and not _is_loopback(host):
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


def _proxy_check(report: Report, scheme: str, host: str, env: Mapping[str, str]) -> str | None:
    """Note the proxy variables, and which proxy (if any) httpx will use for this host."""
    names = [n for n in env if n.upper() in PROXY_VARIABLES and env[n].strip()]
    if not names:
        report.add("proxy", "info", "no proxy variables set (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)")
        return None
    shown = ", ".join(f"{n}={_without_password(env[n])}" for n in sorted(names))
    proxies = {k.lower(): v for k, v in env.items() if k.upper() in PROXY_VARIABLES}
    bypassed = _bypassed(host, proxies.get("no_proxy", ""))
    proxy = None if bypassed else proxies.get(scheme + "_proxy") or proxies.get("all_proxy")
    if proxy is None:
        report.add("proxy", "info", f"{shown}; requests to {host} go direct")
    elif _is_loopback(host):
        report.add(
            "proxy",
            "warn",
            f"{shown}; requests to {host} go through {_without_password(proxy)}",
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


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


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


def _is_loopback(host: str | None) -> bool:
    if host in (None, "localhost"):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- the API -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Answer:
    """What one raw GET got: an HTTP status and body, or the transport error."""

    path: str
    status: int | None = None
    body: bytes = b""
    location: str | None = None
    error: httpx.HTTPError | None = None


class _Fetcher:
    """Raw GETs with the toolkit's headers, so the JSON itself can be inspected."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        key: ApiKey | None,
        *,
        in_process: bool,
        via: str | None,
    ) -> None:
        self._http, self._base_url, self._key = http, base_url, key
        self.in_process, self.via = in_process, via

    async def get(self, path: str, *, keyed: bool = True) -> _Answer:
        headers = {KEY_HEADER: self._key.reveal()} if keyed and self._key else {}
        try:
            response = await self._http.get(self._base_url + path, headers=headers)
        except httpx.HTTPError as error:
            return _Answer(path, error=error)
        return _Answer(
            path, response.status_code, response.content, response.headers.get("location")
        )


async def check_api(
    report: Report, client: KPainterClient, fetch: _Fetcher, key: ApiKey | None
) -> None:
    health = await fetch.get(PATHS["health"], keyed=False)
    if not _connection_check(report, health, client.base_url, fetch):
        return
    _status_check(report, "/health", health)
    shape(report, "/health", Health, health)
    if key is None or not key.sendable:
        report.add("/me", "skip", "needs a key (see the key line)")
        return
    me = await fetch.get(PATHS["me"])
    verified = await _me_check(report, client, key, me)
    shape(report, "/me", Me, me)
    if verified is False:
        report.add("/catalog", "skip", "needs a key KPainter accepts (see /me)")
        return
    catalog = await fetch.get(PATHS["catalog"])
    await _catalog_check(report, client, key, catalog)
    shape(report, "/catalog", Catalog, catalog)
    creations = await fetch.get(PATHS["creations"] + "?page_size=1")
    first = await _creations_check(report, client, key, creations)
    shape(report, "/creations", CreationPage, creations)
    if first is not None:
        detail = await fetch.get(PATHS["creation"].format(creation_id=first))
        shape(report, "/creations/{id}", CreationDetail, detail)
    _generation_check(report, client.base_url, health, me, catalog, creations)


def _flaky(report: Report, name: str, raw: _Answer) -> None:
    """The toolkit got an answer, but the raw request before it did not: intermittent."""
    if raw.status is not None and 200 <= raw.status < 300:
        return
    got = f"HTTP {raw.status}" if raw.status is not None else type(raw.error).__name__
    report.add(
        name,
        "warn",
        f"a first request got {got}; the toolkit's retry got through",
        "Intermittent trouble upstream or on the way; if it keeps happening, check the proxy "
        "or try later.",
    )


def _connection_check(report: Report, answer: _Answer, base_url: str, fetch: _Fetcher) -> bool:
    secure = base_url.startswith("https://")
    host = urlsplit(base_url).netloc
    via = f" through the proxy {_without_password(fetch.via)}" if fetch.via else ""
    if answer.error is None:
        how = "TLS certificate verified" if secure else "plain HTTP"
        how = "in-process, no network" if fetch.in_process else how + via
        report.add("connect", "pass", f"{host} answered ({how})")
        return True
    error = answer.error
    reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if isinstance(error, httpx.ProxyError):
        message, fix = (
            f"the proxy failed ({reason})",
            "Check HTTPS_PROXY / HTTP_PROXY and NO_PROXY.",
        )
    elif _tls_failure(error):
        message = f"TLS to {host} failed ({reason})"
        fix = (
            "If your network inspects TLS (a company proxy), point SSL_CERT_FILE at its CA "
            "bundle; check that the URL's scheme and port are right."
        )
    elif isinstance(error, httpx.ConnectTimeout):
        message, fix = (
            f"timed out connecting to {host}",
            "Check the network, a firewall or a proxy.",
        )
    elif isinstance(error, httpx.ConnectError) and via:
        message = f"cannot connect to {host}{via} ({reason})"
        fix = f"Check the proxy; add {urlsplit(base_url).hostname} to NO_PROXY to go direct."
    elif isinstance(error, httpx.ConnectError):
        message = f"cannot connect to {host} ({reason})"
        fix = f"Is the server running and {ENV_BASE_URL} right (host, port, scheme)?"
    elif isinstance(error, httpx.TimeoutException):
        message, fix = f"{host} accepted the connection but sent no answer in {TIMEOUT:g} s", None
    else:
        message = f"{host} did not answer in HTTP ({reason})"
        fix = f"Check that {ENV_BASE_URL} has the right scheme (http/https) and port."
    report.add("connect", "fail", message, fix)
    return False


def _tls_failure(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _status_check(report: Report, name: str, answer: _Answer) -> None:
    status = answer.status or 0
    if 200 <= status < 300:
        report.add(name, "pass", f"HTTP {status}")
    elif 300 <= status < 400:
        report.add(
            name,
            "fail",
            f"HTTP {status}: redirected to {answer.location}; kp-tools does not follow redirects",
            f"Set {ENV_BASE_URL} to where it points.",
        )
    else:
        report.add(name, "fail", f"HTTP {status}", _fix_for_status(status))


def _fix_for_status(status: int) -> str | None:
    if status == 404:
        return f"Nothing at this path: check that {ENV_BASE_URL} is the API root ({API_PREFIX})."
    if status >= 500 or status == 429:
        return "KPainter is having trouble or limiting requests; try again in a minute."
    return None


async def _me_check(
    report: Report, client: KPainterClient, key: ApiKey, raw: _Answer
) -> bool | None:
    """The account behind the key. False: the key is refused (no keyed check can work)."""
    try:
        me = await client.me(key)
    except KPainterError as error:
        _error_line(report, "/me", error)
        return False if error.status == 401 else None
    _flaky(report, "/me", raw)
    who = me.name or me.email or (f"user {me.user_id}" if me.user_id is not None else "someone")
    plan = f", {me.plan} plan" if me.plan else ""
    credits = "credits unknown" if me.credits is None else f"{me.credits} credits"
    can = {
        True: "can manage creations",
        False: "cannot manage creations",
        None: "permission unknown",
    }
    report.add(
        "/me", "pass", f"valid key for {who}{plan}, {credits}, {can[me.can_manage_creations]}"
    )
    blocking = me.blocking_code()
    if blocking is not None:
        report.add("account", "warn", ERRORS[blocking].message, ERRORS[blocking].tell_user)
    elif me.credits is None or me.can_manage_creations is None:
        unsaid = [
            what
            for what, value in (
                ("the credits", me.credits),
                ("whether the key may create", me.can_manage_creations),
            )
            if value is None
        ]
        report.add(
            "account",
            "warn",
            "the answer does not say " + " or ".join(unsaid),
            "kp-tools cannot check it before spending; see the /me shape line.",
        )
    return True


async def _catalog_check(report: Report, client: KPainterClient, key: ApiKey, raw: _Answer) -> None:
    try:
        catalog = await client.catalog(key)
    except KPainterError as error:
        _error_line(report, "/catalog", error)
        return
    _flaky(report, "/catalog", raw)
    types = [entry.type for entry in catalog.content_types]
    if not types:
        report.add(
            "/catalog",
            "fail",
            "no content types: agents could not create anything",
            "Report it to KPainter support.",
        )
        return
    report.add(
        "/catalog",
        "pass",
        f"{len(types)} content types ({_names(types)}), {len(catalog.languages)} languages, "
        f"{len(catalog.voices)} voices, {len(catalog.styles)} styles",
    )
    legacy = [name for name in types if name in LEGACY_TYPE_ALIASES]
    if legacy:
        report.add(
            "/catalog",
            "info",
            f"lists legacy type names ({_names(legacy)}); kp-tools maps them to "
            + _names([LEGACY_TYPE_ALIASES[name] for name in legacy]),
        )


async def _creations_check(
    report: Report, client: KPainterClient, key: ApiKey, raw: _Answer
) -> str | None:
    """The creations list; the first creation's id, if there is one, for the detail check."""
    try:
        page = await client.list_creations(key, {"page_size": 1})
    except KPainterError as error:
        _error_line(report, "/creations", error)
        return None
    _flaky(report, "/creations", raw)
    total = page.total if page.total is not None else f"{len(page.items)}+"
    report.add("/creations", "pass", f"the list answers ({total} creations)")
    return str(page.items[0].creation_id) if page.items else None


def _error_line(report: Report, name: str, error: KPainterError) -> None:
    info = ERRORS[error.code]
    status = f"HTTP {error.status}, " if error.status else ""
    fix = info.tell_user or (_fix_for_status(error.status) if error.status else None)
    if error.retry_after is not None:
        fix = f"Wait {error.retry_after:g} s and run kp-tools doctor again."
    report.add(name, "fail", f"{status}{error.code.value}: {error.message}", fix)


def _generation_check(report: Report, base_url: str, health: _Answer, *answers: _Answer) -> None:
    """Missing core endpoints while others answer: most likely another API generation."""
    answered = [a.path.split("?")[0] for a in (health, *answers) if a.status not in (None, 404)]
    missing = [
        a.path for a in answers if a.status == 404 and a.path in (PATHS["me"], PATHS["catalog"])
    ]
    if not missing:
        report.add("api generation", "pass", "the endpoints kp-tools uses answer (Generation A)")
        return
    listed = ", ".join(missing)
    if not answered:
        report.add(
            "api generation",
            "fail",
            f"nothing kp-tools uses exists under {base_url} (404 for /health, {listed})",
            f"{ENV_BASE_URL} must be the API root, e.g. {DEFAULT_BASE_URL}.",
        )
        return
    report.add(
        "api generation",
        "fail",
        f"{base_url} answers {', '.join(answered)} but has no {listed} (404): this looks like a "
        f"different generation of the KPainter API than the one kp-tools {__version__} speaks "
        f"(Generation A: {API_PREFIX} with /me, /catalog, /creations). Agents would fail on "
        "their first call.",
        f"Check {ENV_BASE_URL}; if it is right, look for a kp-tools release for this API "
        f"(pip install -U kp-tools) or ask KPainter ({MAIN_SITE}) which base URL to use.",
    )


# -- shapes --------------------------------------------------------------------------------------


def shape(report: Report, name: str, model: type[BaseModel], answer: _Answer) -> None:
    """Hold a raw answer against the model kp-tools reads it with."""
    label = f"{name} shape"
    if answer.status is None or not 200 <= answer.status < 300:
        return  # the status line (or the client's error) says why
    try:
        raw = json.loads(answer.body)
    except ValueError:
        start = answer.body[:60].decode("utf-8", "replace").strip()
        report.add(
            label,
            "fail",
            f"the answer is not JSON (it starts {start!r})",
            "Something between you and KPainter (a proxy, a captive portal) answered instead.",
        )
        return
    if not isinstance(raw, dict):
        report.add(label, "fail", f"the answer is a JSON {type(raw).__name__}, not an object")
        return
    try:
        model.model_validate(raw)
    except ValidationError as error:
        report.add(
            label,
            "fail",
            f"kp-tools cannot read it as {model.__name__}: {_problems(error)}",
            "The API changed shape; see the api generation line, and report it.",
        )
        return
    missing = [n for n in model.model_fields if n not in raw]
    extra = sorted(_extra_fields(model, raw))
    notes: list[str] = []
    if missing:
        notes.append("missing " + ", ".join(_with_guess(n, extra) for n in missing))
    try:
        model.model_validate_json(answer.body, strict=True)
    except ValidationError as error:
        notes.append(f"converted types: {_problems(error)}")
    if notes:
        report.add(
            label,
            "warn",
            f"read as {model.__name__}, but " + "; ".join(notes),
            "kp-tools treats missing fields as unknown; a renamed field means the API changed.",
        )
    else:
        report.add(label, "pass", f"matches {model.__name__}")
    if extra:
        report.add(label, "info", f"fields kp-tools does not use (kept as is): {_names(extra)}")


def _extra_fields(model: type[BaseModel], raw: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Keys of ``raw`` (and of nested objects) that ``model`` does not declare."""
    found = [prefix + key for key in raw if key not in model.model_fields]
    for name, info in model.model_fields.items():
        nested = _nested_model(info.annotation)
        value = raw.get(name)
        if nested is None or value is None:
            continue
        items = value if isinstance(value, list) else [value]
        seen: set[str] = set()
        for item in items:
            if isinstance(item, dict):
                seen.update(
                    _extra_fields(
                        nested, item, f"{prefix}{name}{'[]' if isinstance(value, list) else ''}."
                    )
                )
        found += sorted(seen)
    return found


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        nested = _nested_model(argument)
        if nested is not None:
            return nested
    return None


def _with_guess(name: str, extra: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, [e for e in extra if "." not in e], n=1, cutoff=0.5)
    return f"{name} (renamed {close[0]}?)" if close else name


def _problems(error: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in p['loc']) or 'body'}: {p['msg']}" for p in error.errors()
    ]
    more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
    return "; ".join(problems[:3]) + more


def _names(names: Sequence[str]) -> str:
    more = f", +{len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else ""
    return ", ".join(names[:MAX_NAMES]) + more
