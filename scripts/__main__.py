"""The command line: ``python -m scripts`` lists the commands, ``python -m scripts COMMAND --help``
documents one, ``python -m scripts COMMAND ARGS...`` runs it.

Each command is a module of this package with ``main(argv)``: ``python -m scripts.<module>``
runs the same thing (the form checkpoints' lineage and older notes record). Probes behind
past decisions live in ``scripts/research/`` and are not listed; harness code shared by
tests and benchmarks lives in ``scripts/bench/``.
"""
from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# command → module, in the order a user meets them: serve and use, data and model, evaluation, serving checks.
COMMANDS: dict[str, str] = {
    "serve": "serve",
    "annotate": "annotate",
    "corpus": "corpus",
    "data": "prepare_data",
    "kb": "open_kb",
    "train": "train",
    "average": "average_epochs",
    "soup": "soup",
    "calibrate": "calibrate",
    "evaluate": "evaluate",
    "nif-eval": "nif_eval",
    "gerbil": "gerbil_drive",
    "benchmark": "benchmark",
    "open-world": "open_world_check",
    "speed": "speed",
    "server-speed": "server_speed",
    "request-cost": "request_cost",
    "long-document": "long_document",
    "soak": "soak",
    "ui-check": "ui_check",
}


def available() -> dict[str, str]:
    """The commands whose module exists (a checkout may predate one)."""
    return {name: module for name, module in COMMANDS.items() if (PACKAGE_DIR / f"{module}.py").is_file()}


def summary(module: str) -> str:
    """The first line of a command module's docstring, read without importing it (listing
    every command must not load torch twenty times)."""
    docstring = ast.get_docstring(ast.parse((PACKAGE_DIR / f"{module}.py").read_text())) or ""
    return docstring.split("\n", 1)[0]


def listing() -> str:
    commands = available()
    width = max(map(len, commands))
    lines = ["usage: python -m scripts COMMAND [ARGS...]   (python -m scripts COMMAND --help for its options)", "",
             "commands:"]
    lines += [f"  {name:<{width}}  {summary(module)}" for name, module in commands.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(listing())
        return 0
    command, rest = argv[0], argv[1:]
    commands = available()
    if command not in commands:
        print(f"unknown command {command!r}\n\n{listing()}", file=sys.stderr)
        return 2
    sys.argv[0] = f"python -m scripts {command}"  # what argparse shows as the program name
    return importlib.import_module(f"scripts.{commands[command]}").main(rest) or 0


if __name__ == "__main__":
    sys.exit(main())
