"""``kp-tools describe``: exactly what a model sees of a tool, in each framework's rendering."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kp_tools.cli.schemas import EXTRAS, Target, describe
from kp_tools.executor import Executor
from kp_tools.specs import SPECS

_HOW = {
    Target.LANGCHAIN: "convert_to_openai_tool(tool) of KPainterToolkit: what bind_tools sends",
    Target.LLAMAINDEX: "tool.metadata.to_openai_tool() of KPainterToolSpec",
    Target.MCP: "the Tool kp-mcp lists (tools/list)",
    Target.OPENAI: "a strict OpenAI function definition from the spec (drop nulls before calling)",
}


def describe_tool(
    tool: Annotated[
        str | None,
        typer.Argument(help="A tool name; leave it out to list every tool.", show_default=False),
    ] = None,
    target: Annotated[
        Target, typer.Option("--target", "-t", help="Which rendering to show.")
    ] = Target.OPENAI,
) -> None:
    """Print a tool's definition (name, description, JSON schema) as a model sees it."""
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    if tool is None:
        _list_tools(out)
        return
    if tool not in SPECS:
        raise typer.BadParameter(f"no tool {tool!r}; tools: {', '.join(SPECS)}", param_hint="TOOL")
    try:
        definition = asyncio.run(_describe(tool, target))
    except ImportError:
        extra = EXTRAS.get(target, "all")
        err.print(
            f"[red]--target {target.value} needs its framework:[/red] "
            + escape(f"pip install 'kp-tools[{extra}]'")
        )
        raise typer.Exit(1) from None
    err.print(f"[dim]{tool} as {target.value}: {_HOW[target]}[/dim]")
    text = json.dumps(definition, indent=2, ensure_ascii=False)
    if out.is_terminal:
        out.print_json(text)
    else:
        out.file.write(text + "\n")


async def _describe(tool: str, target: Target) -> dict[str, object]:
    executor = Executor.for_sandbox()  # nothing is called; the adapters need an executor
    try:
        return await describe(executor, tool, target)
    finally:
        await executor.aclose()


def _list_tools(out: Console) -> None:
    table = Table(title="KPainter tools", title_justify="left", header_style="bold")
    for column in ("tool", "effect", "key", "what it does"):
        table.add_column(column, overflow="fold")
    for name, spec in SPECS.items():
        table.add_row(name, spec.effect.value, "yes" if spec.needs_key else "no", spec.title)
    out.print(table)
    out.print("[dim]kp-tools describe TOOL --target langchain|llamaindex|mcp|openai[/dim]")
