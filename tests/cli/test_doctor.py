"""``kp-tools doctor`` against three upstreams on loopback ports: ``kp-tools sandbox`` as is, the
same with faults switched on, and a fake KPainter whose answers have drifted from what kp-tools
expects. Assertions are on what the user reads: the lines, the JSON and the exit code."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.cli.conftest import Cli, lines
from tests.processes import free_port

pytestmark = pytest.mark.slow

SECRET = "kgp_live_7Qx9Vb2Lm4Np8Rs6Tu1Wy3Za5C"  # a made-up key that must never be printed


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def line(output: str, status: str, name: str) -> str:
    """The one line with this status and check name (fails the test if there is none)."""
    found = [text for text in lines(output) if re.split(r"\s{2,}", text)[:2] == [status, name]]
    assert found, f"no {status!r} line for {name!r} in:\n{output}"
    return found[0]


def fix_after(output: str, status: str, name: str) -> str:
    """The '→ what to do' line printed under that check."""
    shown = lines(output)
    index = shown.index(line(output, status, name))
    assert shown[index + 1].startswith("→"), shown[index + 1]
    return shown[index + 1]


# -- kp-tools sandbox on a port -----------------------------------------------------------------


@pytest.fixture
def api(served_api: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The served sandbox as KGP_BASE_URL; its faults cleared after each test."""
    monkeypatch.setenv("KGP_BASE_URL", served_api)
    yield served_api
    httpx.delete(served_api.removesuffix("/openapi/v1") + "/_sandbox/faults")


def switch_on(api: str, **fault: Any) -> None:
    response = httpx.post(api.removesuffix("/openapi/v1") + "/_sandbox/faults", json=fault)
    assert response.status_code == 200, response.text


def test_a_healthy_api_passes_every_check(
    cli: Cli, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KGP_API_KEY", "kgp_sandbox_member")
    result = cli("doctor")
    assert result.exit_code == 0, result.output
    assert lines(result.output)[0] == f"kp-tools doctor: {api}"
    assert "kgp_sa… from KGP_API_KEY" in line(result.output, "pass", "key")
    assert "(from KGP_BASE_URL)" in line(result.output, "pass", "url")
    assert "127.0.0.1 is an address" in line(result.output, "pass", "dns")
    assert "plain HTTP" in line(result.output, "pass", "connect")
    me = line(result.output, "pass", "/me")
    assert "valid key for Ada Member, member plan, 1000 credits, can manage creations" in me
    assert "6 content types (explainer_video, slides_video" in line(
        result.output, "pass", "/catalog"
    )
    for name in ("/me shape", "/catalog shape", "/creations shape"):
        assert "matches" in line(result.output, "pass", name)
    assert "Generation A" in line(result.output, "pass", "api generation")
    assert "FAIL" not in result.output and "warn" not in result.output
    assert lines(result.output)[-1] == "Nothing failed."


def test_json_has_every_check_and_the_verdict(
    cli: Cli, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KGP_API_KEY", "kgp_sandbox_member")
    result = cli("doctor", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["target"] == api
    assert report["counts"]["fail"] == 0 and report["counts"]["warn"] == 0
    by_name = {check["name"]: check for check in report["checks"] if check["status"] != "info"}
    assert {"python", "kp-tools", "key", "url", "dns", "connect", "/health", "/me"} <= set(by_name)
    assert set(report["checks"][0]) == {"name", "status", "message", "fix"}
    assert by_name["api generation"]["status"] == "pass"


def test_a_revoked_key_fails_at_me_and_says_where_to_fix_it(cli: Cli, api: str) -> None:
    result = cli("doctor", "--api-key", "kgp_sandbox_revoked")
    assert result.exit_code == 1
    assert "HTTP 401, invalid_api_key" in line(result.output, "FAIL", "/me")
    assert "https://kpainter.ai/api-key" in fix_after(result.output, "FAIL", "/me")
    assert "needs a key KPainter accepts" in line(result.output, "skip", "/catalog")
    assert lines(result.output)[-1] == "1 failed: /me. Fix the first one first."


def test_no_key_fails_and_names_the_whole_chain(cli: Cli, api: str) -> None:
    result = cli("doctor")
    assert result.exit_code == 1
    message = line(result.output, "FAIL", "key")
    assert "--api-key, PARTNER_MCP_DEFAULT_API_KEY, KGP_API_KEY" in message
    assert "export KGP_API_KEY" in fix_after(result.output, "FAIL", "key")
    assert "HTTP 200" in line(result.output, "pass", "/health")  # the rest still ran
    assert line(result.output, "skip", "/me")


def test_the_key_chain_order_is_reported(
    cli: Cli, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTNER_MCP_DEFAULT_API_KEY", "kgp_sandbox_free")
    monkeypatch.setenv("KGP_API_KEY", "kgp_sandbox_member")
    result = cli("doctor")
    assert result.exit_code == 0, result.output
    assert "from PARTNER_MCP_DEFAULT_API_KEY" in line(result.output, "pass", "key")
    shadowed = line(result.output, "info", "key")
    assert "KGP_API_KEY is also set, but PARTNER_MCP_DEFAULT_API_KEY comes first" in shadowed
    assert "Fred Free, free plan, 100 credits" in line(result.output, "pass", "/me")


def test_an_account_without_credits_warns_but_does_not_fail(cli: Cli, api: str) -> None:
    result = cli("doctor", "--api-key", "kgp_sandbox_broke")
    assert result.exit_code == 0, result.output
    assert "0 credits" in line(result.output, "pass", "/me")
    assert "Not enough KPainter credits" in line(result.output, "warn", "account")
    assert "https://kpainter.ai" in fix_after(result.output, "warn", "account")
    assert lines(result.output)[-1] == "Nothing failed (1 warnings)."


def test_a_read_only_key_warns_that_it_cannot_create(cli: Cli, api: str) -> None:
    result = cli("doctor", "--api-key", "kgp_sandbox_readonly")
    assert result.exit_code == 0, result.output
    assert "cannot manage creations" in line(result.output, "pass", "/me")
    assert line(result.output, "warn", "account")


# -- the same, with faults switched on ----------------------------------------------------------


def test_a_catalog_that_keeps_failing_fails(cli: Cli, api: str) -> None:
    switch_on(api, kind="status", status=503, path="/catalog", times=None)
    result = cli("doctor", "--api-key", "kgp_sandbox_member")
    assert result.exit_code == 1
    assert "HTTP 503, upstream_unavailable" in line(result.output, "FAIL", "/catalog")
    assert "try again in a minute" in fix_after(result.output, "FAIL", "/catalog")
    assert "valid key for Ada Member" in line(result.output, "pass", "/me")


def test_one_failed_answer_that_a_retry_gets_past_is_a_warning(cli: Cli, api: str) -> None:
    switch_on(api, kind="status", status=503, path="/me", times=1)
    result = cli("doctor", "--api-key", "kgp_sandbox_member")
    assert result.exit_code == 0, result.output
    flaky = line(result.output, "warn", "/me")
    assert "a first request got HTTP 503; the toolkit's retry got through" in flaky
    assert "valid key for Ada Member" in line(result.output, "pass", "/me")


def test_a_proxy_error_page_instead_of_json_is_named(cli: Cli, api: str) -> None:
    switch_on(api, kind="malformed", path="/catalog", times=None)
    result = cli("doctor", "--api-key", "kgp_sandbox_member")
    assert result.exit_code == 1
    assert "the answer is not JSON (it starts '<html>502 Bad Gateway')" in line(
        result.output, "FAIL", "/catalog shape"
    )
    assert "proxy" in fix_after(result.output, "FAIL", "/catalog shape")
    assert "not JSON" in line(result.output, "FAIL", "/catalog")


def test_a_long_rate_limit_says_how_long_to_wait(cli: Cli, api: str) -> None:
    switch_on(api, kind="status", status=429, retry_after=30, path="/me", times=None)
    result = cli("doctor", "--api-key", "kgp_sandbox_member")
    assert result.exit_code == 1
    assert "HTTP 429, rate_limited" in line(result.output, "FAIL", "/me")
    assert "Wait 30 s and run kp-tools doctor again" in fix_after(result.output, "FAIL", "/me")


# -- a fake KPainter whose answers drifted ------------------------------------------------------


class Upstream:
    """A tiny Starlette app on a loopback port; each test sets what each path answers."""

    def __init__(self, **uvicorn_options: Any) -> None:
        self.answers: dict[str, tuple[int, Any]] = {}
        self.keys_seen: list[str | None] = []

        async def answer(request: Request) -> Response:
            self.keys_seen.append(request.headers.get("x-kgp-api-key"))
            path = request.url.path.removeprefix("/openapi/v1")
            status, body = self.answers.get(path, (404, {"detail": "Not Found"}))
            return JSONResponse(body, status_code=status)

        app = Starlette(routes=[Route("/{path:path}", answer)])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/openapi/v1"
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", **uvicorn_options
            )
        )


@contextlib.contextmanager
def serving(upstream: Upstream) -> Iterator[Upstream]:
    """Serve ``upstream`` on its port from a thread until the block ends."""
    thread = threading.Thread(target=upstream.server.run, daemon=True)
    thread.start()
    while not upstream.server.started:
        thread.join(0.02)
        assert thread.is_alive(), "the fake upstream did not start"
    try:
        yield upstream
    finally:
        upstream.server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def running_upstream() -> Iterator[Upstream]:
    with serving(Upstream()) as upstream:
        yield upstream


@pytest.fixture
def upstream(running_upstream: Upstream, monkeypatch: pytest.MonkeyPatch) -> Upstream:
    running_upstream.answers.clear()
    running_upstream.keys_seen.clear()
    monkeypatch.setenv("KGP_BASE_URL", running_upstream.url)
    monkeypatch.setenv("KGP_API_KEY", SECRET)
    return running_upstream


NEXT_GENERATION = {
    "/health": (200, {"status": "ok", "version": "2"}),
    "/me": (
        200,
        {
            "user_id": "usr_1",
            "name": "Nia Next",
            "plan": "member",
            "credit_balance": 700,
            "permissions": ["creations:write"],
            "api_key": SECRET,  # an upstream that echoes the key back
        },
    ),
    "/catalog": (404, {"detail": f"no route /catalog for key {SECRET}"}),
    "/creations": (200, {"items": [], "page": 1, "page_size": 1, "total": 0}),
}


def test_renamed_fields_and_a_missing_catalog_read_as_another_generation(
    cli: Cli, upstream: Upstream
) -> None:
    upstream.answers.update(NEXT_GENERATION)
    result = cli("doctor")
    assert result.exit_code == 1
    me_shape = line(result.output, "warn", "/me shape")
    assert "read as Me, but missing" in me_shape
    assert "credits (renamed credit_balance?)" in me_shape
    assert "can_manage_creations" in me_shape
    extra = line(result.output, "info", "/me shape")
    assert "api_key, credit_balance, permissions" in extra
    assert "credits unknown, permission unknown" in line(result.output, "pass", "/me")
    assert "does not say the credits or whether the key may create" in line(
        result.output, "warn", "account"
    )
    assert "HTTP 404, not_found" in line(result.output, "FAIL", "/catalog")
    generation = line(result.output, "FAIL", "api generation")
    assert "answers /health, /me, /creations but has no /catalog (404)" in generation
    assert "different generation of the KPainter API" in generation
    assert "pip install -U kp-tools" in fix_after(result.output, "FAIL", "api generation")


def test_no_kpainter_api_at_the_url_at_all(cli: Cli, upstream: Upstream) -> None:
    result = cli("doctor")
    assert result.exit_code == 1
    assert "HTTP 404" in line(result.output, "FAIL", "/health")
    assert "/me" in line(result.output, "FAIL", "/me")
    generation = line(result.output, "FAIL", "api generation")
    assert "nothing kp-tools uses exists under" in generation


def test_wrong_types_are_reported_by_field(cli: Cli, upstream: Upstream) -> None:
    upstream.answers.update(
        {
            "/health": (200, {"status": "ok"}),
            "/me": (
                200,
                {"name": "Sam", "plan": "member", "credits": "1000", "can_manage_creations": True},
            ),
            "/catalog": (200, {"content_types": [{"type": "image", "aspect_ratios": "1:1"}]}),
            "/creations": (200, {"items": [], "total": 0}),
        }
    )
    result = cli("doctor")
    assert result.exit_code == 1
    converted = line(result.output, "warn", "/me shape")
    assert "converted types: credits: Input should be a valid integer" in converted
    assert "1000 credits" in line(result.output, "pass", "/me")
    unreadable = line(result.output, "FAIL", "/catalog shape")
    assert "cannot read it as Catalog: content_types.0.aspect_ratios" in unreadable
    assert "unexpected body" in line(result.output, "FAIL", "/catalog")


def test_the_key_never_appears_in_the_output(cli: Cli, upstream: Upstream) -> None:
    upstream.answers.update(NEXT_GENERATION)
    text = cli("doctor")
    as_json = cli("doctor", "--json")
    assert upstream.keys_seen.count(SECRET) >= 4  # it was sent, and echoed back
    for output in (text.output, as_json.stdout):
        assert SECRET not in output
        assert SECRET[8:20] not in output
    assert "kgp_live… from KGP_API_KEY" in line(text.output, "pass", "key")
    json.loads(as_json.stdout)


def test_the_key_never_appears_when_it_is_refused(cli: Cli, api: str) -> None:
    for args in (("doctor", "--api-key", SECRET), ("doctor", "--api-key", SECRET, "--json")):
        result = cli(*args)
        assert result.exit_code == 1
        assert SECRET not in result.output
        assert "invalid_api_key" in result.output


# -- the route ----------------------------------------------------------------------------------


def test_nothing_listening_fails_at_connect(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGP_BASE_URL", f"http://127.0.0.1:{free_port()}/openapi/v1")
    monkeypatch.setenv("KGP_API_KEY", "kgp_sandbox_member")
    result = cli("doctor")
    assert result.exit_code == 1
    assert "cannot connect to 127.0.0.1:" in line(result.output, "FAIL", "connect")
    assert "Is the server running" in fix_after(result.output, "FAIL", "connect")
    assert "/me" not in result.output  # no point asking anything else


def test_a_proxy_in_the_way_of_a_local_url_is_named(
    cli: Cli, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = f"http://me:hunter22@127.0.0.1:{free_port()}"
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("KGP_API_KEY", "kgp_sandbox_member")
    result = cli("doctor")
    assert result.exit_code == 1
    assert "hunter22" not in result.output
    warning = line(result.output, "warn", "proxy")
    assert "requests to 127.0.0.1 go through http://me:***@127.0.0.1" in warning
    assert "through the proxy" in line(result.output, "FAIL", "connect")
    assert "NO_PROXY" in fix_after(result.output, "FAIL", "connect")

    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    direct = cli("doctor")
    assert direct.exit_code == 0, direct.output
    assert "requests to 127.0.0.1 go direct" in line(direct.output, "info", "proxy")


def test_a_url_that_is_not_http_fails_before_any_request(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KGP_BASE_URL", "api.kpainter.ai/openapi/v1")
    result = cli("doctor", "--api-key", "kgp_sandbox_member")
    assert result.exit_code == 1
    assert "is not an http(s) URL" in line(result.output, "FAIL", "url")
    assert "dns" not in result.output


# -- --sandbox ----------------------------------------------------------------------------------


def test_sandbox_checks_the_install_without_the_network(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KGP_BASE_URL", f"http://127.0.0.1:{free_port()}/openapi/v1")  # unused
    monkeypatch.setenv("KGP_API_KEY", SECRET)  # a real key is not sent to the sandbox
    result = cli("doctor", "--sandbox")
    assert result.exit_code == 0, result.output
    assert lines(result.output)[0].startswith("kp-tools doctor: embedded sandbox")
    assert "from the sandbox's default member key" in line(result.output, "pass", "key")
    assert "in-process, no network" in line(result.output, "pass", "connect")
    assert "valid key for Ada Member" in line(result.output, "pass", "/me")
    for name in ("extra langchain", "extra llamaindex", "extra mcp"):
        assert line(result.output, "pass", name)
    assert SECRET not in result.output


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a certificate")
def test_a_certificate_that_does_not_verify_is_named_as_tls(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a TLS-inspecting proxy looks like from here: an HTTPS server nobody trusts."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subprocess.run(
        [*openssl, "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    upstream = Upstream(ssl_keyfile=str(key), ssl_certfile=str(cert))
    with serving(upstream):
        monkeypatch.setenv("KGP_BASE_URL", upstream.url.replace("http://", "https://"))
        result = cli("doctor", "--api-key", "kgp_sandbox_member")
    assert result.exit_code == 1
    assert "TLS to 127.0.0.1:" in line(result.output, "FAIL", "connect")
    assert "CERTIFICATE_VERIFY_FAILED" in line(result.output, "FAIL", "connect")
    assert "SSL_CERT_FILE" in fix_after(result.output, "FAIL", "connect")
