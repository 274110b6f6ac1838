"""kp_me: the first call of every session; confirms the key, the user and what the key may do."""

from __future__ import annotations

from kp_tools.errors import ErrorCode
from kp_tools.models import Me
from kp_tools.specs.base import Effect, NoArguments, ToolContext, ToolSpec


async def _run(ctx: ToolContext, args: NoArguments) -> Me:
    return await ctx.client.me(ctx.key)


def _next_step(me: Me) -> str:
    blocked = me.blocking_code()
    if blocked is ErrorCode.INSUFFICIENT_PERMISSION:
        return (
            "STOP: this key cannot manage creations. Do not try to create or edit anything; "
            "tell the user to check the key's permissions and plan on kpainter.ai."
        )
    if blocked is ErrorCode.INSUFFICIENT_CREDITS:
        return (
            "STOP: this account has no credits. Do not try to create or edit anything; tell "
            "the user to top up or subscribe on kpainter.ai, then call kp_me again."
        )
    who = me.name or me.email or "the user"
    credits = f" with {me.credits} credits" if me.credits is not None else ""
    return (
        f"Key verified for {who}{credits}. Confirm this is the expected account, then call "
        "kp_get_catalog before choosing a type, voice, style, duration or scene count."
    )


SPEC = ToolSpec(
    name="kp_me",
    title="Verify the API key",
    description=(
        "Validate the user's KPainter API key and show the account it belongs to, whether it "
        "may create content, and its credits. Call this first, before any other KPainter tool; "
        "the others are refused until it succeeds. Call it again after the user tops up credits "
        "or changes the key's permissions."
    ),
    input_model=NoArguments,
    output_model=Me,
    effect=Effect.READ,
    run=_run,
    next_step=_next_step,
    verifies_key=True,
)
