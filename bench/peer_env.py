"""``.bench-venv``: the project's venv plus what only the benchmark needs.

That is FastMCP, uvloop and httptools.

FastMCP is the peer the benchmark compares kp-mcp with, not a dependency of kp-tools, and
uvloop and httptools are measured before anyone is asked to install them. Installing them into the
project's venv would change what every test runs on (uvicorn picks uvloop and httptools whenever
they are importable), so they go into a second venv under the repository root, created on first
use. That venv is *layered*: a ``.pth`` file adds the project venv's site-packages, so pip
installs only what is missing (nothing is upgraded: checked with ``pip install --dry-run``
against the pinned versions below).

The servers that need those packages run on the project's Python with that venv's
site-packages put on ``PYTHONPATH`` (:func:`with_peer_packages`): the same interpreter, the same
mcp, pydantic, starlette, uvicorn and kp_tools files as every other server in the run, and one
more directory to import from.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

__all__ = ["FASTMCP_VERSION", "PEER_PACKAGES", "ensure", "with_peer_packages"]

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".bench-venv"
# fastmcp 4.2.3 is the newest release; it requires mcp>=2.3,<3, as kp-tools does.
FASTMCP_VERSION = "4.2.3"
PEER_PACKAGES = (f"fastmcp=={FASTMCP_VERSION}", "uvloop==0.23.0", "httptools==0.9.0")
_MARKER = VENV / ".installed"


def peer_python() -> Path:
    return VENV / "bin" / "python"


def _site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return Path(out.strip())


def ensure() -> Path:
    """The peer venv's site-packages, creating the venv and installing the packages if missing."""
    python = peer_python()
    wanted = "\n".join(PEER_PACKAGES)
    if python.exists() and _MARKER.exists() and _MARKER.read_text(encoding="utf-8") == wanted:
        return _site_packages(python)
    print(f"[bench] preparing {VENV.name} ({', '.join(PEER_PACKAGES)}) ...", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--clear", str(VENV)], check=True
    )
    project_site = sysconfig.get_paths()["purelib"]
    layer = _site_packages(python) / "zz_project_venv.pth"
    # addsitedir also runs the project venv's own .pth files (the editable kp_tools install).
    layer.write_text(f"import site; site.addsitedir({project_site!r})\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PIP_REQUIRE_VIRTUALENV"}
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *PEER_PACKAGES,
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if installed.returncode != 0:
        raise RuntimeError(f"could not install {PEER_PACKAGES} into {VENV}:\n{installed.stderr}")
    _MARKER.write_text(wanted, encoding="utf-8")
    return _site_packages(python)


def with_peer_packages(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with the peer packages importable (first on ``PYTHONPATH``)."""
    site = str(ensure())
    existing = env.get("PYTHONPATH")
    return {**env, "PYTHONPATH": site if not existing else os.pathsep.join([site, existing])}
