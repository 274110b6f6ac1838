"""``kp-tools catalog``: the content types and every option they accept, as tables."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from kp_tools.cli.options import ApiKeyOption, JsonOption, SandboxOption
from kp_tools.cli.render import failed, plain
from kp_tools.cli.session import Options, Session, run_command


def catalog(
    content_type: Annotated[
        str | None, typer.Option("--type", help="Only this content type.", show_default=False)
    ] = None,
    sandbox: SandboxOption = False,
    api_key: ApiKeyOption = None,
    json: JsonOption = False,
) -> None:
    """What KPainter can make (kp_get_catalog): types, ratios, lengths, voices, styles, prices."""

    async def body(session: Session) -> int:
        outcome = await session.call(
            "kp_get_catalog", {"type": content_type} if content_type else {}
        )
        if not outcome.ok:
            return failed(session, outcome)
        if session.as_json:
            session.emit_json(outcome.payload())
        else:
            show_catalog(session, outcome.data or {})
        return 0

    run_command(Options(sandbox, api_key, json), body)


def show_catalog(session: Session, data: dict[str, Any]) -> None:
    """Print a ``kp_get_catalog`` result as tables, content types first, for a person to read."""
    types = Table(title="Content types", title_justify="left", header_style="bold")
    types.add_column("type", no_wrap=True)
    for column in ("what", "aspect ratios", "quality", "length", "options", "credits"):
        types.add_column(column, overflow="fold")
    for entry in data.get("content_types") or []:
        types.add_row(
            plain(
                "\n".join(
                    [entry["type"], *(f"alias {a}" for a in entry.get("legacy_aliases") or [])]
                )
            ),
            plain(entry.get("label")),
            plain(", ".join(entry.get("aspect_ratios") or _model_values(entry, "aspect_ratios"))),
            plain(_qualities(entry)),
            plain(_length(entry)),
            plain(_options(entry)),
            plain(_credits(entry)),
        )
    session.out.print(types)
    session.out.print("[dim]* members only. Prices are credits per creation.[/dim]")
    if data.get("voices"):
        voices = Table(title="Voices", title_justify="left", header_style="bold")
        for column in ("voice_id", "name", "language"):
            voices.add_column(column)
        for voice in data["voices"]:
            voices.add_row(
                plain(voice["voice_id"]), plain(voice.get("name")), plain(voice.get("language"))
            )
        session.out.print(voices)
    if data.get("styles"):
        styles = Table(title="Styles", title_justify="left", header_style="bold")
        for column in ("style_id", "name", "types"):
            styles.add_column(column, overflow="fold")
        for style in data["styles"]:
            styles.add_row(
                plain(style["style_id"]),
                plain(style.get("name")),
                plain(", ".join(style.get("types") or [])),
            )
        session.out.print(styles)
    if data.get("languages"):
        codes = ", ".join(f"{lang['code']} ({lang.get('name')})" for lang in data["languages"])
        session.out.print(Text.assemble(("Languages", "bold"), ": ", codes))


def _model_values(entry: dict[str, Any], field: str) -> list[str]:
    values: list[str] = []
    for model in entry.get("models") or []:
        values += [v for v in model.get(field) or [] if v not in values]
    return values


def _qualities(entry: dict[str, Any]) -> str:
    if entry.get("models"):
        return "\n".join(
            f"{m['model']}: {', '.join(m.get('qualities') or [])}" for m in entry["models"]
        )
    members = set(entry.get("member_qualities") or [])
    return ", ".join(q + ("*" if q in members else "") for q in entry.get("qualities") or [])


def _length(entry: dict[str, Any]) -> str:
    for field, unit in (("duration_seconds", "s"), ("scene_count", " scenes")):
        limits = entry.get(field)
        if limits:
            default = f" (default {limits['default']})" if limits.get("default") else ""
            return f"{limits['min']}-{limits['max']}{unit}{default}"
    return ""


def _options(entry: dict[str, Any]) -> str:
    flags = {
        "supports_voice": "voice",
        "supports_style": "style",
        "supports_instructions": "instructions",
        "supports_scene_edit": "scene edits",
    }
    return ", ".join(label for field, label in flags.items() if entry.get(field))


def _credits(entry: dict[str, Any]) -> str:
    credits = entry.get("credits")
    if isinstance(credits, dict):
        return ", ".join(f"{k}: {v}" for k, v in credits.items())
    if credits is not None:
        return str(credits)
    models = entry.get("models") or []
    return "\n".join(
        f"{m['model']}: " + ", ".join(f"{k} {v}" for k, v in (m.get("credits") or {}).items())
        for m in models
    )
