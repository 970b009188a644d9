"""Tasks that sleep on wait queues, completions and the lab clock, as kernel threads and processes do.

A task is a generator. It yields a ``Wait`` (``wq.wait_event(condition)``,
``completion.wait()``, ``Sleep``, ``AnyOf``) and sleeps until something it
armed wakes it: a ``wake_up()`` of the queue, a ``complete()``, a timer. Woken,
it checks its condition again (as ``wait_event()`` does) and either goes on or
sleeps again. Nothing is polled: a sleeping task costs nothing until its wait
queue is woken.

The ``Scheduler`` keeps the run queue: woken tasks run, in the order they were
woken, whenever whoever drives the engine calls ``run_pending()``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import Clock, Timer


class Wait:
    """What a task yields: it sleeps until ``ready()``, re-checked each time something it armed wakes it."""

    __slots__ = ("what", "uninterruptible")

    def __init__(self, what: str = "", uninterruptible: bool = False):
        self.what = what
        # D state: a process waiting for its I/O cannot be ended by a signal before the wait is over
        self.uninterruptible = uninterruptible

    def ready(self) -> bool:
        raise NotImplementedError

    def arm(self, task: Task) -> None:
        """Make sure ``task`` is woken when the wait may be over (called again after a spurious wake-up)."""
        raise NotImplementedError

    def disarm(self, task: Task) -> None:
        """The task stops waiting: take it off whatever it was armed on."""
        raise NotImplementedError


TaskGen = Generator[Wait, None, Any]


class WaitQueue:
    """``wait_queue_head_t``: tasks sleeping until someone calls ``wake_up()``."""

    __slots__ = ("_sleepers",)

    def __init__(self) -> None:
        self._sleepers: dict[Task, None] = {}

    def add(self, task: Task) -> None:
        self._sleepers[task] = None

    def remove(self, task: Task) -> None:
        self._sleepers.pop(task, None)

    def wake_up(self) -> None:
        """Wake every sleeper; each one checks its own condition again."""
        if not self._sleepers:
            return
        sleepers, self._sleepers = self._sleepers, {}
        for task in sleepers:
            task.wake()

    def wait_event(self, condition: Callable[[], bool], what: str = "", uninterruptible: bool = False) -> Wait:
        """``wait_event(wq, condition)``."""
        return EventWait(self, condition, what, uninterruptible)


class EventWait(Wait):
    __slots__ = ("queue", "condition")

    def __init__(self, queue: WaitQueue, condition: Callable[[], bool], what: str, uninterruptible: bool):
        super().__init__(what, uninterruptible)
        self.queue = queue
        self.condition = condition

    def ready(self) -> bool:
        return self.condition()

    def arm(self, task: Task) -> None:
        self.queue.add(task)

    def disarm(self, task: Task) -> None:
        self.queue.remove(task)


class Completion:
    """``struct completion``: done once, and every waiter goes on."""

    __slots__ = ("done", "_queue")

    def __init__(self) -> None:
        self.done = False
        self._queue = WaitQueue()

    def complete(self) -> None:
        self.done = True
        self._queue.wake_up()

    def wait(self, what: str = "", uninterruptible: bool = False) -> Wait:
        """``wait_for_completion()`` (``uninterruptible``) or its killable form."""
        return EventWait(self._queue, lambda: self.done, what, uninterruptible)


class Mutex:
    """``struct mutex``: one holder at a time; the others sleep until it is released."""

    __slots__ = ("locked", "_queue")

    def __init__(self) -> None:
        self.locked = False
        self._queue = WaitQueue()

    def lock(self, what: str = "") -> Generator[Wait, None, None]:
        """``mutex_lock_interruptible()``: a signal may end the wait (the caller then does not hold it)."""
        if self.locked:
            yield self._queue.wait_event(lambda: not self.locked, what)
        self.locked = True

    def unlock(self) -> None:
        self.locked = False
        self._queue.wake_up()


class Sleep(Wait):
    """``schedule_timeout()``: until a point of lab time."""

    __slots__ = ("clock", "due", "_timer")

    def __init__(self, clock: Clock, due: float, what: str = "", uninterruptible: bool = False):
        super().__init__(what, uninterruptible)
        self.clock = clock
        self.due = due
        self._timer: Timer | None = None

    def ready(self) -> bool:
        return self.clock.now >= self.due

    def arm(self, task: Task) -> None:
        if self._timer is None or self._timer.cancelled:
            self._timer = self.clock.call_at(self.due, task.wake)

    def disarm(self, task: Task) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class AnyOf(Wait):
    """Until any of several waits is over (a sleep with a timeout, a command under ``timeout``)."""

    __slots__ = ("waits",)

    def __init__(self, *waits: Wait, what: str = ""):
        super().__init__(what or waits[0].what, all(w.uninterruptible for w in waits))
        self.waits = waits

    def ready(self) -> bool:
        return any(w.ready() for w in self.waits)

    def arm(self, task: Task) -> None:
        for wait in self.waits:
            wait.arm(task)

    def disarm(self, task: Task) -> None:
        for wait in self.waits:
            wait.disarm(task)


class Task:
    """A running generator: what it waits on, and once it has ended, its result or exception."""

    __slots__ = ("gen", "name", "scheduler", "future", "waiting", "finished", "result", "exception", "_queued",
                 "_exit")

    def __init__(self, scheduler: Scheduler, gen: TaskGen, name: str = "", future: Future | None = None):
        self.gen = gen
        self.name = name
        self.scheduler = scheduler
        self.future = future
        self.waiting: Wait | None = None
        self.finished = False
        self.result: Any = None
        self.exception: BaseException | None = None
        self._queued = False
        self._exit: WaitQueue | None = None

    def wake(self) -> None:
        """``wake_up_process()``: run again at the scheduler's next turn."""
        if not self.finished and not self._queued:
            self._queued = True
            self.scheduler.runqueue.append(self)

    def step(self) -> bool:
        """Run until the task sleeps on something not yet over, or ends. True once it has ended."""
        self._queued = False
        while not self.finished:
            wait = self.waiting
            if wait is not None:
                if not wait.ready():
                    wait.arm(self)
                    return False
                wait.disarm(self)
            try:
                self.waiting = self.gen.send(None)
            except StopIteration as stop:
                self._finish(stop.value, None)
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the task
                self._finish(None, exc)
        return True

    def cancel(self) -> None:
        """End the task where it sleeps (GeneratorExit is raised inside it)."""
        if self.finished:
            return
        if self.waiting is not None:
            self.waiting.disarm(self)
        try:
            self.gen.close()
        except Exception as exc:  # noqa: BLE001 - a task that fails while being ended
            self._finish(None, exc)
            return
        self._finish(None, None)

    def exit_wait(self, what: str = "", uninterruptible: bool = False) -> Wait:
        """Until the task has ended (``waitpid()``)."""
        if self._exit is None:
            self._exit = WaitQueue()
        return self._exit.wait_event(lambda: self.finished, what or self.name, uninterruptible)

    def _finish(self, result: Any, exc: BaseException | None) -> None:
        self.finished = True
        self.waiting = None
        self.result = result
        self.exception = exc
        if self._exit is not None:
            self._exit.wake_up()
        if self.future is not None and not self.future.done():
            if exc is not None:
                self.future.set_exception(exc)
            else:
                self.future.set_result(result)

    def __repr__(self) -> str:
        state = "finished" if self.finished else f"waiting for {self.waiting.what!r}" if self.waiting else "running"
        return f"<Task {self.name!r} {state}>"


class Scheduler:
    """The run queue of the lab's tasks."""

    def __init__(self) -> None:
        self.runqueue: deque[Task] = deque()

    def spawn(self, gen: TaskGen, name: str = "", future: Future | None = None) -> Task:
        """Start a task: it runs at once until it first sleeps."""
        task = Task(self, gen, name, future)
        task.step()
        return task

    def queue(self, gen: TaskGen, name: str = "") -> Task:
        """Start a task at the scheduler's next turn (as queue_work() hands work to a worker thread)."""
        task = Task(self, gen, name)
        task.wake()
        return task

    def run_pending(self) -> None:
        """Run every woken task (and those they wake) until none is left to run."""
        queue = self.runqueue
        while queue:
            queue.popleft().step()


def run_now(gen: TaskGen) -> Any:
    """Drive a generator that is not expected to sleep (raises if it does)."""
    while True:
        try:
            wait = gen.send(None)
        except StopIteration as stop:
            return stop.value
        if not wait.ready():
            gen.close()
            raise RuntimeError(f"task sleeps on {wait.what!r}")


def drive(result: Any) -> Generator[Wait, None, Any]:
    """Run a hook or step that may or may not be a generator (a hook that sleeps, or one that does not)."""
    if hasattr(result, "send"):
        return (yield from result)
    return result
