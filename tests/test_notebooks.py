"""The notebooks run end to end, and what they show a user is what they do today.

Each notebook in ``notebooks/`` is executed with nbclient on a kernel running this venv's
Python. It must finish without an error, in under a minute, and its fresh outputs must equal the
outputs saved in the committed file once volatile values (timestamps, durations) are masked. So
the committed outputs, which are what a user reads on GitHub before running anything, cannot
drift from what the code does.

After changing a notebook or what it shows, refresh the saved outputs with::

    KP_UPDATE_NOTEBOOKS=1 .venv/bin/pytest tests/test_notebooks.py
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
UPDATE = os.environ.get("KP_UPDATE_NOTEBOOKS") == "1"
KERNEL = "kp-tools-venv"

pytestmark = pytest.mark.slow

_VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?"), "<time>"),
    (re.compile(r"(waited_seconds['\"]?\s*[:=]\s*)[\d.]+"), r"\1<seconds>"),
    (re.compile(r"\b\d+:\d\d:\d\d\b"), "<elapsed>"),
    (re.compile(r"0x[0-9a-f]{6,}"), "0x<address>"),
]


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory: pytest.TempPathFactory) -> KernelSpecManager:
    """A kernelspec that runs this interpreter, whatever kernels the machine has installed."""
    directory = tmp_path_factory.mktemp("kernels") / KERNEL
    directory.mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "kp-tools venv",
        "language": "python",
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    }
    (directory / "kernel.json").write_text(json.dumps(spec))
    return KernelSpecManager(kernel_dirs=[str(directory.parent)])


def test_there_are_notebooks_for_each_framework() -> None:
    names = {path.stem for path in NOTEBOOKS}
    assert {"langchain_agent", "llamaindex_agent", "mcp_client"} <= names


@pytest.fixture(scope="module")
def executed(kernel_specs: KernelSpecManager) -> dict[Path, tuple[Any, float]]:
    """Every notebook, executed at once (one kernel each): fresh copy and seconds taken."""

    async def run(path: Path) -> tuple[Any, float]:
        fresh = nbformat.read(path, as_version=4)
        started = time.monotonic()
        manager = AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=kernel_specs)
        client = NotebookClient(
            fresh,
            km=manager,
            timeout=60,
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        await client.async_execute()
        return fresh, time.monotonic() - started

    async def run_all() -> list[tuple[Any, float]]:
        return list(await asyncio.gather(*(run(path) for path in NOTEBOOKS)))

    return dict(zip(NOTEBOOKS, asyncio.run(run_all()), strict=True))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_shows_what_is_committed(
    path: Path, executed: dict[Path, tuple[Any, float]]
) -> None:
    committed = nbformat.read(path, as_version=4)
    fresh, took = executed[path]

    errors = [o for cell in code_cells(fresh) for o in cell.outputs if o.output_type == "error"]
    assert not errors, errors[0]
    stderr = [o.text for c in code_cells(fresh) for o in c.outputs if o.get("name") == "stderr"]
    assert not stderr, f"the notebook printed to stderr: {stderr}"
    assert took < 60, f"{path.name} took {took:.1f} s"

    if UPDATE:
        fresh.metadata = committed.metadata
        nbformat.write(fresh, path)
        return
    for number, (old, new) in enumerate(zip(code_cells(committed), code_cells(fresh), strict=True)):
        assert shown(new) == shown(old), (
            f"{path.name}, code cell {number + 1}: the outputs differ from the committed ones. "
            "If the change is intended: KP_UPDATE_NOTEBOOKS=1 .venv/bin/pytest "
            "tests/test_notebooks.py"
        )


def code_cells(notebook: Any) -> Iterator[Any]:
    return (cell for cell in notebook.cells if cell.cell_type == "code")


def shown(cell: Any) -> list[dict[str, Any]]:
    """What a cell's outputs show a reader, with the volatile values masked."""
    outputs: list[dict[str, Any]] = []
    for output in cell.outputs:
        if output.output_type == "stream":
            # How a stream is cut into outputs depends on timing; what is printed does not.
            if outputs and outputs[-1].get("stream") == output.name:
                outputs[-1]["text"] += masked(output.text)
            else:
                outputs.append({"stream": output.name, "text": masked(output.text)})
        elif output.output_type in ("display_data", "execute_result"):
            data = {kind: masked(_text(value)) for kind, value in output.data.items()}
            outputs.append({"display": data})
    return outputs


def masked(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
