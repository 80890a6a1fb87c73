"""Serve the model over HTTP (NIF for GERBIL, JSON, the demo page) as the Procfile's web line does.

    python -m scripts serve                     # gunicorn, 2 workers, 0.0.0.0:5000
    python -m scripts serve --host 127.0.0.1 --port 8080

The same server `honcho start web` runs: this process becomes gunicorn (exec), so signals
and the exit status are gunicorn's. Settings are the ``NEREL_*`` variables (docs/server.md).
"""
from __future__ import annotations

import argparse
import os
import sys

from model.settings import REPO_ROOT, child_environment
from scripts.bench.nif import procfile_web_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", help="address to bind (default $HOST, else 0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, help="port (default $PORT, else 5000)")
    args = parser.parse_args(argv)
    bind = {name: str(value) for name, value in (("HOST", args.host), ("PORT", args.port)) if value is not None}
    env = child_environment(**bind, PYTHONPATH=str(REPO_ROOT))
    os.chdir(REPO_ROOT)
    os.execvpe("sh", ["sh", "-c", "exec " + procfile_web_command()], env)
    return 1  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main())
