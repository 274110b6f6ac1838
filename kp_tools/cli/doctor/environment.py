"""This Python, the installed kp-tools and its extras, read from package metadata.

No framework is imported: a broken LangChain install must not stop the doctor that would name it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Mapping
from typing import Final

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

import kp_tools
from kp_tools import __version__
from kp_tools.cli.doctor.checks import Check, Report

__all__ = ["CONFLICTS", "EXTRAS", "MIN_PYTHON", "check_environment"]

MIN_PYTHON: Final = (3, 11)
EXTRAS: Final = {  # extra -> (module to find, distribution, what it gives)
    "langchain": ("langchain_core", "langchain-core", "KPainterToolkit"),
    "llamaindex": ("llama_index.core", "llama-index-core", "KPainterToolSpec"),
    "mcp": ("mcp", "mcp", "kp-mcp"),
    "redis": ("redis", "redis", "shared state, KP_STATE_URL"),
}
CONFLICTS: Final = {
    "langchain-mcp-adapters": "it requires mcp<2, and kp-mcp needs mcp 2.x; uninstall it "
    "(kp-tools' own LangChain tools need no MCP adapter)",
}


def check_environment(report: Report) -> None:
    """Python, kp-tools itself, each extra, and packages known to break kp-tools."""
    version = ".".join(str(part) for part in sys.version_info[:3])
    if sys.version_info[:2] >= MIN_PYTHON:
        report.add("python", "pass", f"Python {version} ({sys.executable})")
    else:
        report.add(
            "python", "fail", f"Python {version}; kp-tools needs 3.11 or newer", "Use Python 3.11+."
        )
    installed = _version_of("kp-tools")
    ranges: dict[str, str] = {}
    if installed is None:
        report.add(
            "kp-tools",
            "warn",
            f"{__version__} imported from {_package_dir()}, but not installed (no metadata)",
            "pip install 'kp-tools[all]' (or pip install -e . in a clone).",
        )
    else:
        if installed == __version__:
            report.add("kp-tools", "pass", f"{__version__} ({_package_dir()})")
        else:
            report.add(
                "kp-tools",
                "warn",
                f"the code imported is {__version__} but the installed metadata says {installed}",
                "An old copy shadows the install: reinstall kp-tools in this environment.",
            )
        ranges = _declared_ranges()
    for extra, (module, distribution, gives) in EXTRAS.items():
        report.checks.append(_extra_check(extra, module, distribution, gives, ranges))
    for distribution, why in CONFLICTS.items():
        conflicting = _version_of(distribution)
        if conflicting is not None:
            report.add(distribution, "warn", f"{conflicting} is installed: {why}")


def _package_dir() -> str:
    return os.path.dirname(os.path.abspath(kp_tools.__file__))


def _extra_check(
    extra: str, module: str, distribution: str, gives: str, ranges: Mapping[str, str]
) -> Check:
    name = f"extra {extra}"
    install = f"pip install 'kp-tools[{extra}]'"
    version = _version_of(distribution)
    if version is None or not _findable(module):
        return Check(name, "info", f"not installed ({gives} needs it)", f"{install} to use it.")
    wanted = ranges.get(distribution)
    if wanted and not SpecifierSet(wanted).contains(version, prereleases=True):
        return Check(
            name,
            "warn",
            f"{distribution} {version} is installed, but kp-tools is tested with {wanted}",
            f"{install} (something else may have moved it).",
        )
    return Check(name, "pass", f"{distribution} {version}")


def _version_of(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _findable(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (only its parent package)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _declared_ranges() -> dict[str, str]:
    """The version range kp-tools declares for each extra's distribution (its metadata)."""
    ranges: dict[str, str] = {}
    for line in importlib.metadata.requires("kp-tools") or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker and any(
            requirement.marker.evaluate({"extra": extra}) for extra in EXTRAS
        ):
            ranges[requirement.name] = str(requirement.specifier)
    return ranges
