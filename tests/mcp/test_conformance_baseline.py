"""The conformance baselines excuse only checks that need the suite's own fixture server.

``make conformance`` (conformance/run.sh) runs the official suite; these files say which of its
checks kp-mcp may fail. The rule kept here: one check per entry (``scenario:check-id``, never a
whole scenario, so its other checks stay enforced), each with a reason that names the fixture
tool, prompt or resource it needs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
ENTRY = re.compile(r"^  - (?P<scenario>[a-z0-9-]+):(?P<check>[a-z0-9-]+) # (?P<reason>.+)$")
FIXTURE = re.compile(r"\bfixture (tool|prompt|resource|template) (test_[a-z0-9_]+|test://\S+)")


@pytest.mark.parametrize("revision", ["2026-07-28", "2025-11-25"])
def test_every_baselined_check_is_one_check_that_needs_a_suite_fixture(revision: str) -> None:
    lines = (CONFORMANCE / f"expected-failures-{revision}.yml").read_text().splitlines()
    body = [line for line in lines if line.strip() and not line.startswith("#")]
    assert body[0] == "server:"
    entries = [ENTRY.fullmatch(line) for line in body[1:]]
    assert all(entries), [line for line, e in zip(body[1:], entries, strict=True) if not e]
    for entry in entries:
        assert entry is not None
        assert FIXTURE.search(entry["reason"]), entry.group(0)
    checks = [(e["scenario"], e["check"]) for e in entries if e is not None]
    assert len(checks) == len(set(checks))
