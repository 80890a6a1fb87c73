"""One-off probes and measurements behind decisions recorded in docs/experiments.md and
docs/server.md: runnable (``python -m scripts.research.<name>``), not listed by ``python -m scripts``."""
