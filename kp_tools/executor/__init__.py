"""The workflow-enforcing executor every rendering dispatches to."""

from kp_tools.executor.arguments import parse_arguments
from kp_tools.executor.executor import Caller, Executor, MePolicy
from kp_tools.executor.waiting import ProgressCallback, WaitPolicy

__all__ = [
    "Caller",
    "Executor",
    "MePolicy",
    "ProgressCallback",
    "WaitPolicy",
    "parse_arguments",
]
