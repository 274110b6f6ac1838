"""kp_health: is KPainter up? The only tool that needs no key."""

from __future__ import annotations

from kp_tools.models import Health
from kp_tools.specs.base import Effect, NoArguments, ToolContext, ToolSpec


async def _run(ctx: ToolContext, args: NoArguments) -> Health:
    return await ctx.client.health()


SPEC = ToolSpec(
    name="kp_health",
    title="Check KPainter health",
    description=(
        "Check that the KPainter API is reachable. Needs no API key and costs nothing. Use it "
        "when other calls fail with upstream_unavailable. To check the user's key, call kp_me."
    ),
    input_model=NoArguments,
    output_model=Health,
    effect=Effect.READ,
    run=_run,
    needs_key=False,
)
