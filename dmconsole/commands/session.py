"""A session runs command lines: pipelines, background jobs and blocking commands on the engine."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass

from ..engine.core.waits import AnyOf, Sleep, Task, TaskGen, WaitQueue
from ..lab import Lab
from .context import Context
from .resolver import resolve, sub_words
from .shell import Pipeline, ShellSyntaxError, parse

Sink = Callable[[bytes], None]

# A background job starts once the shell has moved on: at the next command, or once any lab time has passed.
_JOB_START_DELAY = 1e-9


@dataclass
class Job:
    number: int
    text: str
    task: Task

    @property
    def done(self) -> bool:
        return self.task.finished


class Session:
    """Executes the command language against one lab."""

    def __init__(
        self,
        lab: Lab,
        stdout: Sink,
        stderr: Sink,
        *,
        interactive: bool = False,
        assume_yes: bool = True,
        block_bound: float = 600.0,
    ):
        self.lab = lab
        self.engine = lab.engine
        self.stdout = stdout
        self.stderr = stderr
        self.interactive = interactive
        self.assume_yes = assume_yes
        self.block_bound = block_bound
        self.jobs: list[Job] = []
        self._job_numbers = 0
        self._lines_started = 0
        self._line_started = WaitQueue()
        self.last_status = 0

    # ------------------------------------------------------------------ entry points
    def execute(self, line: str) -> TaskGen:
        """A generator that runs one line; its return value is the exit status."""
        try:
            pipeline = parse(line)
        except ShellSyntaxError as exc:
            self.stderr(f"dmconsole: {exc}\n".encode())
            return 2
        self._lines_started += 1
        self._line_started.wake_up()
        if pipeline is None:
            return 0
        if pipeline.background:
            self._job_numbers += 1
            task = self.engine.spawn(self._background(pipeline), pipeline.text)
            self.jobs.append(Job(self._job_numbers, pipeline.text, task))
            return 0
        status = yield from self.run_pipeline(pipeline)
        self.last_status = status
        return status

    def _background(self, pipeline: Pipeline) -> TaskGen:
        """A job gets going once the shell has moved on, as a forked process does: after the
        next command has started, or once lab time has passed."""
        line, clock = self._lines_started, self.engine.clock
        yield AnyOf(self._line_started.wait_event(lambda: self._lines_started > line, "its turn to run"),
                    Sleep(clock, clock.now + _JOB_START_DELAY))
        return (yield from self.run_pipeline(pipeline))

    def run_line(self, line: str) -> int:
        """Run one line on the stepped clock, advancing time while it blocks (scripts, tests)."""
        finished, result = self.engine.run(self.execute(line), self.block_bound)
        if not finished:
            self.stderr(
                f"dmconsole: still blocked after {self.block_bound:g} s of lab time"
                f"{' waiting for ' + result if result else ''}; left running in the background\n".encode()
            )
            return 124
        return result

    # ------------------------------------------------------------------ pipelines
    def run_pipeline(self, pipeline: Pipeline) -> TaskGen:
        data = b""
        status = 0
        for index, stage in enumerate(pipeline.stages):
            last = index == len(pipeline.stages) - 1
            captured: list[bytes] = []
            to_stdout: Sink = self.stdout if last else captured.append
            if stage.stdout == "/dev/null":
                to_stdout = _discard
            to_stderr: Sink = self.stderr
            if stage.stderr == "/dev/null":
                to_stderr = _discard
            elif stage.stderr == "&1":
                to_stderr = to_stdout
            status = yield from self.run_argv(stage.argv, data, to_stdout, to_stderr)
            data = b"".join(captured)
        return status

    def run_argv(self, argv: list[str], stdin: bytes, stdout: Sink, stderr: Sink) -> TaskGen:
        """Resolve and run one command; nothing a handler raises escapes."""
        resolved = resolve(argv)
        cmd, rest = resolved.command, resolved.args
        if cmd is None:
            subs = sub_words(argv[0])
            if subs:  # a group word (`disk`) alone, or with a word the group does not have
                what = " ".join(argv[:2])
                stderr(f"dmconsole: {what}: {argv[0]} takes one of: {', '.join(subs)} (`help {argv[0]}` says more)\n"
                       .encode())
                return 2
            stderr(f"dmconsole: {argv[0]}: command not found\n".encode())
            return 127
        ctx = Context(self, stdin, stdout, stderr, argv[0])
        try:
            result = cmd.handler(ctx, rest)
            if hasattr(result, "send"):
                result = yield from result
        except Exception as exc:  # noqa: BLE001 - a bug must not take the session down
            stderr(f"dmconsole: {cmd.name}: internal error: {exc!r}\n".encode())
            if self.interactive:
                stderr(traceback.format_exc().encode())
            return 70
        return int(result or 0)

    # ------------------------------------------------------------------ jobs
    def running_jobs(self) -> list[Job]:
        self.jobs = [job for job in self.jobs if not job.done]
        return self.jobs


def _discard(_: bytes) -> None:
    pass
