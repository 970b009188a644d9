"""The lab clock and its scheduler: every time-dependent thing runs from here."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(order=True)
class Timer:
    """A callback due at a point of lab time; cancel() keeps it from running."""

    due: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)
    owner: str = field(default="", compare=False)  # who set it, named when its callback fails

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """Virtual time in seconds with a queue of timers.

    Nothing moves it but advance()/run_until(): tests and scripts step it, the
    engine thread moves it with real time times a speed factor.
    """

    def __init__(self, start: float = 0.0):
        self.now = start
        self._timers: list[Timer] = []
        self._seq = itertools.count()
        # Called with the timer and the exception when a callback raises; the clock goes on.
        self.on_error: Callable[[Timer, Exception], None] | None = None

    @property
    def jiffies(self) -> int:
        """Kernel jiffies at HZ=250, as the targets that count in jiffies see them."""
        return int(self.now * 250)

    def call_at(self, due: float, callback: Callable[[], None], owner: str = "") -> Timer:
        timer = Timer(max(due, self.now), next(self._seq), callback, owner=owner)
        heapq.heappush(self._timers, timer)
        return timer

    def call_later(self, delay: float, callback: Callable[[], None], owner: str = "") -> Timer:
        return self.call_at(self.now + max(delay, 0.0), callback, owner)

    def next_due(self) -> float | None:
        """When the next live timer is due, or None when nothing is scheduled."""
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].due if self._timers else None

    def run_due(self) -> int:
        """Run every timer due now (including ones they schedule for now)."""
        ran = 0
        while True:
            due = self.next_due()
            if due is None or due > self.now:
                return ran
            timer = heapq.heappop(self._timers)
            try:
                timer.callback()
            except Exception as exc:
                if self.on_error is None:
                    raise
                self.on_error(timer, exc)
            ran += 1

    def advance_to(self, when: float, after_each: Callable[[], None] | None = None) -> None:
        """Move time to ``when``, running each timer at its own due time."""
        while True:
            due = self.next_due()
            if due is None or due > when:
                break
            self.now = max(self.now, due)
            self.run_due()
            if after_each:
                after_each()
        self.now = max(self.now, when)
        self.run_due()
        if after_each:
            after_each()

    def advance(self, seconds: float, after_each: Callable[[], None] | None = None) -> None:
        self.advance_to(self.now + seconds, after_each)

    def pending(self) -> int:
        return sum(1 for t in self._timers if not t.cancelled)
