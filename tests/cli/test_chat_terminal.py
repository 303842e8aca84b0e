"""`luodi chat` in a real terminal (a pseudo-terminal): Ctrl-C during a streamed answer from the real server stops
that answer and keeps the chat, whose next question carries the history; Ctrl-D at the prompt leaves."""

from __future__ import annotations

import os
import re
import select
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from luodi.cli.serve import STOPPED
from luodi.config import load_settings
from tests.conftest import LiveServer, write_config

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
FIRST = "Write a very long story about a dragon, a knight and a castle."
SECOND = "Thank you. Now say goodbye."


class Terminal:
    """A program on a pseudo-terminal: type into it, read its screen's text."""

    def __init__(self, argv: list[str]) -> None:
        self.pid, self.fd = os.forkpty()
        if self.pid == 0:  # the child: the terminal is its controlling tty, as in a shell
            # a shell starts background jobs with SIGINT ignored, and an ignored signal survives exec: give the chat
            # the terminal's usual Ctrl-C whatever ran these tests
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execvpe(argv[0], argv, {**os.environ, "COLUMNS": "100", "TERM": "xterm"})
        self.screen = ""

    def read_until(self, pattern: str, timeout: float, start: int = 0) -> int:
        """Read until `pattern` shows after offset `start`; its offset."""
        deadline = time.monotonic() + timeout
        while (found := self.screen.find(pattern, start)) < 0:
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern!r} not seen in {timeout} s; the screen:\n{self.screen}"
            if select.select([self.fd], [], [], left)[0]:
                try:
                    self.screen += ANSI.sub("", os.read(self.fd, 4096).decode(errors="replace"))
                except OSError:  # the program has ended
                    break
        assert found >= 0, f"{pattern!r} not seen; the screen:\n{self.screen}"
        return found

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        os.kill(self.pid, 9)
        raise AssertionError(f"the program did not end; the screen:\n{self.screen}")


def spy_on_turns(server: LiveServer) -> list[Any]:
    """The turns the server's platform streams (the real method runs; the spy only keeps its argument)."""
    seen: list[Any] = []
    stream = server.platform.stream

    def recording(admission: Any, turn: Any) -> Iterator[Any]:
        seen.append(turn)
        return stream(admission, turn)

    server.platform.stream = recording  # type: ignore[method-assign]
    return seen


def test_ctrl_c_stops_the_answer_and_keeps_the_chat(server_factory: Callable[..., LiveServer], tmp_path: Path) -> None:
    config = write_config(tmp_path / "luodi.yaml", tmp_path / "data")
    server = server_factory(load_settings(config))
    turns = spy_on_turns(server)
    terminal = Terminal([sys.executable, "-m", "luodi", "chat", "general", "--url", server.url,
                         "--api-key", server.new_key(), "--config", str(config)])
    terminal.read_until("you> ", 30)
    terminal.type(FIRST + "\r")
    answer = terminal.read_until("general> ", 30) + len("general> ")
    while len(terminal.screen[answer:].strip()) < 12:  # a few words of the answer are on the screen
        terminal.read_until(" ", 60, len(terminal.screen))
    terminal.type("\x03")  # Ctrl-C: the terminal sends SIGINT to the chat's process group
    stopped = terminal.read_until(STOPPED, 10, answer)
    shown = terminal.screen[answer:stopped].strip()
    prompt = terminal.read_until("you> ", 10, stopped)
    started = time.monotonic()
    terminal.type(SECOND + "\r")
    terminal.read_until("general> ", 30, prompt)
    terminal.read_until("you> ", 120, prompt + 1)  # the second answer is written to its end
    second_took = time.monotonic() - started
    terminal.type("\x04")  # Ctrl-D at the prompt leaves
    assert terminal.wait(10) == 0
    assert "Traceback" not in terminal.screen and "KeyboardInterrupt" not in terminal.screen
    assert len(turns) == 2
    said = [(m.role, m.content) for m in turns[1].messages if m.role != "system"]
    assert [role for role, _ in said] == ["user", "assistant", "user"]
    assert said[0][1] == FIRST and said[2][1] == SECOND
    partial = said[1][1]
    assert partial.strip() and " ".join(partial.split()).startswith(" ".join(shown.split())[:10])
    assert second_took < 100, "the server went on writing the stopped answer"
