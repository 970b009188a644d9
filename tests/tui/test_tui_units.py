"""The console's pieces without a screen: palette entries, confirmation rules, the runner, themes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from textual.theme import Theme
from tui_helpers import dust_lab, small_lab

from dmconsole.commands import REGISTRY, Session
from dmconsole.lab import Lab
from dmconsole.tui import DmConsoleApp
from dmconsole.tui.palette import palette_entries
from dmconsole.tui.runner import CommandRunner, Finished, Output, destructive_commands
from dmconsole.tui.themes import APP_VARIABLES, DEFAULT_THEME, ThemeError, load_themes, theme_dirs, theme_from_data
from dmconsole.tui.widgets import DetailPane, fmt_size

REPO_THEMES = Path(__file__).resolve().parents[2] / "themes"


# ----------------------------------------------------------------------------- palette
def test_palette_is_generated_from_the_registry_per_device():
    entries = {e.title: e for e in palette_entries(dust_lab().view())}
    suspend = entries["suspend lv1"]
    assert (suspend.line, suspend.run, suspend.destructive) == ("dmsetup suspend lv1", True, False)
    assert entries["resume solo"].line == "dmsetup resume solo"
    remove = entries["remove base"]
    assert remove.run and remove.destructive
    # free text: the command line is prefilled instead
    message = entries["message dust1 …"]
    assert (message.line, message.run) == ("dmsetup message dust1 0 ", False)
    assert "message lv1 …" not in entries  # linear takes no messages
    reload = entries["reload lv1 …"]
    assert reload.line == "dmsetup reload lv1 --table '0 65536 linear 253:0 0'" and not reload.run
    assert not entries["create …"].run
    # choices: those that take a value prefill, the others run
    assert entries["clock pause"].run and not entries["clock speed …"].run
    assert entries["disk fault ram0 fail"].run and entries["disk fault ram0 fail"].destructive
    assert not entries["disk fault ram0 error …"].run
    # only registry commands marked palette=True appear
    palette_names = {c.name for c in REGISTRY.values() if c.palette}
    assert all(any(e.line.startswith(name) for name in palette_names) for e in entries.values())
    assert not any(e.line.startswith("dmsetup status") for e in entries.values())


def test_palette_prefills_a_multi_line_table_through_stdin():
    lab = small_lab()
    session = Session(lab, lambda _d: None, lambda _d: None)
    assert session.run_line("printf '0 8 zero\\n8 8 error\\n' | dmsetup create two") == 0
    entries = {e.title: e for e in palette_entries(lab.view())}
    line = entries["reload two …"].line
    assert line == "printf '0 8 zero\\n8 8 error\\n' | dmsetup reload two"
    assert session.run_line(line) == 0  # the prefilled line is valid as it stands


# ----------------------------------------------------------------------------- confirmation rules
@pytest.mark.parametrize(("line", "names"), [
    ("dmsetup remove lv1", ["dmsetup remove"]),
    ("remove lv1", ["dmsetup remove"]),
    ("dmsetup -f remove lv1", ["dmsetup remove"]),
    ("dmsetup remove_all", ["dmsetup remove_all"]),
    ("disk fault ram0 fail", ["disk fault"]),
    ("timeout 5 dmsetup remove lv1", ["dmsetup remove"]),
    ("dmsetup status", []),
    ("dmsetup suspend lv1", []),
    ("echo remove", []),
    ("dmsetup remove 'unterminated", []),
    ("", []),
])
def test_destructive_commands(line, names):
    assert [c.name for c in destructive_commands(line)] == names


# ----------------------------------------------------------------------------- runner
def test_runner_collects_output_in_order_with_the_exit_status():
    lab = small_lab()
    runner = CommandRunner(lab)
    runner.run("dmsetup table lv1")
    runner.run("dmsetup info nosuch")
    items = runner.drain()
    outputs = [(i.stream, i.text) for i in items if isinstance(i, Output)]
    assert outputs[0] == ("stdout", "0 65536 linear 253:0 0")
    assert {stream for stream, _ in outputs[1:]} == {"stderr"} and outputs[-1] == ("stderr", "Command failed.")
    assert [(i.line, i.status) for i in items if isinstance(i, Finished)] == [
        ("dmsetup table lv1", 0), ("dmsetup info nosuch", 1)]
    assert runner.drain() == [] and runner.running == {}


def test_runner_keeps_a_blocked_command_running_until_the_clock_moves():
    lab = small_lab()
    runner = CommandRunner(lab)
    run_id = runner.run("sleep 2")
    assert runner.drain() == [] and run_id in runner.running
    lab.engine.advance(2.5)
    assert [i.status for i in runner.drain() if isinstance(i, Finished)] == [0]


def test_console_on_a_threaded_engine_runs_commands_and_stops_the_thread():
    lab = small_lab()
    app = DmConsoleApp(lab, poll_interval=0.05, start_engine=True, theme=DEFAULT_THEME)

    async def drive():
        async with app.run_test(size=(120, 36)) as pilot:
            assert lab.threaded
            app.run_line("dmsetup suspend lv2")
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                await pilot.pause(0.05)
                if app.last_view.device("lv2").suspended:
                    break
            assert app.last_view.device("lv2").suspended
            assert str(app.query_one("#devices").get_cell("lv2", "state")) == "SUSPENDED"
            await pilot.press("q")
            await pilot.pause()

    asyncio.run(drive())
    assert not lab.threaded


# ----------------------------------------------------------------------------- themes
def test_repo_themes_load_and_carry_the_console_variables():
    themes, errors = load_themes([REPO_THEMES])
    assert errors == []
    assert {"dmconsole-dark", "dmconsole-light"} <= set(themes)
    assert themes["dmconsole-dark"].dark and not themes["dmconsole-light"].dark
    for theme in themes.values():
        assert isinstance(theme, Theme)
        assert set(APP_VARIABLES) <= set(theme.variables), theme.name


def test_package_theme_dir_is_the_repo_folder():
    package_dir = Path(__file__).resolve().parents[2] / "dmconsole" / "data" / "themes"
    assert package_dir.resolve() == REPO_THEMES.resolve()
    assert theme_dirs()[-2:] == [package_dir, REPO_THEMES] or REPO_THEMES.resolve() in {
        d.resolve() for d in theme_dirs() if d.exists()}


def test_theme_errors_are_reported_not_raised(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: broken\nprimary: not-a-colour\n")
    (tmp_path / "extra.yaml").write_text("name: x\nprimary: '#123456'\ncolour: red\n")
    (tmp_path / "list.yml").write_text("- 1\n")
    (tmp_path / "good.yaml").write_text("name: mine\nprimary: '#123456'\nvariables: {dm-suspended: '#ff00ff'}\n")
    (tmp_path / "notes.txt").write_text("ignored")
    themes, errors = load_themes([tmp_path])
    assert list(themes) == ["mine"]
    assert len(errors) == 3 and any("unknown key(s): colour" in e for e in errors)
    with pytest.raises(ThemeError):
        theme_from_data({"primary": "#123456"})


async def test_theme_variables_override_the_defaults_and_switching_repaints():
    app = DmConsoleApp(small_lab(), poll_interval=None, start_engine=False, theme="dmconsole-light")
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.theme == "dmconsole-light"
        assert app.theme_variables["dm-suspended"] == "#B36B00"
        app.theme = "textual-dark"  # a built-in theme knows nothing of dm-*: the defaults apply
        await pilot.pause()
        assert app.theme_variables["dm-suspended"] == APP_VARIABLES["dm-suspended"]


async def test_an_unknown_theme_falls_back_with_a_notice():
    app = DmConsoleApp(small_lab(), poll_interval=None, start_engine=False, theme="no-such-theme")
    async with app.run_test(size=(120, 36), notifications=True):
        assert app.theme == DEFAULT_THEME
        assert any("no-such-theme" in str(n.message) for n in app._notifications)


def test_fmt_size():
    assert fmt_size(2048) == "1 MiB"
    assert fmt_size(3) == "1.5 KiB"
    assert fmt_size(1) == "512 B"
    assert fmt_size(2 * 1024 * 1024 * 1024) == "1 TiB"


def test_disk_detail_says_what_its_write_cache_holds():
    lab = Lab()
    lab.engine.block.disk_create("wc", 2048, write_cache=True)
    lab.engine.block.disk_create("wt", 2048)
    session = Session(lab, lambda b: None, lambda b: None)
    assert session.run_line("printf x | dd of=/dev/wc bs=512 count=1 conv=sync oflag=direct status=none") == 0
    disks = {d.name: d for d in lab.view().disks}
    assert "volatile write cache, 1 sector not yet flushed" in DetailPane._disk_content(disks["wc"]).plain
    assert "no write cache" in DetailPane._disk_content(disks["wt"]).plain
