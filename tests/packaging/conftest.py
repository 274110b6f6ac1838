"""The distributions built once per session, and fresh virtual environments that install them.

Nothing here uses the repository's own environment for what it checks: the wheel is built by the
same command as ``make dist``, installed with ``uv pip`` (dependencies come from the package
registry) into a new virtual environment, and every program runs from a working directory outside
the repository with ``PYTHONPATH`` unset, so only the installed copy can be imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from uv import find_uv_bin

from tests.mcp.conftest import sandbox_api  # noqa: F401 (a fixture, re-exported for these tests)

REPO = Path(__file__).resolve().parents[2]
UV = Path(find_uv_bin())
UVX = UV.with_name("uvx")
#: What a fresh shell of a user would not have: our venv, our path, our KPainter settings.
_DROPPED = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX")
_DROPPED_PREFIXES = ("KGP_", "PARTNER_MCP_", "KP_", "UV_")


#: How this machine reaches the package registry (trusted CAs, proxies): uv needs it to fetch.
NETWORK_SETTINGS = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


def uv_settings(uv_cache: Path, find_links: Path | None = None) -> dict[str, str]:
    """What uv needs on top of a host's minimal environment: the network, a cache, this Python."""
    settings = {name: os.environ[name] for name in NETWORK_SETTINGS if name in os.environ}
    settings |= {
        "UV_CACHE_DIR": str(uv_cache),
        "UV_PYTHON_DOWNLOADS": "never",  # use this machine's Python; never fetch one
        "UV_NO_PROGRESS": "1",
    }
    if find_links is not None:
        settings["UV_FIND_LINKS"] = str(find_links)  # kp-tools is not on the index: the local wheel
    return settings


@dataclass(frozen=True)
class Dist:
    """The two archives of one ``python -m build`` run."""

    wheel: Path
    sdist: Path

    @property
    def folder(self) -> Path:
        return self.wheel.parent


@dataclass(frozen=True)
class Venv:
    """A virtual environment made for one test session."""

    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One uv cache for the session: each wheel is downloaded once, not once per venv."""
    return tmp_path_factory.mktemp("uv-cache")


@pytest.fixture(scope="session")
def user_env(uv_cache: Path) -> dict[str, str]:
    """The environment a user's shell would give: no repository venv, no KPainter settings."""
    return user_environment(uv_cache)


def user_environment(uv_cache: Path, **extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _DROPPED and not name.startswith(_DROPPED_PREFIXES)
    }
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p) != UV.parent
    )
    env.update(uv_settings(uv_cache))
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """The wheel and the sdist, built as ``make dist`` builds them (the wheel from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)], cwd=out)
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Dist(wheel=wheel, sdist=sdist)


@pytest.fixture(scope="session")
def bare_venv(
    tmp_path_factory: pytest.TempPathFactory, dist: Dist, user_env: dict[str, str]
) -> Venv:
    """The wheel with no extras: no LangChain, no LlamaIndex, no MCP SDK."""
    return make_venv(tmp_path_factory.mktemp("bare-venv"), str(dist.wheel), user_env)


@pytest.fixture(scope="session")
def mcp_venv(
    tmp_path_factory: pytest.TempPathFactory, dist: Dist, user_env: dict[str, str]
) -> Venv:
    """The wheel with the ``mcp`` extra, the way ``pip install 'kp-tools[mcp]'`` installs it."""
    requirement = f"kp-tools[mcp] @ {dist.wheel.as_uri()}"
    return make_venv(tmp_path_factory.mktemp("mcp-venv"), requirement, user_env)


def make_venv(root: Path, requirement: str, env: Mapping[str, str]) -> Venv:
    venv = Venv(root / "venv")
    run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv.root)], env, cwd=root)
    install = [str(UV), "pip", "install", "--quiet", "--python", str(venv.bin / "python")]
    run([*install, requirement], env, cwd=root)
    return venv


def run(
    args: list[str],
    env: Mapping[str, str] | None = None,
    *,
    cwd: Path,
    timeout: float = 180,
    expect: int = 0,
) -> subprocess.CompletedProcess[str]:
    """Run to completion; another exit code than ``expect`` fails with the program's output."""
    done = subprocess.run(
        args,
        env=None if env is None else dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != expect:
        raise AssertionError(
            f"{args!r} exited with {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done
