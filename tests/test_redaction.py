"""kp_tools.redaction: keys are scrubbed from text, outcomes and logs; entry points own logging.

Importing the library must change no global logging state (an application's logging is its own);
``kp-tools`` and ``kp-mcp`` install the redacting record factory when they run. Those checks run
in a fresh interpreter each, since this test process may already have run an entry point.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kp_tools import ApiKey, ErrorCode, Executor, RetryPolicy, Sandbox
from kp_tools.redaction import install_log_redaction, redact, redact_secrets
from kp_tools.sandbox import Fault

ROOT = Path(__file__).resolve().parents[1]
SECRET = "kgp_live_7Qx9ZtY2wVbN4mK8pL3s"
# Not key-shaped (no kgp_ prefix): only the registry of keys seen can find it in a log line.
PLAIN_SECRET = "live_7Qx9ZtY2wVbN4mK8pL3s_plain"

# Run in the child: register a key as the library does, then see whether a log record of an HTTP
# library quoting it comes out redacted.
_PROBE = """
import json, logging
from kp_tools.keys import ApiKey

def probe():
    ApiKey(SECRET)
    record = logging.getLogger("httpx").makeRecord(
        "httpx", logging.INFO, "client.py", 1, "GET /creations?query=%s", (SECRET,), None
    )
    return {
        "factory_is_default": logging.getLogRecordFactory() is logging.LogRecord,
        "key_in_log_line": SECRET in record.getMessage(),
    }
"""


def run_child(body: str) -> dict[str, Any]:
    """Run ``body`` (which ends by printing a JSON object) in a fresh interpreter."""
    script = f"SECRET = {PLAIN_SECRET!r}\n" + _PROBE + textwrap.dedent(body)
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"KGP_API_KEY", "PARTNER_MCP_DEFAULT_API_KEY", "KP_STATE_URL"}
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# -- text ---------------------------------------------------------------------------------------


def test_redact_removes_known_keys_and_key_shaped_text() -> None:
    ApiKey(SECRET)
    text = redact(f"upstream said: bad key {SECRET}; also kgp_someone_elses_key_123")
    assert SECRET not in text
    assert "kgp_someone_elses_key_123" not in text
    assert "kgp_live…" in text  # the display prefix stays, so a person can tell which key


def test_redact_secrets_removes_the_given_key_even_when_it_is_not_key_shaped() -> None:
    # A third of a short key at most is shown: the prefix must not give most of it away.
    assert redact_secrets("the key was hunter22", ["hunter22"]) == "the key was hu…"


def test_a_short_key_seen_once_does_not_garble_other_users_text() -> None:
    ApiKey("a")
    assert redact("The API key was rejected, try again.") == "The API key was rejected, try again."


@pytest.mark.parametrize("secret", ["ok", "null", "false", "key", "code", "error"])
async def test_a_key_spelled_like_the_outcomes_own_words_still_gets_an_outcome(secret: str) -> None:
    executor = Executor.for_sandbox(Sandbox())

    outcome = await executor.run("kp_me", api_key=secret)

    assert outcome.code is ErrorCode.INVALID_API_KEY
    assert json.loads(outcome.text())["error"]["code"] == "invalid_api_key"
    await executor.aclose()


# -- outcomes, errors, reprs and logs of a whole workflow -------------------------------------


async def test_no_outcome_error_repr_or_log_contains_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every tool, through success and every error path, logging at DEBUG, as an app that
    embeds kp-tools and calls install_log_redaction() at start-up (as the entry points do)."""
    install_log_redaction()
    sandbox = Sandbox()
    sandbox.add_account(SECRET, credits=100)
    fast = RetryPolicy(initial_backoff=0.001, max_backoff=0.01)
    executor = Executor(sandbox.client(retry=fast), env={})
    seen: list[str] = [repr(executor)]
    caplog.set_level(logging.DEBUG)

    async def run(tool: str, arguments: dict[str, object] | None = None) -> None:
        outcome = await executor.run(tool, arguments, api_key=SECRET)
        seen.extend([outcome.text(), repr(outcome), outcome.model_dump_json()])

    await run("kp_create_creation", {"type": "image", "prompt": "x"})  # kp_me_required
    await run("kp_me")
    await run("kp_get_catalog")
    await run("kp_create_creation", {"type": "image", "prompt": "x", "aspect_ratio": "4:3"})
    await run("kp_create_creation", {"type": "image", "prompt": "A cat"})
    await run("kp_list_creations", {"query": SECRET})  # httpx logs the URL, query and all
    await run("kp_get_creation", {"creation_id": 1})
    await run("kp_get_creation", {"creation_id": 404})
    await run("kp_get_job_status", {"job_id": 2})
    await run("kp_edit_scene", {"creation_id": 1, "scene_id": "s1", "action": "regenerate_scene"})
    sandbox.faults.add(Fault("status", status=500, times=None))
    await run("kp_get_catalog")
    sandbox.faults.clear()
    sandbox.faults.add(Fault("drop", path="/creations", method="POST", after_processing=True))
    await run("kp_create_creation", {"type": "image", "prompt": "A dog"})
    await run("kp_create_creation", {"type": "explainer_video", "prompt": "Big", "quality": "4K"})
    sandbox.account(SECRET).active = False
    await run("kp_me")
    await run("kp_health")

    assert any("query=" in record.getMessage() for record in caplog.records)  # it was logged
    seen.extend(record.getMessage() for record in caplog.records)
    seen.extend(str(record.args) for record in caplog.records)
    assert not [text for text in seen if SECRET in text]


# -- who installs log redaction -----------------------------------------------------------------


@pytest.mark.slow
def test_importing_and_using_the_library_leaves_logging_alone() -> None:
    seen = run_child(
        """
        import asyncio
        import kp_tools.cli.app, kp_tools.client, kp_tools.executor, kp_tools.mcp.cli
        import kp_tools.mcp.server, kp_tools.redaction, kp_tools.sandbox
        from kp_tools import Executor

        async def main():
            executor = Executor.for_sandbox()
            await executor.run("kp_me", api_key="kgp_sandbox_member")
            await executor.aclose()

        asyncio.run(main())
        print(json.dumps(probe()))
        """
    )
    assert seen == {"factory_is_default": True, "key_in_log_line": True}


@pytest.mark.slow
def test_the_kp_tools_command_installs_log_redaction_when_it_runs() -> None:
    seen = run_child(
        """
        from typer.testing import CliRunner
        from kp_tools.cli import app

        result = CliRunner().invoke(app, ["describe"])
        assert result.exit_code == 0, result.output
        print(json.dumps(probe()))
        """
    )
    assert seen == {"factory_is_default": False, "key_in_log_line": False}


@pytest.mark.slow
def test_kp_mcp_has_log_redaction_installed_by_the_time_it_serves() -> None:
    seen = run_child(
        """
        import kp_tools.mcp.cli as cli

        at_serve_time = {}
        # Serving stdio would wait for a host on stdin: look at logging at that moment instead.
        cli._serve_stdio_now = lambda server, executor: at_serve_time.update(probe())
        cli.main(["--sandbox"])
        print(json.dumps(at_serve_time))
        """
    )
    assert seen == {"factory_is_default": False, "key_in_log_line": False}
