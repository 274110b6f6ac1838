"""Every file or folder the docs, docstrings and configs point at is in the repository.

The repository stands alone: a reader following a reference must find the file, in a clone. Two
kinds of reference are checked in every tracked text file outside ``tests/`` (the markdown docs,
the package's docstrings and comments, the notebooks, the host configs, pyproject.toml):

- markdown links, ``[text](path)``: resolved against the file's own folder (web links, mail
  links and in-page anchors are not files);
- repository paths written out, such as ``docs/workflow.md`` or ``kp_tools/api_contract.py``:
  anything starting with a top-level folder of the repository, or naming a top-level file.

A path that leaves the repository (``../something``) is an error in itself, and no file at all,
tests included, may point at the project's design page, which lives outside the repository: what
a reader needs from it is restated in docs/ (docs/workflow.md has the workflow rules).
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".md", ".py", ".ipynb", ".toml", ".json", ".html", ".mjs", ".txt", ""}


@cache
def tracked() -> tuple[str, ...]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return tuple(sorted(path for path in out.splitlines() if (ROOT / path).exists()))


@cache
def folders() -> frozenset[str]:
    return frozenset(str(parent) for path in tracked() for parent in Path(path).parents)


def top_level() -> tuple[set[str], set[str]]:
    names = {Path(path).parts[0] for path in tracked()}
    dirs = {name for name in names if (ROOT / name).is_dir()}
    return dirs, names - dirs


def sources() -> list[str]:
    return [
        path
        for path in tracked()
        if not path.startswith("tests/")
        and Path(path).suffix in TEXT_SUFFIXES
        and Path(path).name != "LICENSE"
        and (ROOT / path).stat().st_size < 2_000_000
    ]


MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def path_pattern() -> re.Pattern[str]:
    dirs, files = top_level()
    dirs |= {"docs", "tests"}
    alternatives = "|".join(
        re.escape(d) + r"/[\w./*<>-]*" for d in sorted(dirs, key=len, reverse=True)
    )
    names = "|".join(
        re.escape(f) for f in sorted(files | {"ARCHITECTURE.md"}, key=len, reverse=True)
    )
    return re.compile(rf"(?<![\w./~-])(\.\./[\w./-]+|(?:{alternatives})|(?:{names}))(?![\w/-])")


def exists(reference: str, base: Path) -> bool:
    reference = reference.split("#", 1)[0].split("?", 1)[0].rstrip(".,;:)")
    if not reference:
        return True
    target = (base / reference).resolve()
    try:
        relative = target.relative_to(ROOT).as_posix()
    except ValueError:
        return False  # outside the repository
    return relative in tracked() or relative in folders() or generated(relative)


def generated(relative: str) -> bool:
    """A path git ignores is one a command writes (``dist/``, ``bench/results/quick.json``)."""
    ignored = subprocess.run(["git", "check-ignore", "-q", relative], cwd=ROOT, check=False)
    return ignored.returncode == 0


def references(path: str) -> list[tuple[str, Path]]:
    text = (ROOT / path).read_text(encoding="utf-8", errors="replace")
    found: list[tuple[str, Path]] = []
    if path.endswith((".md", ".ipynb")):
        for match in MARKDOWN_LINK.finditer(text):
            link = match.group(1)
            if not re.match(r"^(?:[a-z][a-z0-9+.-]*:|#|/)", link):
                found.append((link, (ROOT / path).parent))
    for match in path_pattern().finditer(text):
        reference = match.group(1)
        if "<" in reference or "*" in reference:
            continue  # a placeholder ("docs/<page>.md") or a glob ("tests/**"), not a file
        if reference.startswith("../"):
            found.append((reference, (ROOT / path).parent))
        else:
            found.append((reference, ROOT))
    return found


def dangling(path: str) -> list[str]:
    return sorted({ref for ref, base in references(path) if not exists(ref, base)})


@pytest.mark.parametrize("path", sources())
def test_every_path_a_file_mentions_is_in_the_repository(path: str) -> None:
    assert dangling(path) == [], f"{path} points at files that are not in the repository"


def test_the_check_sees_a_missing_file_a_link_outside_and_an_existing_one(tmp_path: Path) -> None:
    assert exists("docs/workflow.md", ROOT)
    assert exists("docs/", ROOT)
    assert exists("workflow.md#one-outcome", ROOT / "docs")
    assert not exists("docs/no-such-page.md", ROOT)
    assert not exists("../other/notes.md", ROOT / "docs")
    pattern = path_pattern()
    text = "see docs/workflow.md, `kp_tools/api_contract.py` and ../other/notes.md; not mydocs/x"
    assert [m.group(1) for m in pattern.finditer(text)] == [
        "docs/workflow.md",
        "kp_tools/api_contract.py",
        "../other/notes.md",
    ]


# A bare file name (a path with folders is the test above's), optionally with ``::test_name``.
QUOTED_NAME = re.compile(r"`([\w-]+(?:\.[\w-]+)*\.(?:py|md|json|toml|ipynb|mjs))(?:::(\w+))?`")


def gitignored_names() -> set[str]:
    return {
        line.strip()
        for path in tracked()
        if Path(path).name == ".gitignore"
        for line in (ROOT / path).read_text(encoding="utf-8").splitlines()
    }


@pytest.mark.parametrize("path", [p for p in sources() if p.endswith(".md")])
def test_every_file_and_test_a_doc_quotes_by_name_exists(path: str) -> None:
    """```test_keys.py```, ```test_tool_results.py::test_x```: the file, and the test in it."""
    missing = []
    for match in QUOTED_NAME.finditer((ROOT / path).read_text(encoding="utf-8")):
        name, function = match.groups()
        files = [ROOT / f for f in tracked() if Path(f).name == name]
        known = bool(files) or name in gitignored_names()
        defined = not function or any(
            re.search(rf"def {function}\b", f.read_text(encoding="utf-8")) for f in files
        )
        if not (known and defined):
            missing.append(match.group(0))
    assert missing == [], f"{path} quotes files or tests that are not in the repository"


def test_a_quoted_test_that_was_renamed_is_seen() -> None:
    match = QUOTED_NAME.search("see `test_keys.py::test_gone`")
    assert match is not None
    assert match.groups() == ("test_keys.py", "test_gone")


OUTSIDE = re.compile(r"design\.md|\.\./shared|/work/shared|/work/main")


@pytest.mark.parametrize("path", [p for p in tracked() if Path(p).suffix in TEXT_SUFFIXES])
def test_no_file_points_at_the_design_page_or_a_path_outside_the_repository(path: str) -> None:
    if path == "tests/test_docs_links.py":
        return  # this file names them, to look for them
    text = (ROOT / path).read_text(encoding="utf-8", errors="replace")
    assert OUTSIDE.findall(text) == [], f"{path} points outside the repository"


def test_architecture_names_every_module_of_the_package_and_only_those() -> None:
    """ARCHITECTURE.md's map of concerns cannot fall behind the package (paths under kp_tools/)."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    every = {
        path.removeprefix("kp_tools/")
        for path in tracked()
        if path.startswith("kp_tools/") and path.endswith(".py")
    }
    modules = {path for path in every if not path.endswith("__init__.py")}
    named = {name.removeprefix("kp_tools/") for name in re.findall(r"`([\w/]+\.py)`", text)}
    assert sorted(modules - named) == [], "modules ARCHITECTURE.md does not place"
    assert sorted(named - every) == [], "ARCHITECTURE.md names modules that do not exist"
