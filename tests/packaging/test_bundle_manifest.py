"""bundle/manifest.json says what the code has: the version, the tools, the key's setting.

And the bundle's launcher turns Claude Desktop's settings into kp-mcp's command line.
"""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

import kp_tools
from kp_tools import SPECS, keys
from tests.packaging.conftest import REPO

MANIFEST = json.loads((REPO / "bundle" / "manifest.json").read_text())
CONFIG = MANIFEST["server"]["mcp_config"]


def launcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kp_bundle_main", REPO / "bundle/server/main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_manifest_is_the_current_version_of_the_format_and_of_kp_tools() -> None:
    assert MANIFEST["manifest_version"] == "0.4"  # mcpb 2.1's LATEST_MANIFEST_VERSION
    assert MANIFEST["version"] == kp_tools.__version__
    assert CONFIG["command"] == "uvx"
    assert CONFIG["args"][:2] == ["--from", f"kp-tools[mcp]=={kp_tools.__version__}"]
    assert CONFIG["args"][2:] == ["python", "${__dirname}/" + MANIFEST["server"]["entry_point"]]


def test_the_manifest_lists_every_tool_with_its_title() -> None:
    assert [(tool["name"], tool["description"]) for tool in MANIFEST["tools"]] == [
        (name, spec.title) for name, spec in SPECS.items()
    ]


def test_the_key_is_asked_as_a_sensitive_setting_and_the_sandbox_is_offered() -> None:
    settings = MANIFEST["user_config"]
    assert settings["api_key"]["type"] == "string"
    assert settings["api_key"]["sensitive"] is True
    assert settings["api_key"]["required"] is False  # the sandbox needs none
    assert settings["sandbox"]["type"] == "boolean"
    assert settings["sandbox"]["default"] is False
    assert CONFIG["env"] == {
        keys.ENV_KEY: "${user_config.api_key}",
        launcher().SANDBOX: "${user_config.sandbox}",
    }


def test_the_launcher_turns_the_sandbox_setting_into_the_flag_and_drops_the_key() -> None:
    main = launcher()
    environ = {main.SANDBOX: "true", keys.ENV_KEY: "kgp_live_0123456789"}
    assert main.kp_mcp_argv(environ) == ["kp-mcp", "--sandbox"]
    assert environ == {}


def test_the_launcher_keeps_the_key_for_the_real_api() -> None:
    main = launcher()
    environ = {main.SANDBOX: "false", keys.ENV_KEY: "kgp_live_0123456789"}
    assert main.kp_mcp_argv(environ) == ["kp-mcp"]
    assert environ == {keys.ENV_KEY: "kgp_live_0123456789"}
