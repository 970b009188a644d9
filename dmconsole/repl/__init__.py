"""`dmconsole repl`: an interactive prompt, or a script when stdin is not a terminal."""

from __future__ import annotations

import sys
from concurrent.futures import TimeoutError as FutureTimeout

from ..commands import Session
from ..commands.runner import run_script
from ..lab import Lab
from .completion import CommandCompleter

PROMPT = "dmconsole> "


def main(lab: Lab, keep_going: bool = False) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # A pipe or a file: run it as a script, no prompt (prompt_toolkit #502).
        return run_script(sys.stdin.read().splitlines(), lab, keep_going=keep_going)
    return interactive(lab)


def interactive(lab: Lab, input=None, output=None, history=None) -> int:
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
    session = Session(lab, write_out, write_err, interactive=True)
    prompt = PromptSession(
        PROMPT,
        completer=CommandCompleter(lab.view),
        history=history,
        input=input,
        output=output,
        complete_while_typing=False,
    )
    lab.start(1.0)
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
                future = lab.submit_call(lambda line=line: session.execute(line))
                try:
                    status = future.result(timeout=None)
                except KeyboardInterrupt:
                    write_err(b"^C (the command goes on in the background)\n")
                except FutureTimeout:
                    pass
    finally:
        lab.stop()
    return status
