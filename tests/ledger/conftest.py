"""Fixtures of the ledger's tests."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


@pytest.fixture()
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local zone 8 hours ahead of UTC (Beijing, no daylight saving) for the test: a naive time
    read as local instead of UTC lands 8 hours off."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
