"""The Textual console: `run_console()` builds the engine and the demo (or a YAML) stack and opens DmConsoleApp."""

from __future__ import annotations

from .app import DmConsoleApp

__all__ = ["DmConsoleApp", "run_console"]


def run_console(stack: str | None = None, speed: float = 1.0, theme: str | None = None) -> int:
    """Open the console on ``stack`` (a YAML stack file) or on the built-in demo stack; returns the exit status."""
    from ..engine import Engine

    engine = Engine()
    notices: list[str] = []
    subtitle = stack or "demo stack"
    try:
        from .. import stack as stacks
    except ImportError as exc:  # the stack module is optional for the console to start
        notices.append(f"no stack builder ({exc}); starting with an empty lab")
    else:
        try:
            if stack:
                stacks.load_stack_file(engine, stack)
            else:
                stacks.build_demo(engine)
        except stacks.StackError as exc:
            if stack:
                import sys

                print(f"dmconsole: {stack}: {exc}", file=sys.stderr)
                return 2
            notices.append(f"demo stack only partly built: {exc}")
    app = DmConsoleApp(engine, speed=speed, theme=theme, subtitle=subtitle, notices=notices)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
