"""Importing the modules that register commands and assistant kinds, where they are installed."""

from __future__ import annotations

import importlib


def import_if_present(module: str) -> bool:
    """Import `module`; False if it is absent. A missing dependency *inside* it still raises."""
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return False
    return True
