"""What a command handler gets: the shell that runs it (and through it the lab), stdin, and its output streams."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..engine import Engine
    from ..engine.core.waits import TaskGen
    from ..lab import Lab

Sink = Callable[[bytes], None]


class Shell(Protocol):
    """What a command may ask of the session running it: its lab, its jobs, and to run another command."""

    lab: Lab

    def run_argv(self, argv: list[str], stdin: bytes, stdout: Sink, stderr: Sink) -> TaskGen: ...

    def running_jobs(self) -> list[Any]: ...


class Context:
    def __init__(self, session: Shell, stdin: bytes, stdout: Sink, stderr: Sink, argv0: str):
        self.session = session
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.argv0 = argv0

    @property
    def lab(self) -> Lab:
        return self.session.lab

    @property
    def engine(self) -> Engine:
        return self.session.lab.engine

    def write(self, data: bytes | str) -> None:
        self.stdout(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data)

    def out(self, text: str = "") -> None:
        """A line on stdout."""
        self.write(text + "\n")

    def err(self, text: str) -> None:
        """A line on stderr."""
        self.stderr((text + "\n").encode("utf-8", "surrogateescape"))

    def raw_err(self, text: str) -> None:
        """Text on stderr, as it is."""
        self.stderr(text.encode("utf-8", "surrogateescape"))
