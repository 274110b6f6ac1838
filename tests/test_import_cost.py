"""``import kp_tools`` and the executor load no agent framework: they are optional extras.

Each check runs in a fresh interpreter, since this test process has long imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FRAMEWORKS = ("langchain", "langchain_core", "langgraph", "llama_index", "mcp")


def modules_loaded_by(code: str, *, top_level: bool = True) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code`` (top-level names)."""
    name = 'name.split(".")[0]' if top_level else "name"
    probe = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import json as _json, sys as _sys
        print(_json.dumps(sorted({{{name} for name in _sys.modules}})))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_import_kp_tools_loads_no_framework() -> None:
    loaded = modules_loaded_by("import kp_tools")

    assert "kp_tools" in loaded
    assert loaded.isdisjoint(FRAMEWORKS)


def test_running_the_executor_on_the_sandbox_loads_no_framework() -> None:
    loaded = modules_loaded_by(
        """
        from kp_tools import Executor, Sandbox
        executor = Executor.for_sandbox(Sandbox())
        outcome = executor.run_sync("kp_me", {}, api_key="kgp_sandbox_member")
        assert outcome.ok, outcome.text()
        """
    )

    assert "httpx" in loaded  # the probe did run the executor
    assert loaded.isdisjoint(FRAMEWORKS)


def test_each_adapter_loads_only_its_own_framework() -> None:
    langchain = modules_loaded_by("from kp_tools.langchain import KPainterToolkit")
    llamaindex = modules_loaded_by("from kp_tools.llamaindex import KPainterToolSpec")

    assert "langchain_core" in langchain
    assert langchain.isdisjoint({"llama_index", "mcp"})
    assert "llama_index" in llamaindex
    assert llamaindex.isdisjoint({"langchain", "langchain_core", "mcp"})


def test_a_stdio_kp_mcp_is_ready_to_list_tools_before_loading_what_a_call_needs() -> None:
    """Hosts start kp-mcp far more often than they call a tool: the start pays for the list only."""
    loaded = modules_loaded_by(
        """
        from kp_tools.mcp.cli import build_parser, prepare
        serve = prepare(build_parser().parse_args(["--sandbox", "--log-level", "error"]))
        """,
        top_level=False,
    )

    assert "kp_tools.mcp.tools" in loaded  # the probe did build the server and its tool list
    call_only = {
        "httpx",
        "kp_tools.client",
        "kp_tools.executor.executor",
        "kp_tools.sandbox",
        "kp_tools.mcp.call_flow",
        "kp_tools.spending.budget",
        "kp_tools.state.memory",
    }
    assert loaded.isdisjoint(call_only), loaded & call_only
