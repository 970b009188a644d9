"""Snapshot tests: the console over a stepped engine with no timers, so every SVG is reproducible.

Plain `def` tests (snap_compare runs its own event loop). Regenerate deliberately with
`pytest tests/tui --snapshot-update` and look at the SVGs before committing them.
"""

from __future__ import annotations

from tui_helpers import make_app, no_blink

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
