"""Every script module imports: a name removed from the library must not break a script
that no other test runs (benchmarks and tools are not exercised end to end in CI)."""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import scripts
import scripts.bench
import scripts.research

MODULES = sorted(f"{package.__name__}.{info.name}" for package in (scripts, scripts.bench, scripts.research)
                 for info in pkgutil.iter_modules(package.__path__) if not info.ispkg)


@pytest.mark.parametrize("name", MODULES)
def test_script_module_imports(name):
    importlib.import_module(name)
