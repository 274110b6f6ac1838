"""``kp-tools demo``: the whole workflow, through a real agent loop, on the embedded sandbox.

A LangChain agent (the built-in scripted planner by default, or a real model with ``--model``)
verifies the key, reads the catalog, creates a slide video, waits for it with a live progress
bar, reads it, rewrites one scene, waits again, reads it back and answers with the picture URLs.
Every tool call and result is shown as it happens.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from kp_tools.cli.agent_loop import ModelError, langchain_loop, load_model, plain_loop
from kp_tools.cli.options import SavePreviewsOption, ready_to_save_previews
from kp_tools.cli.pictures import picture_urls, save_pictures, why_not_saved
from kp_tools.cli.session import CLI_WAIT_POLICY
from kp_tools.cli.waiting import ProgressBar
from kp_tools.executor import Executor
from kp_tools.keys import ApiKey
from kp_tools.sandbox import Sandbox
from kp_tools.sandbox.seed import SANDBOX_DEFAULT_KEY
from kp_tools.testing.planner import DEFAULT_TOPIC, Planner


def demo(
    model: Annotated[
        str | None,
        typer.Option(
            help="A real chat model as provider:model, e.g. openai:gpt-4.1-mini or "
            "anthropic:claude-sonnet-4-5 (needs langchain, the provider's package and its API "
            "key). Default: the built-in scripted planner, no network.",
            show_default=False,
        ),
    ] = None,
    topic: Annotated[str, typer.Option(help="What the video is about.")] = DEFAULT_TOPIC,
    save_previews: SavePreviewsOption = None,
    api_key: Annotated[
        str,
        typer.Option(help="A sandbox key, e.g. kgp_sandbox_broke to watch the agent stop."),
    ] = SANDBOX_DEFAULT_KEY,
    job_seconds: Annotated[float, typer.Option(help="How long sandbox jobs take.")] = 3.0,
) -> None:
    """Run the whole workflow through a LangChain agent on the embedded sandbox."""
    ready_to_save_previews(save_previews)
    api_key = api_key.strip() or SANDBOX_DEFAULT_KEY  # blank counts as missing, as everywhere else
    console = Console(highlight=False)
    planner = Planner() if topic == DEFAULT_TOPIC else custom_planner(topic)
    try:
        code = asyncio.run(_run(console, planner, model, api_key, job_seconds, save_previews))
    except ModelError as error:
        Console(stderr=True).print(f"[red]{escape(str(error))}[/red]")
        code = 1
    raise typer.Exit(code)


def custom_planner(topic: str) -> Planner:
    """A planner for the user's own topic: it is the prompt, and scene 2 gets a summary line."""
    idea = topic.rstrip(".").lower()
    return Planner(
        topic=topic,
        prompt=topic,
        rewrite=f"In one sentence: the single most important idea behind {idea}.",
    )


class Screen:
    """Shows the loop's events: each tool call, a progress bar while waiting, each result."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.calls = 0
        self.detail: Mapping[str, Any] | None = None
        self._bar: ProgressBar | None = None

    def calling(self, tool: str, arguments: Mapping[str, Any]) -> None:
        """One line per call, its arguments cut short; a bar opens for a job wait."""
        self.calls += 1
        shown = json.dumps(dict(arguments), ensure_ascii=False)
        if len(shown) > 160:
            shown = shown[:157] + "...}"
        self.console.print(f"[bold cyan]→ {tool}[/bold cyan] {escape(shown)}")
        if tool == "kp_get_job_status" and arguments.get("wait_seconds"):
            self._bar = ProgressBar(self.console, f"  job {arguments.get('job_id')}")
            self._bar.__enter__()

    def progress(self, progress: float, total: float | None, message: str | None) -> None:
        """Move the open bar; a report with no wait open has nothing to show."""
        if self._bar is not None:
            self._bar.update(progress, total, message)

    def close(self) -> None:
        """Take the bar down, so the next line is not drawn under it (safe to call twice)."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def returned(self, tool: str, payload: Mapping[str, Any]) -> None:
        """One line for the result or error; a creation's detail is kept for its pictures."""
        self.close()
        if payload.get("ok"):
            result = payload.get("result") or {}
            if tool == "kp_get_creation":
                self.detail = result
            self.console.print(f"  [green]✓[/green] {escape(summary(tool, result))}")
            return
        error = payload.get("error") or {}
        self.console.print(
            f"  [red]✗ {escape(str(error.get('code')))}[/red]: {escape(str(error.get('message')))}"
        )
        if error.get("tell_user"):
            self.console.print(f"    [bold]What to do:[/bold] {escape(str(error['tell_user']))}")


def summary(tool: str, result: Mapping[str, Any]) -> str:
    """One line a person can read for each tool's result."""
    if tool == "kp_me":
        can = "can create" if result.get("can_manage_creations") else "cannot create"
        return (
            f"{result.get('name')} · {result.get('plan')} plan · {result.get('credits')} credits "
            f"· {can}"
        )
    if tool == "kp_get_catalog":
        types = result.get("content_types") or []
        first = types[0] if types else {}
        scenes = first.get("scene_count") or {}
        length = f" · {scenes['min']}-{scenes['max']} scenes" if scenes else ""
        return (
            f"{first.get('type')}: {', '.join(first.get('aspect_ratios') or [])}{length} · "
            f"{len(result.get('voices') or [])} voices · {len(result.get('styles') or [])} styles"
        )
    if tool in ("kp_create_creation", "kp_edit_scene"):
        cost = f" · {result['cost']} credits" if result.get("cost") is not None else ""
        return f"job {result.get('job_id')} started for creation {result.get('creation_id')}{cost}"
    if tool == "kp_get_job_status":
        return f"job {result.get('job_id')} {result.get('status')} ({result.get('progress')}%)"
    if tool == "kp_get_creation":
        scenes = result.get("scenes") or []
        revised = [s["scene_id"] for s in scenes if s.get("revision", 1) > 1]
        edited = f" · edited: {', '.join(revised)}" if revised else ""
        return (
            f"“{result.get('title')}” {result.get('status')} · {len(scenes)} scenes{edited} · "
            f"{result.get('main_url')}"
        )
    if tool == "kp_list_creations":
        return f"{result.get('total')} creations"
    return json.dumps(result, ensure_ascii=False)[:160]


async def _run(
    console: Console,
    planner: Planner,
    model_spec: str | None,
    api_key: str,
    job_seconds: float,
    save_previews: Path | None,
) -> int:
    started = time.perf_counter()
    sandbox = Sandbox(job_seconds=job_seconds)
    executor = Executor.for_sandbox(sandbox, wait_policy=CLI_WAIT_POLICY)
    screen = Screen(console)
    try:
        try:
            model = load_model(model_spec, planner)
            agent = f"a LangChain agent ({model_spec or 'the built-in scripted planner'})"
        except ImportError:  # langchain-core missing: only possible with the scripted planner
            model = None
            agent = "the scripted planner, straight through the executor"
        console.print(
            Panel(
                f"[bold]Agent:[/bold] {escape(agent)}\n"
                f"[bold]KPainter:[/bold] the embedded sandbox (no account, no network), "
                f"key {ApiKey(api_key).prefix}\n"
                f"[bold]User:[/bold] {escape(planner.request())}",
                title="[bold]kp-tools demo[/bold]",
                title_align="left",
                border_style="cyan",
            )
        )
        if model is None:
            console.print(
                "[yellow]LangChain is not installed: pip install 'kp-tools[langchain]' to run "
                "this through an agent loop.[/yellow]"
            )
            answer = await plain_loop(planner, executor, api_key, screen)
        else:
            try:
                answer = await langchain_loop(model, executor, api_key, planner.request(), screen)
            except Exception as error:
                if model_spec is None:
                    raise
                raise ModelError(
                    f"--model {model_spec} failed during the run: {type(error).__name__}: {error}"
                ) from None
        console.print(
            Panel(
                escape(answer),
                title="[bold]Agent's answer[/bold]",
                title_align="left",
                border_style="green",
            )
        )
        code = await _pictures(console, sandbox, screen.detail, save_previews)
    finally:
        screen.close()
        await executor.aclose()
    seconds = time.perf_counter() - started
    console.print(
        f"[dim]{screen.calls} tool calls in {seconds:.1f} s. Next: kp-tools create --sandbox "
        "slides_video 'your topic' --wait, or open notebooks/.[/dim]"
    )
    return code


async def _pictures(
    console: Console,
    sandbox: Sandbox,
    detail: Mapping[str, Any] | None,
    directory: Path | None,
) -> int:
    if not detail:
        return 0
    table = Table(title="Pictures", title_justify="left", header_style="bold")
    table.add_column("picture")
    table.add_column("URL" if directory is None else "saved as", overflow="fold")
    if directory is None:
        for name, url in picture_urls(detail).items():
            table.add_row(name, Text(url))
        console.print(table)
        console.print(
            "[dim]Sandbox URLs live in this process; keep the pictures with "
            "--save-previews DIR.[/dim]"
        )
        return 0
    import httpx

    try:
        async with httpx.AsyncClient(transport=sandbox.transport) as http:
            saved = await save_pictures(http, detail, directory)
    except OSError as error:  # checked before the run, but the disk can still say no
        reason = why_not_saved(error, directory)
        console.print(Text(f"Could not save the pictures in {directory}: {reason}.", "red"))
        return 1
    for item in saved:
        table.add_row(item.name, Text(str(item.path) if item.path else f"skipped: {item.skipped}"))
    console.print(table)
    return 0
