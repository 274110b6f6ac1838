"""The workflow-enforcing executor every rendering dispatches to."""

from kp_tools.executor.executor import Executor, MePolicy, executor_for, parse_arguments
from kp_tools.executor.waiting import ProgressCallback, WaitPolicy

__all__ = [
    "Executor",
    "MePolicy",
    "ProgressCallback",
    "WaitPolicy",
    "executor_for",
    "parse_arguments",
]
