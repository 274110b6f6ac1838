"""A key never appears in outcomes, errors, reprs or logs; state is keyed by a hash of it."""

from __future__ import annotations

import json
import logging
import pickle

import pytest

from kp_tools import ApiKey, ErrorCode, Executor, RetryPolicy, Sandbox
from kp_tools.keys import resolve_api_key, without_invented_keys
from kp_tools.redaction import redact
from kp_tools.sandbox import Fault

SECRET = "kgp_live_7Qx9ZtY2wVbN4mK8pL3s"


def test_api_key_repr_str_and_pickle_never_show_the_secret() -> None:
    key = ApiKey(SECRET)
    assert SECRET not in repr(key) and SECRET not in str(key) and SECRET not in f"{key}"
    assert key.prefix.startswith("kgp_") and len(key.prefix) <= 9
    assert SECRET not in key.fingerprint
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_fingerprints_are_stable_and_distinct() -> None:
    assert ApiKey(SECRET).fingerprint == ApiKey(SECRET).fingerprint
    assert ApiKey(SECRET).fingerprint != ApiKey(SECRET + "x").fingerprint


def test_resolution_skips_blank_values_and_reads_env_in_order() -> None:
    env = {"PARTNER_MCP_DEFAULT_API_KEY": " ", "KGP_API_KEY": "kgp_env"}
    assert resolve_api_key(None, "", env=env) == ApiKey("kgp_env")
    assert resolve_api_key(None, None, env={}) is None


def test_redact_removes_known_keys_and_key_shaped_text() -> None:
    ApiKey(SECRET)
    text = redact(f"upstream said: bad key {SECRET}; also kgp_someone_elses_key_123")
    assert SECRET not in text and "kgp_someone_elses_key_123" not in text


async def test_no_outcome_error_repr_or_log_contains_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every tool, through success and every error path, with logging at DEBUG."""
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
    await run("kp_list_creations", {"query": SECRET})
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

    seen.extend(record.getMessage() for record in caplog.records)
    seen.extend(str(record.args) for record in caplog.records)
    assert not [text for text in seen if SECRET in text]


@pytest.mark.parametrize(
    "name", ["api_key", "apiKey", "X-Api-Key", "auth_token", "token", "password"]
)
def test_an_invented_credential_argument_is_dropped(name: str) -> None:
    assert without_invented_keys({name: "kgp_made_up", "prompt": "Tides"}, ["prompt"]) == {
        "prompt": "Tides"
    }


@pytest.mark.parametrize("name", ["keywords", "author", "max_tokens", "monkey", "keyframe"])
def test_an_ordinary_unknown_argument_is_kept_for_the_executor_to_refuse(name: str) -> None:
    # Dropping it would run a create without what the model asked for, where MCP refuses it.
    assert without_invented_keys({name: "x", "prompt": "Tides"}, ["prompt"]) == {
        name: "x",
        "prompt": "Tides",
    }


@pytest.mark.parametrize("secret", ["ok", "null", "false", "key", "code", "error"])
async def test_a_key_spelled_like_the_outcomes_own_words_still_gets_an_outcome(secret: str) -> None:
    executor = Executor.for_sandbox(Sandbox())

    outcome = await executor.run("kp_me", api_key=secret)

    assert outcome.code is ErrorCode.INVALID_API_KEY
    assert json.loads(outcome.text())["error"]["code"] == "invalid_api_key"
    await executor.aclose()


def test_a_short_key_seen_once_does_not_garble_other_users_text() -> None:
    ApiKey("a")
    assert redact("The API key was rejected, try again.") == "The API key was rejected, try again."
