"""Running command lines for the console: a Session on the engine thread, output handed back through a queue.

The UI never calls into the engine directly. It builds a command line, and
``CommandRunner.run`` submits ``session.execute(line)`` to the engine thread
(or runs it inline on a stepped engine). The session's stdout/stderr sinks are
called on the engine thread, so they only append to a thread-safe queue; the
UI drains it from its poll (``CommandRunner.drain``).
"""

from __future__ import annotations

import itertools
import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..commands import registry
from ..commands.messages import DeviceMessage, message_sent
from ..commands.resolver import command_for
from ..commands.session import Session
from ..commands.shell import ShellSyntaxError, parse
from ..engine.views import EngineView
from ..lab import Lab


@dataclass(frozen=True)
class Output:
    """Text a command wrote: complete lines, or a trailing partial line at the end of a command."""

    run_id: int
    stream: str  # "stdout" | "stderr"
    text: str


@dataclass(frozen=True)
class Finished:
    """A command ended (status) or raised (error)."""

    run_id: int
    line: str
    status: int | None
    error: str = ""


class CommandRunner:
    """One Session shared by everything the console runs (so `CMD &` then `wait` works)."""

    def __init__(self, lab: Lab, session: Session | None = None):
        self.lab = lab
        self._queue: queue.SimpleQueue[tuple[str, int, Any]] = queue.SimpleQueue()
        self._ids = itertools.count(1)
        self._current = 0  # the run whose output the sinks are collecting (engine thread only)
        if session is None:
            session = Session(lab, self._stdout, self._stderr, interactive=True, assume_yes=True)
        else:
            session.stdout, session.stderr = self._stdout, self._stderr
        self.session = session
        self._partial: dict[str, str] = {"stdout": "", "stderr": ""}
        self.running: dict[int, str] = {}

    # ---------------------------------------------------------------- engine thread side
    def _stdout(self, data: bytes) -> None:
        self._queue.put(("stdout", self._current, data))

    def _stderr(self, data: bytes) -> None:
        self._queue.put(("stderr", self._current, data))

    # ---------------------------------------------------------------- UI side
    def run(self, line: str, on_done: Callable[[Finished], None] | None = None) -> int:
        """Submit ``line``; returns its run id. Output and the end arrive through ``drain``."""
        run_id = next(self._ids)
        self.running[run_id] = line

        def call():
            self._current = run_id
            return self.session.execute(line)

        future = self.lab.submit_call(call)

        def done(fut) -> None:
            exc = fut.exception()
            if exc is not None:
                self._queue.put(("done", run_id, Finished(run_id, line, None, f"{type(exc).__name__}: {exc}")))
            else:
                self._queue.put(("done", run_id, Finished(run_id, line, fut.result())))

        future.add_done_callback(done)
        return run_id

    def drain(self) -> list[Output | Finished]:
        """Everything the engine side produced since the last call, as whole lines, in order."""
        items: list[Output | Finished] = []
        while True:
            try:
                kind, run_id, payload = self._queue.get_nowait()
            except queue.Empty:
                break
            if kind == "done":
                for stream in ("stdout", "stderr"):
                    if self._partial[stream]:
                        items.append(Output(run_id, stream, self._partial[stream]))
                        self._partial[stream] = ""
                self.running.pop(run_id, None)
                items.append(payload)
                continue
            text = self._partial[kind] + payload.decode("utf-8", "replace")
            *lines, self._partial[kind] = text.split("\n")
            items.extend(Output(run_id, kind, line) for line in lines)
        return items


def _stages(line: str) -> list[list[str]]:
    try:
        pipeline = parse(line)
    except ShellSyntaxError:
        return []
    return [stage.argv for stage in pipeline.stages] if pipeline is not None else []


def destructive_commands(line: str) -> list[registry.Command]:
    """The destructive commands a line would run (the console asks before running them)."""
    found = []
    for argv in _stages(line):
        cmd = command_for(argv)
        if cmd is not None and cmd.destructive:
            found.append(cmd)
    return found


def destructive_messages(line: str, view: EngineView | None) -> list[DeviceMessage]:
    """The target messages a line sends that destroy data (a pool's `delete`), as the view knows the targets."""
    if view is None:
        return []
    found = []
    for argv in _stages(line):
        message = message_sent(argv, view)
        if message is not None and message.destructive:
            found.append(message)
    return found
