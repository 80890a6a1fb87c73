"""gunicorn settings the Procfile's command line cannot carry (``--config python:server.gunicorn_config``).

`worker_exit`: a worker leaves with `os._exit`, skipping the C-level exit handlers. When ONNX
Runtime (the MiniLM encoder, `model.embeddings.minilm_onnx`) is loaded in the master before
the workers are forked (``--preload``, which the Procfile no longer uses: each worker loads
its own model so that it can listen while a first start builds the open knowledge base),
its C++ static destructors, run at a normal interpreter exit, hang or abort (SIGABRT) in
the forked process; leaving this way is safe either way. Everything a worker
must finish has finished by then: gunicorn calls this hook last, after the worker's
requests are done; logs are flushed here. The exit status is the one the worker was
leaving with, so the master still tells a boot failure from a normal exit.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any


def exit_status(leaving: BaseException | None) -> int:
    """The status `sys.exit` would give for the exception a process is leaving with."""
    if leaving is None:
        return 0
    if isinstance(leaving, SystemExit):
        code = leaving.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    return 1


def worker_exit(server: Any, worker: Any) -> None:
    """gunicorn hook, run in the worker process as it exits (see the module doc)."""
    status = exit_status(sys.exc_info()[1])
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
