"""The one lab builder of every front end: a lab, with a YAML stack (or the demo stack) built on it."""

from __future__ import annotations

from ..lab import Lab
from ..lab.stack import DEMO_STACK, StackError, find_sample, read_stack_file, stack_lines
from .session import Session

__all__ = ["StackError", "build_lab", "load_stack", "run_stack_lines"]


def run_stack_lines(lab: Lab, lines: list[str]) -> None:
    """Run a stack's command lines on the lab; the first that fails raises StackError with what it said."""
    for line in lines:
        errors: list[bytes] = []
        session = Session(lab, lambda _data: None, errors.append)
        status = session.run_line(line)
        if status:
            raise StackError(f"`{line}` failed: {b''.join(errors).decode(errors='replace').strip()}")


def load_stack(lab: Lab, spec: object) -> None:
    """Build a parsed stack (a YAML document) on the lab."""
    run_stack_lines(lab, stack_lines(spec))


def build_lab(stack: str | None = None, *, demo: bool = False, dm_major: int | None = None) -> Lab:
    """A new lab, with the stack file ``stack`` (or the built-in demo stack) built on it: StackError if it
    cannot be."""
    lab = Lab(dm_major=dm_major)
    if stack is not None:
        run_stack_lines(lab, read_stack_file(stack))
    elif demo:
        run_stack_lines(lab, read_stack_file(find_sample(DEMO_STACK)))
    return lab
