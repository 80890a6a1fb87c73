"""Helpers of ``python -m scripts.benchmark``: systems and paper figures, runs, NIF, report."""
