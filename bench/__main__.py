"""``python -m bench``: run the measurements, print the tables, write BENCHMARKS.md and JSON.

python -m bench                  # everything: BENCHMARKS.md and bench/results/latest.json
python -m bench --quick          # shorter (under 2 minutes): bench/results/quick.json only
python -m bench --only executor --only adapters
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

from bench.common import Settings, compile_byte_code
from bench.machine import describe
from bench.report import Section, render, update_markdown, write_json

ROOT = Path(__file__).resolve().parent.parent
MODULES = {
    "executor": "bench.executor_overhead",
    "adapters": "bench.adapters",
    "cold-start": "bench.cold_start",
    "http": "bench.http_load",
    "waiting": "bench.waiting",
    "memory": "bench.memory",
    "topology": "bench.topology",
    "workers": "bench.workers",
    "speed": "bench.speed",
}


def _first_leaf(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (under 2 min)")
    parser.add_argument(
        "--only", action="append", choices=list(MODULES), help="run only this (repeatable)"
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        help="where to write the results table (default: BENCHMARKS.md on a full run, else none)",
    )
    parser.add_argument(
        "--json", type=Path, help="where to write the raw results (default: bench/results/)"
    )
    options = parser.parse_args(argv)
    settings = Settings(quick=options.quick)
    partial = options.quick or bool(options.only)
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]).strip()

    sections: list[Section] = []
    started = time.monotonic()
    compiled = compile_byte_code()  # as an installed package is: see compile_byte_code
    print(f"[bench] byte code compiled: {', '.join(compiled)}", file=sys.stderr, flush=True)
    for name in options.only or list(MODULES):
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        began, load_before = time.monotonic(), os.getloadavg()[0]
        module = importlib.import_module(MODULES[name])
        try:
            section: Section = module.run(settings)
        except BaseExceptionGroup as group:  # sessions' task groups nest the cause ten deep
            cause = _first_leaf(group)
            raise RuntimeError(f"section {name} failed: {cause!r}") from cause
        took, load_after = time.monotonic() - began, os.getloadavg()[0]
        section.notes.append(
            f"Took {took:.0f} s; 1-minute load average {load_before:.2f} before, "
            f"{load_after:.2f} after (other work on the machine shows here)."
        )
        sections.append(section)
        print(f"[bench] {name}: {took:.0f} s", file=sys.stderr, flush=True)
    print(f"[bench] total {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    machine = describe()
    generated = render(sections, machine, command)
    print(generated)
    default_json = "quick.json" if options.quick else ("partial.json" if partial else "latest.json")
    json_path = options.json or ROOT / "bench" / "results" / default_json
    write_json(json_path, sections, machine, command)
    markdown = options.markdown or (None if partial else ROOT / "BENCHMARKS.md")
    if markdown is not None:
        update_markdown(markdown, generated)
    failed = [check for section in sections for check in section.checks if not check.met]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
