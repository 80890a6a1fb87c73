"""WSGI entry point for gunicorn (``server.wsgi:app``).

Configuration comes from the environment (see `server.config`). If the model cannot be
loaded the process exits with a message naming the missing step instead of serving 503s.
"""
from __future__ import annotations

import logging
import sys

from server.app import create_app
from server.config import ConfigError
from server.loading import ModelUnavailable

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

try:
    app = create_app()
except (ModelUnavailable, ConfigError) as error:
    sys.stderr.write(f"nerel server cannot start: {error}\n")
    sys.stderr.flush()
    raise SystemExit(3) from None
