"""Python code blocks of one section of a Markdown file, so documentation can be run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from kp_tools.keys import ENV_DEFAULT_KEY

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^```(\w*)\s*$")


def python_blocks(path: Path, heading: str) -> list[str]:
    """The ```python blocks under ``heading``, up to the next heading of the same or higher level.

    Raises ``LookupError`` when the heading is missing, or the section has no Python block.
    """
    blocks: list[str] = []
    level: int | None = None
    block: list[str] | None = None
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        fence = _FENCE.match(line.strip())
        if fence:
            if block is not None:  # closing a python block of our section
                blocks.append(textwrap.dedent("\n".join(block)) + "\n")
                block = None
            elif not fenced and level is not None and fence.group(1) == "python":
                block = []
            fenced = not fenced
            continue
        if block is not None:
            block.append(line)
            continue
        match = None if fenced else _HEADING.match(line)
        if match and level is not None and len(match.group(1)) <= level:
            break
        if match and match.group(2) == heading:
            level = len(match.group(1))
    if level is None:
        raise LookupError(f"{path.name} has no section {heading!r}")
    if not blocks:
        raise LookupError(f"{path.name}, section {heading!r}, has no python code block")
    return blocks


def run_python(code: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter, as a user would, with no KPainter key in the env."""
    env = {k: v for k, v in os.environ.items() if k not in ("KGP_API_KEY", ENV_DEFAULT_KEY)}
    env.pop("KGP_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
