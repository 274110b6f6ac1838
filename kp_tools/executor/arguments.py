"""Raw tool arguments into a spec's input model, or a refusal naming each field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError

from kp_tools.errors import FieldProblem, InvalidArgumentsError
from kp_tools.redaction import redact
from kp_tools.specs import ToolSpec

__all__ = ["parse_arguments"]


def parse_arguments(
    spec: ToolSpec[Any, Any], arguments: Mapping[str, Any] | BaseModel | None
) -> BaseModel:
    """Validate raw arguments into the spec's input model, or refuse naming each field."""
    model: type[BaseModel] = spec.input_model
    if isinstance(arguments, model):
        return arguments
    raw = arguments.model_dump() if isinstance(arguments, BaseModel) else arguments
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise InvalidArgumentsError(
            [FieldProblem(field="arguments", problem="must be an object of named arguments")]
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidArgumentsError([_problem(err, model) for err in exc.errors()]) from None


def _problem(error: Mapping[str, Any], model: type[BaseModel]) -> FieldProblem:
    location = [str(part) for part in error.get("loc", ())]
    field = ".".join(location) or "arguments"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    allowed: list[Any] | None = None
    if error.get("type") == "extra_forbidden":
        message, allowed = "is not an argument of this tool", list(model.model_fields)
    elif error.get("type") == "literal_error" and location and location[0] in model.model_fields:
        allowed = _literal_values(model.model_fields[location[0]].annotation)
    return FieldProblem(field=field, problem=redact(message), allowed=allowed)


def _literal_values(annotation: Any) -> list[Any] | None:
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    for member in get_args(annotation):  # Literal[...] | None
        if get_origin(member) is Literal:
            return list(get_args(member))
    return None
