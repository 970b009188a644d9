"""`dmconsole repl`: an interactive prompt, or a script when stdin is not a terminal."""

from __future__ import annotations

import sys
from concurrent.futures import TimeoutError as FutureTimeout

from ..commands import Session
from ..commands.runner import run_script
from ..engine import Engine
from .completion import CommandCompleter

PROMPT = "dmconsole> "


def main(stack: str | None = None, keep_going: bool = False) -> int:
    engine = Engine()
    if stack:
        from ..stack import StackError, load_stack_file

        try:
            load_stack_file(engine, stack)
        except StackError as err:
            print(f"dmconsole: {stack}: {err}", file=sys.stderr)
            return 2
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # A pipe or a file: run it as a script, no prompt (prompt_toolkit #502).
        return run_script(sys.stdin.read().splitlines(), engine, keep_going=keep_going)
    return interactive(engine)


def interactive(engine: Engine, input=None, output=None, history=None) -> int:
    """The prompt: the engine runs on real time in its thread while you type."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    from prompt_toolkit.patch_stdout import patch_stdout

    def write_out(data: bytes) -> None:
        sys.stdout.write(data.decode("utf-8", "replace"))
        sys.stdout.flush()

    def write_err(data: bytes) -> None:
        sys.stderr.write(data.decode("utf-8", "replace"))
        sys.stderr.flush()

    if history is None:
        try:
            import os

            history = FileHistory(os.path.expanduser("~/.dmconsole_history"))
        except OSError:
            history = InMemoryHistory()
    session = Session(engine, write_out, write_err, interactive=True)
    prompt = PromptSession(
        PROMPT,
        completer=CommandCompleter(engine.snapshot),
        history=history,
        input=input,
        output=output,
        complete_while_typing=False,
    )
    engine.start(1.0)
    status = 0
    try:
        with patch_stdout(raw=True):
            while True:
                try:
                    line = prompt.prompt()
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    break
                if line.strip() in ("exit", "quit"):
                    break
                future = engine.submit_call(lambda line=line: session.execute(line))
                try:
                    status = future.result(timeout=None)
                except KeyboardInterrupt:
                    write_err(b"^C (the command goes on in the background)\n")
                except FutureTimeout:
                    pass
    finally:
        engine.stop()
    return status
