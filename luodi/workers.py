"""Background workers of a serving process: ingestion jobs, webhook deliveries.

The contract: a `Worker` has a `name`, `start()` (returns at once; the work runs on its own thread) and
`stop(timeout)` (asks it to finish and waits at most `timeout` seconds). Every piece of a worker's state lives in
the platform database, claimed row by row, so a worker killed mid-task leaves work that the next start of any
replica claims again; a worker therefore never keeps anything only in memory.

How to write one: subclass `PollingWorker` and implement `run_once() -> bool` (True when it did something, so it
polls again at once); call `wake()` when new work is known to be waiting, to skip the poll interval.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

log = logging.getLogger("luodi.workers")


class Worker(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...


class PollingWorker:
    """A thread that calls `run_once` until stopped, sleeping `interval` seconds when there was nothing to do."""

    name = "worker"

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=f"luodi-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a worker outlives one bad task; the task's own row says what went wrong
                log.exception("%s failed a round", self.name)
                busy = False
            if not busy:
                self._wake.wait(self.interval)
                self._wake.clear()
