"""Cooperative tasks: commands that wait (for bios, events, time) without blocking the engine.

A task is a generator that yields ``Until`` conditions; whoever drives the
engine (a script on the stepped clock, or the engine thread) resumes it when
its condition holds.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from concurrent.futures import Future
from typing import Any

TaskGen = Generator["Until", None, Any]


class Until:
    """Resume the task once ``predicate()`` is true.

    ``uninterruptible`` marks a wait in D state (a process waiting for its I/O): a signal
    cannot end it before the predicate holds.
    """

    __slots__ = ("predicate", "what", "uninterruptible")

    def __init__(self, predicate: Callable[[], bool], what: str = "", uninterruptible: bool = False):
        self.predicate = predicate
        self.what = what
        self.uninterruptible = uninterruptible


class Task:
    """A running generator, its current wait, and its outcome."""

    def __init__(self, gen: TaskGen, name: str = "", future: Future | None = None):
        self.gen = gen
        self.name = name
        self.future = future
        self.waiting: Until | None = None
        self.finished = False
        self.result: Any = None
        self.exception: BaseException | None = None

    def step(self) -> bool:
        """Run until the task waits on something not yet true, or ends. True once ended."""
        while not self.finished:
            if self.waiting is not None and not self.waiting.predicate():
                return False
            try:
                self.waiting = self.gen.send(None)
            except StopIteration as stop:
                self._finish(stop.value, None)
            except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the task
                self._finish(None, exc)
        return True

    def cancel(self) -> None:
        if not self.finished:
            self.gen.close()
            self._finish(None, None)

    def _finish(self, result: Any, exc: BaseException | None) -> None:
        self.finished = True
        self.result = result
        self.exception = exc
        if self.future is not None and not self.future.done():
            if exc is not None:
                self.future.set_exception(exc)
            else:
                self.future.set_result(result)


def run_now(gen: TaskGen) -> Any:
    """Drive a generator that is not expected to wait (raises if it does)."""
    task = Task(gen)
    if not task.step():
        raise RuntimeError(f"task waits on {task.waiting.what!r}")
    if task.exception:
        raise task.exception
    return task.result
