"""Helpers for the console tests: a small stack on a stepped lab, and the app over it with no timers."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input

from dmconsole.commands import Session
from dmconsole.lab import Lab
from dmconsole.tui import DmConsoleApp
from dmconsole.tui.widgets import OutputLog

# Built through the command language only, with the targets every checkout has (linear, striped),
# so the snapshots do not move when other target families or the demo stack change.
SMALL_STACK = [
    "modprobe brd rd_nr=4 rd_size=65536",
    "dmsetup create base --table '0 131072 striped 2 64 /dev/ram0 0 /dev/ram1 0'",
    "dmsetup create lv1 --table '0 65536 linear /dev/mapper/base 0'",
    "dmsetup create lv2 --table '0 65536 linear /dev/mapper/base 65536'",
    "dmsetup create solo --table '0 65536 linear /dev/ram2 0'",
]


def small_lab(advance: float = 12.5) -> Lab:
    """A stepped lab (no thread) holding the small stack, with some lab time passed."""
    lab = Lab()
    errors: list[bytes] = []
    session = Session(lab, lambda _data: None, errors.append)
    for line in SMALL_STACK:
        assert session.run_line(line) == 0, (line, b"".join(errors))
    lab.engine.advance(advance)
    return lab


def dust_lab() -> Lab:
    """The small stack plus ``dust1``, a dust device on the spare disk (the one target family with messages)."""
    lab = small_lab()
    session = Session(lab, lambda _data: None, lambda _data: None)
    assert session.run_line("dmsetup create dust1 --table '0 65536 dust /dev/ram3 0 512'") == 0
    return lab


def make_app(lab: Lab | None = None) -> DmConsoleApp:
    """The console over a stepped lab: no lab thread, no poll timer, no animations."""
    app = DmConsoleApp(lab or small_lab(), poll_interval=None, start_engine=False, theme="dmconsole-dark")
    app.animation_level = "none"
    return app


def no_blink(app) -> None:
    """Stop every cursor blinking on the active screen (the palette's input too), for stable snapshots."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for widget in app.query(Input):
        widget.cursor_blink = False


async def palette(pilot, query: str) -> None:
    """Open the palette, type ``query``, let the providers finish (Textual #6701), pick the top hit."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    no_blink(pilot.app)
    await pilot.press(*query)
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    if isinstance(pilot.app.screen, CommandPalette):  # the first enter only highlighted the top hit
        await pilot.press("enter")
        await pilot.pause()


def output_lines(app) -> list[str]:
    return [strip.text for strip in app.query_one(OutputLog).lines]
