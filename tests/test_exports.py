"""The public names: every package's ``__all__`` is importable, documented, and cannot drift.

In the style of httpx's ``tests/test_exports.py``. The rule for "documented":

- a class or function has a docstring of its own (not one inherited from a base class);
- a constant or type alias has a docstring right after its assignment (the attribute docstring
  Sphinx, mkdocstrings and IDEs show), or is named as ````NAME```` in the docstring of the module
  that defines it;
- dunders (``__version__``) are exempt.

The public modules are every package of ``kp_tools`` (found, not listed, so a new one is checked
the day it lands) and the single-module APIs the docs point users at. ``kp_tools.cli`` and its
subpackages are left out: their interface is the ``kp-tools`` command (docs/cli.md, tests/cli),
not Python names.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import kp_tools

PACKAGES = sorted(
    info.name
    for info in pkgutil.walk_packages(kp_tools.__path__, "kp_tools.")
    if info.ispkg and not (info.name == "kp_tools.cli" or info.name.startswith("kp_tools.cli."))
)
SINGLE_MODULES = [
    "kp_tools.api_contract",
    "kp_tools.client",
    "kp_tools.errors",
    "kp_tools.keys",
    "kp_tools.models",
    "kp_tools.openai",
    "kp_tools.outcome",
    "kp_tools.redaction",
    "kp_tools.retry",
    "kp_tools.sync",
]
PUBLIC_MODULES = ["kp_tools", *PACKAGES, *SINGLE_MODULES]
LAZY_PACKAGES = [
    name for name in PUBLIC_MODULES if hasattr(importlib.import_module(name), "_EXPORTS")
]


def _exports(module_name: str) -> list[tuple[str, str]]:
    return [(module_name, name) for name in importlib.import_module(module_name).__all__]


EXPORTS = [pair for module_name in PUBLIC_MODULES for pair in _exports(module_name)]


def _tree(module: ModuleType) -> ast.Module:
    return ast.parse(Path(inspect.getfile(module)).read_text(encoding="utf-8"))


def _defining_module(module: ModuleType, name: str) -> ModuleType:
    """Follows ``from kp_tools.x import name`` (and a lazy ``_EXPORTS`` map) to the assignment."""
    lazy: dict[str, str] = getattr(module, "_EXPORTS", {})
    if name in lazy:
        return _defining_module(importlib.import_module(lazy[name]), name)
    for node in _tree(module).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kp_tools"):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return _defining_module(importlib.import_module(node.module), alias.name)
    return module


def _has_attribute_docstring(module: ModuleType, name: str) -> bool:
    body = _tree(module).body
    for node, following in itertools.pairwise(body):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
                and bool(following.value.value.strip())
            )
    return False


def _is_documented(module: ModuleType, name: str, value: object) -> bool:
    if inspect.isclass(value):
        return bool(value.__dict__.get("__doc__"))
    if inspect.isfunction(value) or inspect.isbuiltin(value):
        return bool(inspect.getdoc(value))
    home = _defining_module(module, name)
    return _has_attribute_docstring(home, name) or f"``{name}``" in (home.__doc__ or "")


@pytest.mark.parametrize(("module_name", "name"), EXPORTS, ids=[f"{m}.{n}" for m, n in EXPORTS])
def test_every_exported_name_is_importable_and_documented(module_name: str, name: str) -> None:
    module = importlib.import_module(module_name)
    namespace: dict[str, object] = {}
    exec(f"from {module_name} import {name}", namespace)  # noqa: S102 - the import a user writes
    value = namespace[name]
    assert value is getattr(module, name)
    if name.startswith("__"):
        return
    assert _is_documented(module, name, value), (
        f"{module_name}.{name} is public but undocumented: give it a docstring"
        " (a constant: a docstring right after its assignment)"
    )


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_has_no_duplicates_and_star_import_gives_exactly_it(module_name: str) -> None:
    """(The order is ruff's business: RUF022 keeps every ``__all__`` sorted.)"""
    module = importlib.import_module(module_name)
    assert len(module.__all__) == len(set(module.__all__)), f"{module_name}.__all__ repeats a name"
    namespace: dict[str, object] = {}
    exec(f"from {module_name} import *", namespace)  # noqa: S102
    assert set(namespace) - {"__builtins__"} == set(module.__all__)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_module_says_what_it_is_for(module_name: str) -> None:
    assert (importlib.import_module(module_name).__doc__ or "").strip()


@pytest.mark.parametrize("module_name", LAZY_PACKAGES)
def test_lazy_all_is_derived_from_the_exports_map(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert {n for n in module.__all__ if not n.startswith("__")} == set(module._EXPORTS)
    assert sorted(dir(module)) == sorted(module.__all__)


@pytest.mark.parametrize("module_name", LAZY_PACKAGES)
def test_type_checking_imports_match_the_exports_map(module_name: str) -> None:
    """What mypy sees (the ``if TYPE_CHECKING:`` imports) is what runs (``_EXPORTS``)."""
    module = importlib.import_module(module_name)
    seen: dict[str, str] = {}
    for node in _tree(module).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.unparse(statement)
                for alias in statement.names:
                    assert (alias.asname or alias.name) == alias.name, ast.unparse(statement)
                    assert statement.module is not None
                    seen[alias.name] = statement.module
    assert seen == module._EXPORTS


@pytest.mark.parametrize("module_name", LAZY_PACKAGES)
def test_lazy_names_are_the_defining_modules_own_exports(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name, home in module._EXPORTS.items():
        assert name in importlib.import_module(home).__all__, f"{home} does not export {name}"
        assert getattr(module, name) is getattr(importlib.import_module(home), name)


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="'no_such_name'"):
        _ = kp_tools.no_such_name  # type: ignore[attr-defined]
