"""Target messages from the console: palette entries per message word, the argument prompt, the lab's answer."""

from __future__ import annotations

import pytest
from textual.widgets import Input
from tui_helpers import dust_lab, make_app, no_blink, output_lines, palette, small_lab

from dmconsole.commands import Session
from dmconsole.engine.dm.target import TARGET_TYPES, MapResult, MessageArg, MessageSpec, Target
from dmconsole.tui.palette import palette_entries
from dmconsole.tui.runner import destructive_messages
from dmconsole.tui.screens import ConfirmScreen, MessageScreen
from dmconsole.tui.widgets import CommandLine, DetailPane, DeviceTable

SIZE = (120, 36)


def dust_view(lab):
    return lab.view().device("dust1").live[0].detail


def test_palette_has_an_entry_per_message_word_of_each_device():
    entries = {e.title: e for e in palette_entries(dust_lab().view())}
    count = entries["message dust1 countbadblocks"]
    assert (count.line, count.run, count.subject) == ("dmsetup message dust1 0 countbadblocks", True, ("dm", "dust1"))
    add = entries["message dust1 addbadblock …"]
    assert not add.run and add.message is not None and add.message.usage == "BLOCK [WRITE_FAIL_COUNT]"
    assert add.line == "dmsetup message dust1 0 addbadblock"
    for word in ("removebadblock …", "queryblock …", "listbadblocks", "clearbadblocks", "enable", "disable",
                 "quiet"):
        assert f"message dust1 {word}" in entries
    assert "message dust1 …" in entries  # free text still possible
    # linear devices take no messages: nothing is offered for them
    assert not any(title.startswith("message lv1") for title in entries)


async def test_addbadblock_through_the_palette_asks_for_the_block_and_changes_the_engine():
    lab = dust_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        assert dust_view(lab).bad_block_count == 0
        await palette(pilot, "dust1 addbadblock")
        assert isinstance(app.screen, MessageScreen)
        assert app.selected == ("dm", "dust1")  # the entry's device is selected
        no_blink(app)
        field = app.screen.query_one("#message-args", Input)
        assert app.screen.focused is field and field.placeholder == "BLOCK [WRITE_FAIL_COUNT]"
        # Enter with the block missing: the prompt says what is needed and stays
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MessageScreen)
        assert "addbadblock needs BLOCK" in str(app.screen.query_one("#message-error").render())
        assert dust_view(lab).bad_block_count == 0
        await pilot.press(*"12")
        await pilot.pause()
        assert str(app.screen.query_one("#message-line").render()) == "dmsetup message dust1 0 addbadblock 12"
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, MessageScreen)
        app.refresh_from_engine()
        assert dust_view(lab).bad_blocks == (12,)
        assert "$ dmsetup message dust1 0 addbadblock 12" in output_lines(app)
        assert "1 bad block: 12" in str(app.query_one(DetailPane).render())

        # a message without arguments runs at once and prints the target's answer
        await palette(pilot, "dust1 countbadblocks")
        app.refresh_from_engine()
        assert output_lines(app)[-2:] == ["$ dmsetup message dust1 0 countbadblocks",
                                          "countbadblocks: 1 badblock(s) found"]


async def test_enable_and_disable_change_the_status_line():
    lab = dust_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        assert lab.view().device("dust1").live[0].status == "1:3 bypass verbose"
        await palette(pilot, "dust1 enable")
        app.refresh_from_engine()
        assert lab.view().device("dust1").live[0].status == "1:3 fail_read_on_bad_block verbose"
        detail = str(app.query_one(DetailPane).render())
        assert "0 65536 dust 1:3 fail_read_on_bad_block verbose" in detail
        assert str(app.query_one(DeviceTable).get_cell("dust1", "events")) == "0"
        await palette(pilot, "dust1 disable")
        app.refresh_from_engine()
        assert lab.view().device("dust1").live[0].status == "1:3 bypass verbose"
        assert "0 65536 dust 1:3 bypass verbose" in str(app.query_one(DetailPane).render())


async def test_cancelling_the_prompt_sends_nothing_and_kernel_errors_are_shown():
    lab = dust_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "dust1 removebadblock")
        assert isinstance(app.screen, MessageScreen)
        await pilot.press(*"3", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, MessageScreen | ConfirmScreen)
        assert output_lines(app)[-1] == "cancelled: message dust1 removebadblock"
        # removing a block that is not there: dmsetup's error, the device untouched
        await palette(pilot, "dust1 removebadblock")
        await pilot.press(*"3", "enter")
        await pilot.pause()
        app.refresh_from_engine()
        lines = output_lines(app)
        assert "$ dmsetup message dust1 0 removebadblock 3" in lines
        assert lines[-1] == "[exit 1]"
        assert any("message ioctl on dust1" in line for line in lines)
        assert dust_view(lab).bad_block_count == 0


async def test_the_command_line_completes_message_words_and_hides_keys_it_types():
    lab = dust_lab()
    app = make_app(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        await pilot.pause()
        no_blink(app)
        command = app.query_one(CommandLine)
        await pilot.press(*"message dust1 0 countb", "tab")
        await pilot.pause()
        assert command.value == "message dust1 0 countbadblocks"
        # the footer shows the command line's keys, not keys that type into it
        shown = {b.binding.description for b in app.screen.active_bindings.values()
                 if b.binding.show and b.enabled}
        assert {"Run", "Close", "Complete", "History"} <= shown
        assert not shown & {"Faster", "Slower", "Help", "Suspend", "Quit"}
        await pilot.press("plus")
        assert command.value.endswith("+") and lab.view().speed == 1.0
        await pilot.press("backspace", "enter")
        await pilot.pause()
        app.refresh_from_engine()
        assert output_lines(app)[-1] == "countbadblocks: 0 badblock(s) found"
        # back on the table the keys are there again
        shown = {b.binding.description for b in app.screen.active_bindings.values()
                 if b.binding.show and b.enabled}
        assert {"Faster", "Slower", "Help", "Suspend", "Quit"} <= shown


class Shredder(Target):
    """A test-only target with a message that destroys data (as a pool's `delete` does)."""

    name = "shredder"
    version = (0, 0, 1)
    messages = (MessageSpec("shred", (MessageArg("BLOCK"),), "overwrite BLOCK for good", destructive=True),
                MessageSpec("peek", (), "look, touch nothing"))

    def ctr(self, args: list[str]) -> None:
        self.shredded: list[str] = []

    def map(self, bio):
        return MapResult.KILL

    def message(self, args: list[str]) -> str | None:
        self.shredded.append(args[-1])
        return None


@pytest.fixture
def shredder_lab():
    TARGET_TYPES["shredder"] = Shredder
    try:
        lab = small_lab()
        Session(lab, lambda _d: None, lambda _d: None).run_line("dmsetup create s1 --table '0 64 shredder'")
        yield lab
    finally:
        TARGET_TYPES.pop("shredder", None)


def test_a_destructive_message_is_found_in_a_command_line(shredder_lab):
    view = shredder_lab.view()
    assert [m.title for m in destructive_messages("dmsetup message s1 0 shred 7", view)] == ["message s1 shred"]
    assert [m.title for m in destructive_messages("message /dev/mapper/s1 3 shred 7", view)] == ["message s1 shred"]
    assert destructive_messages("dmsetup message s1 0 peek", view) == []
    assert destructive_messages("dmsetup message s1 64 shred 7", view) == []  # past the end: no target
    assert destructive_messages("dmsetup message lv1 0 shred 7", view) == []  # linear has no such message


async def test_a_destructive_message_typed_on_the_command_line_asks_first(shredder_lab):
    app = make_app(shredder_lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        await pilot.press(*"dmsetup message s1 0 shred 7", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.summaries == ["message s1 shred: overwrite BLOCK for good"]
        await pilot.press("n")
        await pilot.pause()
        target = shredder_lab.engine.dm.devices["s1"].live.targets[0]
        assert target.shredded == []
        await pilot.press("colon")
        await pilot.press(*"dmsetup message s1 0 shred 7", "enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert target.shredded == ["7"]
