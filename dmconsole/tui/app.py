"""The dmconsole Textual app: the stack live, and every action through the command language.

The app reads the lab only through ``lab.view()`` (frozen views) and changes it
only by running command lines in a Session on the engine thread
(``CommandRunner``). A timer polls the view; tests build the app over a stepped
lab with no thread and no timer, and call ``refresh_from_engine()`` themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Tree

from ..commands.session import Session
from ..commands.shell import ShellSyntaxError, parse, quote
from ..lab import Lab
from .palette import DeviceCommands, PaletteEntry
from .runner import CommandRunner, Finished, Output, destructive_commands, destructive_messages
from .screens import ConfirmScreen, HelpScreen, MessageScreen
from .themes import APP_VARIABLES, DEFAULT_THEME, load_themes
from .widgets import (
    CommandLine,
    DetailPane,
    DeviceTable,
    EventLog,
    OutputLog,
    StackTree,
    StatusBar,
)

SPEEDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


class DmConsoleApp(App[int]):
    """The device-mapper console."""

    TITLE = "dmconsole"
    CSS_PATH = Path(__file__).parent / "dmconsole.tcss"
    COMMANDS = App.COMMANDS | {DeviceCommands}
    AUTO_FOCUS = "#devices"
    BINDINGS = [
        Binding("colon", "command_line", "Command", key_display=":"),
        Binding("s", "suspend", "Suspend"),
        Binding("r", "resume", "Resume"),
        Binding("space", "toggle_clock", "Pause/Run", key_display="space"),
        Binding("plus,equals_sign", "speed(1)", "Faster", key_display="+"),
        Binding("minus", "speed(-1)", "Slower", key_display="-"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f1", "help", "Help", show=False),  # f1 also works on the command line, where ? is typed
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, lab: Lab, session: Session | None = None, poll_interval: float | None = 0.1,
                 start_engine: bool = True, *, speed: float = 1.0, theme: str | None = None,
                 subtitle: str = "", notices: list[str] | None = None):
        super().__init__()
        self.lab = lab
        self.runner = CommandRunner(lab, session)
        self.poll_interval = poll_interval
        self.start_engine = start_engine
        self.initial_speed = speed
        self.sub_title = subtitle
        self.last_view = None
        self.selected: tuple[str, str] | None = None  # ("dm" | "disk", name)
        self._shown_seq = -1
        self._started = False
        self._pending_clock: dict[str, Any] = {}
        self._notices = list(notices or [])
        themes, errors = load_themes()
        for found in themes.values():
            self.register_theme(found)
        self._notices += [f"theme not loaded: {error}" for error in errors]
        wanted = theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            if theme:
                self._notices.append(f"no theme {theme!r}; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="▤")
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            yield StackTree(id="stack")
            with Vertical(id="right"):
                yield DeviceTable(id="devices")
                yield DetailPane(id="detail")
        with Horizontal(id="bottom"):
            yield EventLog(id="events")
            yield OutputLog(id="output")
        yield CommandLine(lambda: self.last_view, id="command")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stack").border_title = "Stack"
        self.query_one("#devices").border_title = "Devices"
        self.query_one("#events").border_title = "Events"
        self.query_one("#output").border_title = "Output"
        self.query_one("#command").display = False
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.start_engine:
            self.lab.start(self.initial_speed)
            self._started = True
        self.refresh_from_engine()
        if self.poll_interval:
            self.set_interval(self.poll_interval, self.refresh_from_engine, name="engine-poll")
        for notice in self._notices:
            self.notify(notice, severity="warning", timeout=8)

    def on_unmount(self) -> None:
        if self._started:
            self.lab.stop()
            self._started = False

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    def _theme_changed(self, _theme) -> None:
        # Cell and label colours come from component styles: repaint them in the new theme.
        self.call_after_refresh(self.refresh_from_engine, True)

    # ------------------------------------------------------------------ the poll
    def refresh_from_engine(self, force: bool = False) -> None:
        """Read the latest view and the commands' output into the widgets (the poll timer calls this)."""
        lab_view = self.lab.view()
        items = self.runner.drain()
        if lab_view is None:
            return
        self.last_view = lab_view
        for field, value in list(self._pending_clock.items()):
            if getattr(lab_view, field) == value or not self.runner.running:
                del self._pending_clock[field]
        with self.batch_update():
            if lab_view.seq != self._shown_seq or force:
                self._shown_seq = lab_view.seq
                self._show_view(lab_view, force)
            if items:
                self._show_output(items)
            self.query_one(StatusBar).show(lab_view, len(self.runner.running), not self.lab.threaded)

    def _show_view(self, lab_view, force: bool) -> None:
        table = self.query_one(DeviceTable)
        rows_changed = table.update_devices(lab_view, force)
        self.query_one(StackTree).update_stack(lab_view, force)
        self.query_one(EventLog).add_events(lab_view.events)
        if self.selected is not None and not self._exists(lab_view, self.selected):
            self.selected = None
        if self.selected is None:
            name = table.device_at_cursor
            if name is not None:
                self.selected = ("dm", name)
            elif lab_view.disks:
                self.selected = ("disk", lab_view.disks[0].name)
        # Put the cursor back on the selected device only when rows came or went (sorting moves them). Doing it on
        # every poll would undo cursor moves whose highlight message has not been handled yet (↑↑ typed quickly).
        if rows_changed and self.selected is not None and self.selected[0] == "dm":
            table.select_device(self.selected[1])
        kind, name = self.selected if self.selected else (None, None)
        self.query_one(DetailPane).show(lab_view, kind, name)

    @staticmethod
    def _exists(lab_view, key: tuple[str, str]) -> bool:
        kind, name = key
        if kind == "dm":
            return lab_view.device(name) is not None
        return any(d.name == name for d in lab_view.disks)

    def _show_output(self, items: list[Output | Finished]) -> None:
        log = self.query_one(OutputLog)
        for item in items:
            if isinstance(item, Output):
                log.output(item.text, item.stream == "stderr")
            elif item.error:
                log.output(f"dmconsole: {item.line}: {item.error}", stderr=True)
            elif item.status:
                log.status(f"[exit {item.status}]")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # + and - are typed on the command line: hide "Faster"/"Slower" from the footer while it has the focus
        # (Textual cannot tell that an Input takes them: they have no character in its key table).
        if action == "speed" and isinstance(self.focused, CommandLine):
            return False
        return True

    # ------------------------------------------------------------------ running commands
    def run_line(self, line: str) -> int:
        """Run one command line through the session on the engine thread; output goes to the Output pane."""
        self.query_one(OutputLog).command(line)
        run_id = self.runner.run(line)
        if not self.lab.threaded:
            self.refresh_from_engine()
        return run_id

    def run_confirmed(self, line: str) -> None:
        """Run ``line``, asking first if it runs a destructive command or sends a destructive target message."""
        summaries = [f"{cmd.name}: {cmd.summary}" for cmd in destructive_commands(line)]
        summaries += [f"{m.title}: {m.help}" for m in destructive_messages(line, self.last_view)]
        if not summaries:
            self.run_line(line)
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_line(line)
            else:
                self.query_one(OutputLog).status(f"cancelled: {line}")

        self.push_screen(ConfirmScreen(line, summaries, self._impact(line)), answered)

    def _impact(self, line: str) -> list[str]:
        """What the objects a line names are doing now: open counts and users, from the view."""
        lab_view = self.last_view
        if lab_view is None:
            return []
        try:
            pipeline = parse(line)
        except ShellSyntaxError:
            return []
        words = {w.removeprefix("/dev/mapper/").removeprefix("/dev/") for s in (pipeline.stages if pipeline else [])
                 for w in s.argv}
        notes = []
        for dev in lab_view.devices:
            if dev.name in words:
                users = [d.name for d in lab_view.devices if dev.devno in d.deps]
                note = f"{dev.name} ({dev.devno}): {dev.state.lower()}, open count {dev.open_count}"
                if users:
                    note += f", used by {', '.join(users)}"
                notes.append(note)
        for disk in lab_view.disks:
            if disk.name in words:
                users = [d.name for d in lab_view.devices if disk.devno in d.deps]
                notes.append(f"{disk.name} ({disk.devno}): open count {disk.open_count}"
                             + (f", used by {', '.join(users)}" if users else ", not in use"))
        return notes

    def run_palette_entry(self, entry: PaletteEntry) -> None:
        if entry.subject is not None:
            self.select(entry.subject)
        message = entry.message
        if message is not None and message.needs_args:

            def answered(args: str | None) -> None:
                if args is None:
                    self.query_one(OutputLog).status(f"cancelled: {message.title}")
                else:
                    self.run_confirmed(message.line(args))

            self.push_screen(MessageScreen(message), answered)
        elif entry.run:
            self.run_confirmed(entry.line)
        else:
            self.action_command_line(entry.line)

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Command line", "Type any command (dmsetup, dd, sleep, io, disk, …)",
                            self.action_command_line)
        yield SystemCommand("Pause or run the lab clock", "clock pause / clock resume", self.action_toggle_clock)
        yield SystemCommand("Commands and keys", "Help generated from the command registry", self.action_help)

    # ------------------------------------------------------------------ selection
    @on(DataTable.RowHighlighted, "#devices")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:
            self._select(("dm", event.row_key.value))

    @on(Tree.NodeHighlighted, "#stack")
    def _node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        data = event.node.data
        if data is not None and data.kind in ("dm", "disk"):
            self._select((data.kind, data.name))
            if data.kind == "dm":
                self.query_one(DeviceTable).select_device(data.name)

    def _select(self, key: tuple[str, str]) -> None:
        if key == self.selected:
            return
        self.selected = key
        if self.last_view is not None:
            self.query_one(DetailPane).show(self.last_view, *key)

    def select(self, key: tuple[str, str]) -> None:
        """Select a device or disk everywhere: table cursor, tree cursor, detail pane."""
        self._select(key)
        if key[0] == "dm":
            self.query_one(DeviceTable).select_device(key[1])
        self.query_one(StackTree).select_key(key)

    # ------------------------------------------------------------------ the command line
    def action_command_line(self, prefill: str = "") -> None:
        line = self.query_one(CommandLine)
        line.display = True
        line.value = prefill
        line.cursor_position = len(prefill)
        line.focus()

    def action_hide_command_line(self) -> None:
        line = self.query_one(CommandLine)
        line.display = False
        self.query_one(DeviceTable).focus()

    @on(CommandLine.Submitted, "#command")
    def _command_submitted(self, event: CommandLine.Submitted) -> None:
        event.stop()
        line = event.value.strip()
        widget = self.query_one(CommandLine)
        widget.remember(line)
        widget.value = ""
        self.action_hide_command_line()
        if line:
            self.run_confirmed(line)

    # ------------------------------------------------------------------ key actions
    def _selected_device(self) -> str | None:
        # Read the focused widget's cursor, not ``selected``: keys typed quickly (down, down, s) arrive before the
        # highlight messages that update ``selected``, and `s` must act on the row the cursor is on.
        focused = self.focused
        key = self.selected
        if isinstance(focused, DeviceTable) and focused.device_at_cursor is not None:
            key = ("dm", focused.device_at_cursor)
        elif isinstance(focused, StackTree) and focused.cursor_node is not None and focused.cursor_node.data:
            key = (focused.cursor_node.data.kind, focused.cursor_node.data.name)
        if key is not None and key[0] == "dm":
            if key != self.selected:
                self.select(key)
            return key[1]
        self.notify("Select a mapped device first", severity="warning", timeout=3)
        return None

    def action_suspend(self) -> None:
        name = self._selected_device()
        if name is not None:
            self.run_confirmed(f"dmsetup suspend {quote(name)}")

    def action_resume(self) -> None:
        name = self._selected_device()
        if name is not None:
            self.run_confirmed(f"dmsetup resume {quote(name)}")

    def _clock(self, field: str):
        """The clock's speed or paused state, counting keys pressed faster than the engine answers."""
        if field in self._pending_clock:
            return self._pending_clock[field]
        lab_view = self.last_view
        if lab_view is None:
            return 1.0 if field == "speed" else False
        return getattr(lab_view, field)

    def action_toggle_clock(self) -> None:
        paused = not self._clock("paused")
        self._pending_clock["paused"] = paused
        self.run_line("clock pause" if paused else "clock resume")

    def action_speed(self, step: int) -> None:
        current = self._clock("speed")
        if step > 0:
            new = next((s for s in SPEEDS if s > current + 1e-9), SPEEDS[-1])
        else:
            new = next((s for s in reversed(SPEEDS) if s < current - 1e-9), SPEEDS[0])
        self._pending_clock["speed"] = new
        self.run_line(f"clock speed {new:g}")

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        keys = [(b.key_display or b.key, b.description) for b in self.BINDINGS if isinstance(b, Binding)]
        keys += [("ctrl+p", "command palette: suspend, resume, message, reload, create, remove…"),
                 ("esc", "close the command line or a dialog"), ("tab / →", "complete on the command line"),
                 ("↑ / ↓", "command-line history"), ("ctrl+q", "quit")]
        self.push_screen(HelpScreen(keys))
