"""kp_tools.keys: the key type never shows its secret, the resolution order, invented keys dropped.

Scrubbing keys out of text, outcomes and logs is kp_tools.redaction's (tests/test_redaction.py).
"""

from __future__ import annotations

import pickle

import pytest

from kp_tools import ApiKey
from kp_tools.keys import resolve_api_key, without_invented_keys

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
