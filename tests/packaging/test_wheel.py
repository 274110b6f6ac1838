"""The wheel and the sdist, as a user who never clones the repository gets them.

The archives are read as they are; then the wheel is installed (not editable) into fresh virtual
environments, and the installed programs are run from outside the repository.
"""

from __future__ import annotations

import json
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path, PurePosixPath

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

import kp_tools
from kp_tools import SPECS
from tests.mcp.conftest import payload
from tests.packaging.conftest import REPO, Dist, Venv, run

pytestmark = pytest.mark.slow

NOT_SHIPPED = ("tests", "bench", "notebooks", "conformance", "integrations", ".ci", ".tools")
FRAMEWORKS = ("langchain", "langchain_core", "langgraph", "llama_index", "mcp", "redis")


def wheel_names(dist: Dist) -> list[str]:
    with zipfile.ZipFile(dist.wheel) as archive:
        return archive.namelist()


def test_the_wheel_holds_the_package_py_typed_and_the_license_but_no_tests(dist: Dist) -> None:
    names = wheel_names(dist)
    tops = {PurePosixPath(name).parts[0] for name in names}
    assert tops == {"kp_tools", f"kp_tools-{kp_tools.__version__}.dist-info"}
    assert "kp_tools/py.typed" in names
    assert "kp_tools/mcp/server.py" in names
    with zipfile.ZipFile(dist.wheel) as archive:
        shipped = archive.read(f"kp_tools-{kp_tools.__version__}.dist-info/licenses/LICENSE")
    assert shipped.decode() == (REPO / "LICENSE").read_text()
    assert shipped.decode().startswith("MIT License")


def test_the_wheel_metadata_describes_the_project(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as archive:
        info = f"kp_tools-{kp_tools.__version__}.dist-info"
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert metadata["Name"] == "kp-tools"
    assert metadata["Version"] == kp_tools.__version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["Summary"].startswith("KPainter tools for AI agents")
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "## Install" in metadata.get_payload()  # the README is the long description
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL", []))
    assert urls["Homepage"] == "https://kpainter.ai"
    classifiers = metadata.get_all("Classifier", [])
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert {"langchain", "llamaindex", "mcp", "redis", "all"} <= set(
        metadata.get_all("Provides-Extra", [])
    )
    assert "kp-mcp = kp_tools.mcp.cli:main" in entry_points
    assert "kp-tools = kp_tools.cli:main" in entry_points


def test_the_sdist_holds_the_package_and_its_docs_but_no_tests_or_benchmarks(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as archive:
        names = [PurePosixPath(name) for name in archive.getnames()]
    root = f"kp_tools-{kp_tools.__version__}"
    assert {name.parts[0] for name in names} == {root}
    tops = {name.parts[1] for name in names if len(name.parts) > 1}
    assert tops <= {"kp_tools", "docs", "README.md", "LICENSE", "pyproject.toml", "PKG-INFO"} | {
        ".gitignore"  # hatchling always adds it
    }
    assert not tops & set(NOT_SHIPPED)
    assert PurePosixPath(root, "kp_tools", "py.typed") in names
    assert PurePosixPath(root, "LICENSE") in names


IMPORT_CHECK = f"""
import importlib.util, json
import kp_tools
resolved = [name for name in kp_tools.__all__ if getattr(kp_tools, name, None) is not None]
print(json.dumps({{
    "file": kp_tools.__file__,
    "version": kp_tools.__version__,
    "unresolved": sorted(set(kp_tools.__all__) - set(resolved)),
    "importable": [m for m in {FRAMEWORKS!r} if importlib.util.find_spec(m) is not None],
}}))
"""


def test_kp_tools_imports_from_the_wheel_with_no_framework_installed(
    bare_venv: Venv, user_env: dict[str, str], tmp_path: Path
) -> None:
    done = run([str(bare_venv.bin / "python"), "-c", IMPORT_CHECK], user_env, cwd=tmp_path)
    seen = json.loads(done.stdout)
    assert Path(seen["file"]).is_relative_to(bare_venv.root)  # the installed copy, not the repo
    assert seen["version"] == kp_tools.__version__
    assert seen["unresolved"] == []  # every public name loads without a framework
    assert seen["importable"] == []


def test_kp_mcp_without_the_mcp_extra_says_how_to_install_it(
    bare_venv: Venv, user_env: dict[str, str], tmp_path: Path
) -> None:
    kp_mcp = [str(bare_venv.bin / "kp-mcp"), "--sandbox"]
    done = run(kp_mcp, user_env, cwd=tmp_path, timeout=60, expect=1)
    assert "pip install 'kp-tools[mcp]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_kp_tools_demo_runs_the_whole_workflow_from_the_wheel(
    bare_venv: Venv, user_env: dict[str, str], tmp_path: Path
) -> None:
    done = run(
        [str(bare_venv.bin / "kp-tools"), "demo", "--job-seconds", "0.2"],
        {**user_env, "COLUMNS": "100"},
        cwd=tmp_path,
        timeout=120,
    )
    called = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("→ ")]
    assert called[0] == "kp_me"
    assert {"kp_create_creation", "kp_get_job_status", "kp_edit_scene"} <= set(called)
    assert "is ready" in done.stdout


@pytest.mark.asyncio
async def test_kp_mcp_sandbox_from_the_wheel_lists_and_calls_the_tools(
    mcp_venv: Venv, user_env: dict[str, str], tmp_path: Path
) -> None:
    params = StdioServerParameters(
        command=str(mcp_venv.bin / "kp-mcp"), args=["--sandbox"], env=user_env, cwd=tmp_path
    )
    async with Client(stdio_client(params)) as client:
        assert [tool.name for tool in (await client.list_tools()).tools] == list(SPECS)
        me = payload(await client.call_tool("kp_me", {}))
        catalog = payload(await client.call_tool("kp_get_catalog", {}))
    assert me["result"]["name"] == "Ada Member"
    assert catalog["ok"] is True
