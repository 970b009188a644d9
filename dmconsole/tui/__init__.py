"""The Textual console: `run_console()` builds the lab and the demo (or a YAML) stack and opens DmConsoleApp."""

from __future__ import annotations

from .app import DmConsoleApp

__all__ = ["DmConsoleApp", "run_console"]


def run_console(stack: str | None = None, speed: float = 1.0, theme: str | None = None) -> int:
    """Open the console on ``stack`` (a YAML stack file) or on the built-in demo stack; returns the exit status."""
    from ..commands.build import StackError, build_lab
    from ..lab import Lab

    notices: list[str] = []
    subtitle = stack or "demo stack"
    try:
        lab = build_lab(stack, demo=stack is None)
    except StackError as exc:
        if stack:
            import sys

            print(f"dmconsole: {stack}: {exc}", file=sys.stderr)
            return 2
        notices.append(f"demo stack not built: {exc}")
        lab = Lab()
    app = DmConsoleApp(lab, speed=speed, theme=theme, subtitle=subtitle, notices=notices)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
