"""The engine thread: one thread owns all of a lab's state, so target code needs no locks.

It works in slices: between two slices it runs the calls handed to it (commands) and
publishes a fresh view for the front ends. Lab time follows real time times a speed
factor. Without the thread (scripts, tests) calls run at once on the caller's thread
and the clock is stepped.
"""

from __future__ import annotations

import queue
import threading
import time as _time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from .clock import Clock
from .waits import Scheduler

PUBLISH_INTERVAL = 0.05  # seconds of real time between two published views when nothing else happens


class EngineThread:
    """Runs one lab on its own thread, or (not started) on the caller's."""

    def __init__(self, clock: Clock, scheduler: Scheduler, make_view: Callable[[], Any],
                 on_bug: Callable[[str], None]):
        self.clock = clock
        self.scheduler = scheduler
        self.make_view = make_view
        self.on_bug = on_bug  # an exception that escaped a slice: logged, and the thread goes on
        self.speed = 1.0
        self.paused = False
        self._thread: threading.Thread | None = None
        self._inbox: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._view_lock = threading.Lock()
        self._view: Any = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, speed: float = 1.0) -> None:
        """Hand the lab to its own thread, on a real-time clock times ``speed``."""
        self.speed = speed
        self._view = self.make_view()
        self._stop.clear()
        self._thread = threading.Thread(target=self._main, name="dm-engine", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._inbox.put(None)
        self._thread.join(timeout=5)
        self._thread = None

    def view(self) -> Any:
        """The latest published view (thread-safe); a fresh one when no thread runs."""
        if self._thread is None:
            return self.make_view()
        with self._view_lock:
            return self._view

    def submit_call(self, fn: Callable[[], Any]) -> Future:
        """Run ``fn`` on the engine's thread; if it returns a generator, run that as a task."""
        future: Future = Future()
        if self._thread is None:
            self._execute(fn, future)
            return future
        self._inbox.put((fn, future))
        return future

    def _execute(self, fn: Callable[[], Any], future: Future) -> None:
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
            return
        if hasattr(result, "send") and hasattr(result, "throw"):
            self.scheduler.spawn(result, "call", future)
        else:
            future.set_result(result)

    def _main(self) -> None:
        last_real = _time.monotonic()
        last_publish = 0.0
        while not self._stop.is_set():
            try:
                item = self._next_item()
                now_real = _time.monotonic()
                elapsed, last_real = now_real - last_real, now_real
                if item is not None:
                    self._execute(*item)
                if not self.paused:
                    self.clock.advance(elapsed * self.speed, self.scheduler.run_pending)
                self.scheduler.run_pending()
                if now_real - last_publish >= PUBLISH_INTERVAL or item is not None:
                    view = self.make_view()
                    with self._view_lock:
                        self._view = view
                    last_publish = now_real
            except Exception:  # noqa: BLE001 - a bug must not stop the lab: log it and go on
                self.on_bug(traceback.format_exc(limit=4).strip().splitlines()[-1])

    def _next_item(self):
        due = self.clock.next_due()
        wait = PUBLISH_INTERVAL
        if due is not None and not self.paused and self.speed > 0:
            wait = max(0.0, min(wait, (due - self.clock.now) / self.speed))
        try:
            return self._inbox.get(timeout=wait)
        except queue.Empty:
            return None
