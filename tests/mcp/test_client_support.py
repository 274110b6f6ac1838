"""Whether a call's client can be asked, and how: by revision and declared capability."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from mcp.types import (
    ClientCapabilities,
    ElicitationCapability,
    FormElicitationCapability,
    UrlElicitationCapability,
)

from kp_tools.mcp.client_support import AskChannel, ask_channel

FORM = FormElicitationCapability()
URL = UrlElicitationCapability()


def ctx(
    elicitation: ElicitationCapability | None,
    *,
    version: str = "2026-07-28",
    can_send_request: bool = True,
) -> Any:
    capabilities = ClientCapabilities(elicitation=elicitation)
    session = SimpleNamespace(client_capabilities=capabilities, can_send_request=can_send_request)
    return SimpleNamespace(session=session, protocol_version=version)


@pytest.mark.parametrize(
    ("elicitation", "form", "url"),
    [
        (None, False, False),
        (ElicitationCapability(), True, False),  # the pre-modes declaration means form
        (ElicitationCapability(form=FORM), True, False),
        (ElicitationCapability(url=URL), False, True),
        (ElicitationCapability(form=FORM, url=URL), True, True),
    ],
    ids=["none", "empty", "form", "url", "both"],
)
@pytest.mark.parametrize("version", ["2026-07-28", "2025-11-25"])
def test_only_a_declared_mode_is_used(
    elicitation: ElicitationCapability | None, form: bool, url: bool, version: str
) -> None:
    expected = AskChannel.RETURN if version == "2026-07-28" else AskChannel.CALL_BACK
    assert ask_channel(ctx(elicitation, version=version), "form") == (expected if form else None)
    assert ask_channel(ctx(elicitation, version=version), "url") == (expected if url else None)


def test_a_2025_call_with_no_channel_back_cannot_be_asked() -> None:
    both = ElicitationCapability(form=FORM, url=URL)
    call = ctx(both, version="2025-11-25", can_send_request=False)
    assert ask_channel(call, "form") is None
    assert ask_channel(call, "url") is None


def test_a_client_with_no_capabilities_at_all_cannot_be_asked() -> None:
    call = SimpleNamespace(
        session=SimpleNamespace(client_capabilities=None, can_send_request=True),
        protocol_version="2026-07-28",
    )
    assert ask_channel(call, "form") is None  # type: ignore[arg-type]
