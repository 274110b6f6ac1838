"""A scripted person behind an MCP client's elicitation callback, for consent and site visits.

Each question the server puts (form or URL mode, on either revision) is recorded, an optional
``act`` runs as the person's doing on the page (topping up the sandbox account, say), and the
next scripted answer is returned. Running out of answers fails the test: a question nobody
expected was asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.client import Client
from mcp.client.session import ClientRequestContext
from mcp.types import (
    CallToolResult,
    ElicitRequestFormParams,
    ElicitRequestParams,
    ElicitRequestURLParams,
    ElicitResult,
    ErrorData,
)

from kp_tools.mcp.consent import CONSENT_INPUT_KEY

APPROVE = ElicitResult(action="accept", content={"approve": True})
DECLINE = ElicitResult(action="decline")
CANCEL = ElicitResult(action="cancel")
ACCEPT = ElicitResult(action="accept")  # URL mode: "I went to the page and I am back"


class ScriptedHuman:
    def __init__(
        self,
        *answers: ElicitResult | ErrorData,
        act: Callable[[ElicitRequestParams], Any] | None = None,
    ) -> None:
        self.answers = list(answers)
        self.act = act
        self.asked: list[ElicitRequestParams] = []

    async def __call__(
        self, context: ClientRequestContext, params: ElicitRequestParams
    ) -> ElicitResult | ErrorData:
        self.asked.append(params)
        assert self.answers, f"an unexpected question was asked: {params.message!r}"
        if self.act is not None:
            self.act(params)
        return self.answers.pop(0)

    @property
    def forms(self) -> list[ElicitRequestFormParams]:
        return [p for p in self.asked if isinstance(p, ElicitRequestFormParams)]

    @property
    def pages(self) -> list[ElicitRequestURLParams]:
        return [p for p in self.asked if isinstance(p, ElicitRequestURLParams)]


async def answer_consent(
    client: Client,
    arguments: dict[str, Any],
    state: str | None,
    answer: ElicitResult = APPROVE,
) -> CallToolResult:
    """A 2026-07-28 create sent again with the person's answer and the state it was asked with."""
    result = await client.session.call_tool(
        "kp_create_creation",
        arguments,
        input_responses={CONSENT_INPUT_KEY: answer},
        request_state=state,
        allow_input_required=True,
    )
    assert isinstance(result, CallToolResult)
    return result
