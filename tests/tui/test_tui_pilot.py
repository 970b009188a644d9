"""Pilot tests: drive the console with keys and check the LAB (through its views), not pixels."""

from __future__ import annotations

from textual import events
from textual.command import CommandPalette
from tui_helpers import make_app, no_blink, output_lines, palette, small_lab

from dmconsole.tui.screens import ConfirmScreen, HelpScreen
from dmconsole.tui.widgets import CommandLine, DetailPane, DeviceTable, EventLog, StackTree

SIZE = (120, 36)


async def test_suspend_and_resume_through_the_palette():
    lab = small_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        assert lab.view().device("lv1").suspended is False
        await palette(pilot, "suspend lv1")
        app.refresh_from_engine()
        assert not isinstance(app.screen, CommandPalette)
        assert lab.view().device("lv1").suspended is True
        assert lab.view().device("lv2").suspended is False
        assert "$ dmsetup suspend lv1" in output_lines(app)
        # the console shows it: the table's state cell and the tree's label
        table = app.query_one(DeviceTable)
        assert str(table.get_cell("lv1", "state")) == "SUSPENDED"
        tree = app.query_one(StackTree)
        labels = [str(node.label) for node in tree.nodes_for("dm", "lv1")]
        assert labels and all("⏸ suspended" in label for label in labels)

        await palette(pilot, "resume lv1")
        app.refresh_from_engine()
        assert lab.view().device("lv1").suspended is False
        assert str(table.get_cell("lv1", "state")) == "ACTIVE"


async def test_remove_asks_first_and_cancel_keeps_the_device():
    lab = small_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "remove solo")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.line == "dmsetup remove solo"
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        app.refresh_from_engine()
        assert lab.view().device("solo") is not None
        assert "cancelled: dmsetup remove solo" in output_lines(app)

        await palette(pilot, "remove solo")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        app.refresh_from_engine()
        assert lab.view().device("solo") is None
        assert "solo" not in app.query_one(DeviceTable).rows


async def test_remove_of_a_device_in_use_fails_with_dmsetup_error():
    lab = small_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "remove base")
        assert isinstance(app.screen, ConfirmScreen)
        impact = str(app.screen.query_one("#confirm-impact").render())
        assert "used by lv1, lv2" in impact
        await pilot.click("#confirm")
        await pilot.pause()
        app.refresh_from_engine()
        assert lab.view().device("base") is not None
        lines = output_lines(app)
        assert "device-mapper: remove ioctl on base  failed: Device or resource busy" in lines
        assert "[exit 1]" in lines


async def test_command_line_runs_dmsetup_status():
    lab = small_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        command = app.query_one(CommandLine)
        assert not command.display
        await pilot.press("colon")
        await pilot.pause()
        assert command.display and app.focused is command
        no_blink(app)
        await pilot.press(*"dmsetup status")
        await pilot.press("enter")
        await pilot.pause()
        app.refresh_from_engine()
        lines = output_lines(app)
        assert lines[-5:] == [
            "$ dmsetup status",
            "base: 0 131072 striped 2 1:0 1:1 1 AA",
            "lv1: 0 65536 linear ",
            "lv2: 0 65536 linear ",
            "solo: 0 65536 linear ",
        ]
        assert not command.display  # Enter runs the line and closes the command line
        # history: `:` then up brings the line back
        await pilot.press("colon", "up")
        assert command.value == "dmsetup status"
        await pilot.press("escape")
        assert not command.display


async def test_command_line_asks_before_a_destructive_line_and_reports_errors():
    lab = small_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"disk fault ram3 fail", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        app.refresh_from_engine()
        assert next(d for d in lab.view().disks if d.name == "ram3").faults == "failed"
        label = str(app.query_one(StackTree).nodes_for("disk", "ram3")[0].label)
        assert "✗ failed" in label

        await pilot.press("colon", *"dmsetup bogus", "enter")
        await pilot.pause()
        app.refresh_from_engine()
        lines = output_lines(app)
        assert lines[-1] == "[exit 1]"
        assert any(line.startswith("Unknown command") for line in lines)  # dmsetup's own text, then its usage


async def test_keys_suspend_resume_pause_and_speed():
    lab = small_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(DeviceTable).focus()
        await pilot.press("down")  # base -> lv1
        await pilot.pause()
        assert app.selected == ("dm", "lv1")
        await pilot.press("s")
        await pilot.pause()
        app.refresh_from_engine()
        assert lab.view().device("lv1").suspended is True
        assert app.query_one(DetailPane).has_class("-suspended")
        await pilot.press("r")
        await pilot.pause()
        app.refresh_from_engine()
        assert lab.view().device("lv1").suspended is False

        await pilot.press("space")
        await pilot.pause()
        assert lab.view().paused is True
        await pilot.press("space")
        await pilot.pause()
        assert lab.view().paused is False
        await pilot.press("plus")
        await pilot.pause()
        assert lab.view().speed == 2.0
        await pilot.press("minus", "minus")
        await pilot.pause()
        assert lab.view().speed == 0.5


async def test_tree_shows_a_shared_device_under_each_user_and_selects_it():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(StackTree)
        assert len(tree.nodes_for("dm", "base")) == 2  # under lv1 and under lv2
        roots = [node.data.name for node in tree.root.children]
        assert roots == ["lv1", "lv2", "solo", "ram3"]  # top-level devices, then the unused disk
        tree.focus()
        tree.move_cursor(tree.nodes_for("disk", "ram2")[0])
        await pilot.pause()
        assert app.selected == ("disk", "ram2")
        assert "disk" in str(app.query_one(DetailPane).render())


async def test_events_are_shown_once_and_the_table_updates_in_place():
    lab = small_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(EventLog)
        count = len(log.lines)
        app.refresh_from_engine()
        app.refresh_from_engine()
        await pilot.pause()
        assert len(log.lines) == count
        table = app.query_one(DeviceTable)
        keys_before = list(table.rows)
        app.run_line("dmsetup create extra --table '0 2048 zero'")
        await pilot.pause()
        assert list(table.rows)[: len(keys_before)] == keys_before
        assert str(table.get_cell("extra", "targets")) == "zero"
        assert any("extra: created" in strip.text for strip in log.lines)


async def test_help_lists_the_registry():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        for name in ("dmsetup remove", "dmsetup suspend", "disk fault", "clock", "sleep"):
            assert name in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_q_quits():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert app._exit  # exit was requested
    assert app.return_code == 0


async def test_typing_q_on_the_command_line_does_not_quit():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", "q", "s", "space")
        await pilot.pause()
        assert app.is_running
        assert app.query_one(CommandLine).value == "qs "


async def test_palette_prefills_the_command_line_for_free_text():
    lab = small_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "reload lv2")
        command = app.query_one(CommandLine)
        assert command.display and app.focused is command
        assert command.value == "dmsetup reload lv2 --table '0 65536 linear 253:0 65536'"
        assert app.selected == ("dm", "lv2")  # the palette entry's device is selected
        # typing edits the prefilled line (it is not selected and replaced)
        no_blink(app)
        await pilot.press(*["backspace"] * len("65536'"), *"0'")  # point lv2 at the start of base
        assert command.value.endswith("linear 253:0 0'")
        await pilot.press("enter")
        await pilot.pause()
        app.refresh_from_engine()
        assert lab.view().device("lv2").has_inactive
        assert "+inactive" in str(app.query_one(DeviceTable).get_cell("lv2", "state"))


async def test_keys_typed_ahead_act_on_the_row_under_the_cursor():
    """`down down s` typed faster than the highlight messages arrive suspends the row the cursor is on."""
    lab = small_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(DeviceTable).focus()
        await pilot.pause()
        assert app.selected == ("dm", "base")
        for key in ("down", "down", "s"):  # no pause between them: all three are queued before any is handled
            app.post_message(events.Key(key, None if key == "down" else key))
        await pilot.pause()
        await pilot.pause()
        app.refresh_from_engine()
        suspended = [d.name for d in lab.view().devices if d.suspended]
        assert suspended == ["lv2"]
        assert app.selected == ("dm", "lv2")


async def test_the_poll_does_not_undo_a_cursor_move_it_has_not_seen_yet():
    """A poll between a cursor move and its highlight message leaves the cursor where the user put it."""
    lab = small_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DeviceTable)
        table.focus()
        await pilot.pause()
        assert app.selected == ("dm", "base")
        table.move_cursor(row=2)  # what ↓↓ does; RowHighlighted is still queued
        app.refresh_from_engine()  # the poll timer fires first
        await pilot.pause()
        assert table.cursor_row == 2
        assert app.selected == ("dm", "lv2")
        assert app.query_one(DetailPane).border_title == "lv2 (253:2)"
        # rows coming and going still keep the selected device under the cursor
        app.run_line("dmsetup create aaa --table '0 8 zero'")  # sorts first: every row moves down one
        await pilot.pause()
        assert table.device_at_cursor == "lv2" and app.selected == ("dm", "lv2")
