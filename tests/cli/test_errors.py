"""Errors say what to do: the message, tell_user, a kp-tools hint, field problems; exit code 1."""

from __future__ import annotations

import json

import pytest

from kp_tools.retry import RetryPolicy
from tests.cli.conftest import Cli, lines


def test_no_credits_sends_the_user_to_the_main_site(cli: Cli) -> None:
    result = cli("create", "--sandbox", "--api-key", "kgp_sandbox_broke", "slides_video", "Owls")
    assert result.exit_code == 1
    assert "0 credits" in result.output  # the kp_me line shows why before the refusal
    assert "kp_create_creation failed: insufficient_credits" in result.stderr
    assert "What to do: Top up or subscribe on the main site (https://kpainter.ai)" in " ".join(
        lines(result.stderr)
    )
    assert "kgp_sandbox_broke" not in result.output  # the key itself is never printed


def test_a_key_that_cannot_create_stops_before_creating(cli: Cli, fast_sandbox: None) -> None:
    result = cli("create", "--sandbox", "--api-key", "kgp_sandbox_readonly", "slide_deck", "X")
    assert result.exit_code == 1
    assert "cannot create" in result.output
    assert "insufficient_permission" in result.stderr
    listed = cli("list", "--sandbox", "--api-key", "kgp_sandbox_readonly", "--json")
    assert json.loads(listed.stdout)["result"]["total"] == 0


def test_invalid_options_are_listed_with_the_allowed_values(cli: Cli) -> None:
    result = cli(
        "create", "--sandbox", "slides_video", "Owls", "--scene-count", "50", "--voice-id", "nope"
    )
    assert result.exit_code == 1
    rows = lines(result.stderr)
    assert "Invalid arguments, nothing was sent." in rows
    assert any(r.startswith("scene_count") and r.endswith("1, 20") for r in rows)
    voice = next(r for r in rows if r.startswith("voice_id"))
    assert "unknown voice 'nope'" in voice and "v_en_female_1, v_en_male_1" in voice


def test_a_revoked_key_is_told_to_recheck_and_which_keys_the_sandbox_takes(cli: Cli) -> None:
    result = cli("me", "--sandbox", "--api-key", "kgp_sandbox_revoked")
    assert result.exit_code == 1
    text = " ".join(lines(result.stderr))
    assert "invalid_api_key" in text
    assert "reactivate it on the API Key page: https://kpainter.ai/api-key" in text
    assert "the sandbox accepts only its seeded keys" in text


def test_without_a_key_the_real_api_is_not_called_and_the_sandbox_is_offered(cli: Cli) -> None:
    result = cli("me")
    assert result.exit_code == 1
    text = " ".join(lines(result.stderr))
    assert "missing_api_key" in text
    assert "pass --api-key, or export KGP_API_KEY" in text
    assert "--sandbox" in text


def test_an_unreachable_api_says_to_check_the_url(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KGP_BASE_URL", "http://127.0.0.1:9/openapi/v1")
    # One attempt instead of four with backoff: the message is what is tested, not the retries.
    monkeypatch.setattr("kp_tools.client.RetryPolicy", lambda: RetryPolicy(attempts=1))
    result = cli("me", "--api-key", "kgp_live_abcdefghijkl")
    assert result.exit_code == 1
    text = " ".join(lines(result.stderr))
    assert "upstream_unavailable" in text
    assert "check the network and KGP_BASE_URL (http://127.0.0.1:9/openapi/v1)" in text
    assert "kgp_live_abcdefghijkl" not in result.output


def test_an_unknown_creation_points_at_list(cli: Cli) -> None:
    result = cli("get", "42", "--sandbox")
    assert result.exit_code == 1
    assert "not_found" in result.stderr
    assert "kp-tools list shows the creations this key can see" in " ".join(lines(result.stderr))


def test_errors_as_json_keep_the_outcome_shape(cli: Cli) -> None:
    result = cli("create", "--sandbox", "--json", "--api-key", "kgp_sandbox_broke", "image", "X")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "insufficient_credits" and error["must_stop"] is True
    assert "kpainter.ai" in error["tell_user"]


def test_a_real_key_in_the_environment_is_not_sent_to_the_sandbox(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KGP_API_KEY", "kgp_live_abcdefghijkl")
    assert json.loads(cli("me", "--sandbox", "--json").stdout)["result"]["name"] == "Ada Member"
    monkeypatch.setenv("KGP_API_KEY", "kgp_sandbox_free")  # a sandbox key is used
    assert json.loads(cli("me", "--sandbox", "--json").stdout)["result"]["name"] == "Fred Free"
