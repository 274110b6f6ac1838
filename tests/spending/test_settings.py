"""Spending limits from the environment: read by every executor, refused when malformed."""

from __future__ import annotations

import subprocess

import pytest

from kp_tools import ErrorCode, Executor, Sandbox
from kp_tools.spending import Budget
from tests.conftest import MEMBER
from tests.processes import KP_MCP, child_env

VIDEO = {"type": "slides_video", "prompt": "Plate tectonics", "scene_count": 5}


def test_an_executor_reads_its_limits_from_the_environment() -> None:
    executor = Executor(
        env={
            "KP_BUDGET_CREDITS": "500",
            "KP_BUDGET_WINDOW_SECONDS": "3600",
            "KP_MAX_CREDITS_PER_CALL": "50",
            "KP_CONFIRM_ABOVE_CREDITS": "0",
        }
    )
    assert executor.budget == Budget(credits=500, window_seconds=3600, max_per_call=50)
    assert executor.confirm_above_credits == 0


def test_without_variables_there_is_no_limit() -> None:
    executor = Executor(env={})
    assert executor.budget is None and executor.confirm_above_credits is None


def test_explicit_options_win_over_the_environment() -> None:
    executor = Executor(
        budget=Budget(credits=1),
        confirm_above_credits=5,
        env={"KP_BUDGET_CREDITS": "500", "KP_CONFIRM_ABOVE_CREDITS": "0"},
    )
    assert executor.budget == Budget(credits=1) and executor.confirm_above_credits == 5


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KP_BUDGET_CREDITS", "-1"),
        ("KP_BUDGET_CREDITS", "lots"),
        ("KP_BUDGET_CREDITS", "12.5"),
        ("KP_MAX_CREDITS_PER_CALL", "-5"),
        ("KP_BUDGET_WINDOW_SECONDS", "0"),
        ("KP_BUDGET_WINDOW_SECONDS", "-60"),
        ("KP_BUDGET_WINDOW_SECONDS", "a day"),
        ("KP_BUDGET_WINDOW_SECONDS", "inf"),
        ("KP_CONFIRM_ABOVE_CREDITS", "-1"),
        ("KP_CONFIRM_ABOVE_CREDITS", "yes"),
    ],
)
def test_a_malformed_variable_is_refused_naming_it(variable: str, value: str) -> None:
    env = {"KP_BUDGET_CREDITS": "100", variable: value}
    with pytest.raises(ValueError, match=variable):
        Executor(env=env)


@pytest.mark.parametrize("option", [{"confirm_above_credits": -1}])
def test_a_malformed_option_is_refused(option: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="confirm_above_credits"):
        Executor(env={}, **option)  # type: ignore[arg-type]


def test_a_malformed_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="credits"):
        Budget(credits=-3)
    with pytest.raises(ValueError, match="window_seconds"):
        Budget(credits=3, window_seconds=0)


async def test_a_window_without_a_budget_limits_nothing(sandbox: Sandbox) -> None:
    executor = Executor(sandbox.client(), env={"KP_BUDGET_WINDOW_SECONDS": "60"})
    assert executor.budget is None


async def test_the_environments_ceiling_holds_for_calls(sandbox: Sandbox) -> None:
    executor = Executor(sandbox.client(), env={"KP_BUDGET_CREDITS": "10"})
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    outcome = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert outcome.code is ErrorCode.BUDGET_EXCEEDED
    assert sandbox.count("POST", "/creations") == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "env", "variable"),
    [
        (["--budget-credits", "-5"], {}, "KP_BUDGET_CREDITS"),
        (["--budget-window-seconds", "0"], {}, "KP_BUDGET_WINDOW_SECONDS"),
        (["--confirm-above-credits", "-1"], {}, "KP_CONFIRM_ABOVE_CREDITS"),
        ([], {"KP_MAX_CREDITS_PER_CALL": "ten"}, "KP_MAX_CREDITS_PER_CALL"),
    ],
)
def test_kp_mcp_refuses_to_start_with_a_bad_limit(
    args: list[str], env: dict[str, str], variable: str
) -> None:
    finished = subprocess.run(
        [str(KP_MCP), *args],
        env=child_env(**env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert variable in finished.stderr.decode()
