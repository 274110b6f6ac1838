"""Raw answers held against :mod:`kp_tools.models`, field by field.

The client reads answers leniently (a missing field is "unknown", a ``"1000"`` is converted), so
an API that drifted still "works" until an agent relies on the field that moved. This says which.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from kp_tools.cli.doctor.checks import Report, names
from kp_tools.cli.doctor.fetch import Answer

__all__ = ["shape"]


def shape(report: Report, name: str, model: type[BaseModel], answer: Answer) -> None:
    """Hold a raw answer against the model kp-tools reads it with."""
    label = f"{name} shape"
    if not answer.ok:
        return  # the status line (or the client's error) says why
    try:
        raw = json.loads(answer.body)
    except ValueError:
        start = answer.body[:60].decode("utf-8", "replace").strip()
        report.add(
            label,
            "fail",
            f"the answer is not JSON (it starts {start!r})",
            "Something between you and KPainter (a proxy, a captive portal) answered instead.",
        )
        return
    if not isinstance(raw, dict):
        report.add(label, "fail", f"the answer is a JSON {type(raw).__name__}, not an object")
        return
    try:
        model.model_validate(raw)
    except ValidationError as error:
        report.add(
            label,
            "fail",
            f"kp-tools cannot read it as {model.__name__}: {_problems(error)}",
            "The API changed shape; see the api generation line, and report it.",
        )
        return
    missing = [n for n in model.model_fields if n not in raw]
    extra = sorted(_extra_fields(model, raw))
    notes: list[str] = []
    if missing:
        notes.append("missing " + ", ".join(_with_guess(n, extra) for n in missing))
    try:
        model.model_validate_json(answer.body, strict=True)
    except ValidationError as error:
        notes.append(f"converted types: {_problems(error)}")
    if notes:
        report.add(
            label,
            "warn",
            f"read as {model.__name__}, but " + "; ".join(notes),
            "kp-tools treats missing fields as unknown; a renamed field means the API changed.",
        )
    else:
        report.add(label, "pass", f"matches {model.__name__}")
    if extra:
        report.add(label, "info", f"fields kp-tools does not use (kept as is): {names(extra)}")


def _extra_fields(model: type[BaseModel], raw: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Keys of ``raw`` (and of nested objects) that ``model`` does not declare."""
    found = [prefix + key for key in raw if key not in model.model_fields]
    for name, info in model.model_fields.items():
        nested = _nested_model(info.annotation)
        value = raw.get(name)
        if nested is None or value is None:
            continue
        items = value if isinstance(value, list) else [value]
        seen: set[str] = set()
        for item in items:
            if isinstance(item, dict):
                seen.update(
                    _extra_fields(
                        nested, item, f"{prefix}{name}{'[]' if isinstance(value, list) else ''}."
                    )
                )
        found += sorted(seen)
    return found


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        nested = _nested_model(argument)
        if nested is not None:
            return nested
    return None


def _with_guess(name: str, extra: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, [e for e in extra if "." not in e], n=1, cutoff=0.5)
    return f"{name} (renamed {close[0]}?)" if close else name


def _problems(error: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in p['loc']) or 'body'}: {p['msg']}" for p in error.errors()
    ]
    more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
    return "; ".join(problems[:3]) + more
