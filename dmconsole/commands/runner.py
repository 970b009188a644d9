"""`dmconsole run FILE`: a script on the stepped clock, stopping at the first failure."""

from __future__ import annotations

import sys
from typing import IO

from ..lab import Lab
from .session import Session


def run_script(
    lines: list[str],
    lab: Lab | None = None,
    *,
    keep_going: bool = False,
    stdout: IO[bytes] | None = None,
    stderr: IO[bytes] | None = None,
    echo: bool = False,
) -> int:
    """Run each line; the exit status is the first failing command's, also with keep_going (which runs
    the rest anyway, as `make -k` does), so a script with any failure never reports success."""
    out = stdout or sys.stdout.buffer
    err = stderr or sys.stderr.buffer

    def write_out(data: bytes) -> None:
        out.write(data)
        out.flush()

    def write_err(data: bytes) -> None:
        # Flush stdout first so both streams stay in order when they share one file.
        out.flush()
        err.write(data)
        err.flush()

    session = Session(lab or Lab(), write_out, write_err)
    first_failure = 0
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if echo:
            write_out(f"$ {line.strip()}\n".encode())
        status = session.run_line(line)
        if status and echo:
            write_out(f"[exit {status}]\n".encode())
        if status and not keep_going:
            return status
        first_failure = first_failure or status
    return first_failure
