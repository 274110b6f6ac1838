"""The ``kp-tools`` command line (typer + rich)."""

from kp_tools.cli.app import app, main

__all__ = ["app", "main"]
