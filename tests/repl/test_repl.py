"""The REPL: piped input runs as a script; the prompt completes from the registry and the engine."""

from __future__ import annotations

import io
import subprocess
import sys

from prompt_toolkit.application import create_app_session
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from dmconsole.commands.runner import run_script
from dmconsole.lab import Lab
from dmconsole.repl import interactive
from dmconsole.repl.completion import CommandCompleter


def lab() -> Lab:
    handle = Lab()
    run_script(["modprobe brd rd_nr=2 rd_size=1024", "dmsetup create lin --table '0 2048 linear /dev/ram0 0'"], handle)
    return handle


def test_piped_repl_runs_a_script_without_a_prompt():
    script = "modprobe brd rd_nr=1 rd_size=1024\ndmsetup create z --table '0 8 zero'\ndmsetup table z\n"
    proc = subprocess.run([sys.executable, "-m", "dmconsole", "repl"], input=script.encode(), capture_output=True,
                          timeout=60)
    assert proc.returncode == 0
    assert proc.stdout == b"0 8 zero \n"
    assert b"dmconsole>" not in proc.stdout + proc.stderr


def test_piped_repl_stops_at_the_first_error_unless_told_to_go_on():
    script = "dmsetup remove nosuch\necho after\n"
    proc = subprocess.run([sys.executable, "-m", "dmconsole", "repl"], input=script.encode(), capture_output=True,
                          timeout=60)
    assert proc.returncode == 1
    assert b"after" not in proc.stdout
    assert proc.stderr == b"device-mapper: remove ioctl on nosuch  failed: No such device or address\nCommand failed.\n"
    proc = subprocess.run([sys.executable, "-m", "dmconsole", "repl", "--keep-going"], input=script.encode(),
                          capture_output=True, timeout=60)
    assert proc.stdout == b"after\n"
    assert proc.returncode == 1  # the rest ran, but the script did not succeed


def test_the_completer_offers_what_the_command_language_offers():
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    handle = lab()
    run_script(["dmsetup create dusty --table '0 2048 dust /dev/ram1 0 512'"], handle)
    completer = CommandCompleter(handle.view)

    def complete(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]

    assert complete("dmsetup sus") == ["suspend"]
    assert complete("suspend ") == ["dusty", "lin"]
    assert complete("dmsetup message dusty 0 add") == ["addbadblock"]
    assert complete("dmsetup table 'unterminated") == []


def test_interactive_prompt_runs_commands_on_the_engine_thread(capsys):
    handle = lab()
    with create_pipe_input() as pipe:
        pipe.send_text("dmsetup suspend lin\nexit\n")
        with create_app_session(input=pipe, output=DummyOutput()):
            status = interactive(handle, input=pipe, output=DummyOutput(), history=InMemoryHistory())
    assert status == 0
    assert handle.view().device("lin").suspended
    assert not handle.threaded  # the thread was stopped on the way out


def test_run_keeps_going_but_reports_the_first_failure_and_keeps_the_streams_in_order():
    out = io.BytesIO()
    lines = ["echo one", "dmsetup remove nosuch", "echo two", "false", "echo three"]
    assert run_script(lines, Lab(), keep_going=True, stdout=out, stderr=out) == 1
    assert out.getvalue() == (
        b"one\ndevice-mapper: remove ioctl on nosuch  failed: No such device or address\nCommand failed.\n"
        b"two\nthree\n"
    )
    out = io.BytesIO()
    assert run_script(lines, Lab(), stdout=out, stderr=out) == 1
    assert out.getvalue().endswith(b"Command failed.\n")
