"""Snapshot tests: the console over a stepped lab with no timers, so every SVG is reproducible.

Plain `def` tests (snap_compare runs its own event loop). Regenerate deliberately with
`pytest tests/tui --snapshot-update` and look at the SVGs before committing them.
"""

from __future__ import annotations

from tui_helpers import dust_lab, make_app, no_blink

from dmconsole.commands import Session
from dmconsole.tui.palette import palette_entries

SIZE = (120, 36)


def test_main_screen(snap_compare):
    """The small stack: tree (base under both lv1 and lv2, disks at the leaves), device table, detail, events."""
    app = make_app()

    async def run_before(pilot):
        app.refresh_from_engine()
        await pilot.pause()
        no_blink(app)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_suspended_device(snap_compare):
    """lv1 suspended from the command language and selected: marked in the tree, the table and the detail pane."""
    app = make_app()

    async def run_before(pilot):
        app.run_line("dmsetup suspend lv1")
        app.query_one("#devices").move_cursor(row=1)
        await pilot.pause()
        app.refresh_from_engine()
        await pilot.pause()
        no_blink(app)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_palette_open(snap_compare):
    """The command palette with "suspend" typed: one entry per device, generated from the registry."""
    app = make_app()

    async def run_before(pilot):
        app.refresh_from_engine()
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"suspend")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        no_blink(app)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_message_prompt(snap_compare):
    """`message dust1 addbadblock …` picked from the palette: the prompt with the usage and the exact line.

    Behind it dust1 is selected and the detail pane lists its bad blocks.
    """
    lab = dust_lab()
    session = Session(lab, lambda _d: None, lambda _d: None)
    for line in ("dmsetup message dust1 0 addbadblock 3", "dmsetup message dust1 0 addbadblock 4 2",
                 "dmsetup message dust1 0 addbadblock 100", "dmsetup message dust1 0 enable"):
        assert session.run_line(line) == 0
    app = make_app(lab)

    async def run_before(pilot):
        app.refresh_from_engine()
        entry = next(e for e in palette_entries(app.last_view) if e.title == "message dust1 addbadblock …")
        app.run_palette_entry(entry)
        await pilot.pause()
        no_blink(app)
        await pilot.press(*"12 1")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_command_line_open(snap_compare):
    """The `:` command line completing a message word; the footer shows the command line's own keys."""
    app = make_app(dust_lab())

    async def run_before(pilot):
        app.refresh_from_engine()
        await pilot.pause()
        await pilot.press("colon")
        await pilot.pause()
        no_blink(app)
        await pilot.press(*"message dust1 0 addb")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_dust_detail(snap_compare):
    """dust1 selected: its table and status lines, then the bad blocks and whether reads of them fail."""
    lab = dust_lab()
    session = Session(lab, lambda _d: None, lambda _d: None)
    for line in ("dmsetup message dust1 0 addbadblock 3", "dmsetup message dust1 0 addbadblock 4 2",
                 "dmsetup message dust1 0 enable"):
        assert session.run_line(line) == 0
    app = make_app(lab)

    async def run_before(pilot):
        app.refresh_from_engine()
        app.select(("dm", "dust1"))
        await pilot.pause()
        no_blink(app)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
