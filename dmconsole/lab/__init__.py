"""The lab: an engine and what runs on it from user space (workloads), behind one typed handle.

Every front end gets a ``Lab``: it runs command lines through a session on it, reads
its published view (``view()``), and starts or stops its thread. Nothing above the
lab touches a live target.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from ..engine import Engine
from ..engine.views import EngineView
from .workload import Workloads


class Lab:
    """One lab: its engine (the kernel side) and its workloads."""

    def __init__(self, engine: Engine | None = None, *, dm_major: int | None = None):
        if engine is None:
            engine = Engine() if dm_major is None else Engine(dm_major=dm_major)
        self.engine = engine
        self.workloads = Workloads(engine)
        engine.thread.make_view = self.make_view

    def make_view(self) -> EngineView:
        """A fresh view (on the engine's thread, or when no thread runs)."""
        return self.engine.make_view(self.workloads.views())

    def view(self) -> EngineView:
        """The latest published view: safe to call from any thread."""
        return self.engine.thread.view()

    # ------------------------------------------------------------------ running
    @property
    def threaded(self) -> bool:
        return self.engine.threaded

    def start(self, speed: float = 1.0) -> None:
        """Hand the lab to the engine thread, on real time times ``speed``."""
        self.engine.start(speed)

    def stop(self) -> None:
        self.engine.stop()

    def submit_call(self, fn: Callable[[], Any]) -> Future:
        """Run ``fn`` where the lab's state lives (the engine thread, or here when none runs)."""
        return self.engine.submit_call(fn)
