"""The kernel log ring buffer that targets write to and `dmesg` reads."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class LogLine:
    seq: int
    time: float
    text: str

    def dmesg(self) -> str:
        """The line as `dmesg` prints it: ``[    1.234567] text``."""
        whole = int(self.time)
        micros = int(round((self.time - whole) * 1_000_000))
        if micros >= 1_000_000:
            whole, micros = whole + 1, micros - 1_000_000
        return f"[{whole:5d}.{micros:06d}] {self.text}"


RATELIMIT_INTERVAL = 5.0  # DEFAULT_RATELIMIT_INTERVAL (5 * HZ)
RATELIMIT_BURST = 10  # DEFAULT_RATELIMIT_BURST


@dataclass
class RateLimit:
    """``struct ratelimit_state`` of one printk_ratelimited() call site."""

    begin: float = -1.0
    printed: int = 0
    missed: int = 0


class KernelLog:
    """A bounded ring of kernel messages with a read cursor for `dmesg -c`."""

    def __init__(self, clock, capacity: int = 4096):
        self._clock = clock
        self._lines: deque[LogLine] = deque(maxlen=capacity)
        self._seq = 0
        self.cleared_upto = 0  # `dmesg -c` hides lines with seq below this
        self._limits: dict[str, RateLimit] = {}

    def log(self, text: str) -> LogLine:
        self._seq += 1
        line = LogLine(self._seq, self._clock.now, text)
        self._lines.append(line)
        return line

    def log_ratelimited(self, func: str, text: str) -> LogLine | None:
        """printk_ratelimited() from the kernel function ``func``: at most 10 lines per 5 s; the next
        interval starts with ``func: N callbacks suppressed`` when lines were dropped."""
        state = self._limits.setdefault(func, RateLimit())
        now = self._clock.now
        if state.begin < 0 or now > state.begin + RATELIMIT_INTERVAL:  # time_is_before_jiffies()
            if state.missed:
                self.log(f"{func}: {state.missed} callbacks suppressed")
                state.missed = 0
            state.begin, state.printed = now, 0
        if state.printed >= RATELIMIT_BURST:
            state.missed += 1
            return None
        state.printed += 1
        return self.log(text)

    def lines(self, since: int = 0) -> list[LogLine]:
        start = max(since, self.cleared_upto)
        return [line for line in self._lines if line.seq > start]

    def clear(self) -> None:
        self.cleared_upto = self._seq

    @property
    def last_seq(self) -> int:
        return self._seq
