"""The console's widgets. Each is fed engine snapshots by the app ("attributes down") and never sees the engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.suggester import Suggester
from textual.widgets import DataTable, Input, RichLog, Static, Tree
from textual.widgets.tree import TreeNode

from ..commands import registry
from ..commands.session import DMSETUP_WORDS

if TYPE_CHECKING:
    from ..engine.snapshot import DeviceView, DiskView, EngineSnapshot, EventView, TargetView, WorkloadView


BAD_BLOCKS_SHOWN = 24  # bad-block numbers listed in the detail pane (the count is always exact)


def fmt_size(sectors: int) -> str:
    """A size in sectors the way an administrator reads it: 256 MiB, 1.5 GiB."""
    return fmt_bytes(sectors * 512)


def fmt_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            break
        value /= 1024
    return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"


def target_line(start: int, length: int, ttype: str, params: str) -> str:
    """One line of `dmsetup table` / `dmsetup status` for one device, byte for byte (trailing space included)."""
    return f"{start} {length} {ttype} {params}"


def disk_failed(disk: DiskView) -> bool:
    return disk.faults == "failed"


# ------------------------------------------------------------------------------------------------ the stack tree
@dataclass(frozen=True)
class NodeInfo:
    kind: str  # "dm" | "disk" | "missing"
    name: str


class StackTree(Tree[NodeInfo]):
    """The stack, top-level devices first, each with the devices its live table uses below it, disks at the leaves.

    A device used by several others appears under each of them (a stack is a DAG).
    """

    COMPONENT_CLASSES = {
        "stack-tree--device",
        "stack-tree--disk",
        "stack-tree--devno",
        "stack-tree--detail",
        "stack-tree--suspended",
        "stack-tree--failed",
    }
    BINDINGS = [Binding("space", "app.toggle_clock", "Pause", show=False)]

    def __init__(self, **kwargs):
        super().__init__("stack", **kwargs)
        self.show_root = False
        self.guide_depth = 3
        self._shape: tuple = ()
        self._stack_nodes: list[tuple[TreeNode[NodeInfo], tuple[str, str]]] = []
        self._labels: dict[tuple[str, str], Text] = {}

    # ---------------------------------------------------------------- building
    def update_stack(self, snap: EngineSnapshot, force: bool = False) -> None:
        by_devno: dict[str, tuple[str, str]] = {}
        for disk in snap.disks:
            by_devno[disk.devno] = ("disk", disk.name)
        for dev in snap.devices:
            by_devno[dev.devno] = ("dm", dev.name)
        devices = {dev.name: dev for dev in snap.devices}
        used = {devno for dev in snap.devices for devno in dev.deps}
        roots = [("dm", dev.name) for dev in snap.devices if dev.devno not in used]
        roots += [("disk", disk.name) for disk in snap.disks if disk.devno not in used]

        def children(key: tuple[str, str]) -> list[tuple[str, str]]:
            if key[0] != "dm":
                return []
            return [by_devno.get(devno, ("missing", devno)) for devno in devices[key[1]].deps]

        def shape(key: tuple[str, str], path: frozenset) -> tuple:
            if key in path:  # cannot happen in a real stack; never loop on one
                return (key, ())
            return (key, tuple(shape(child, path | {key}) for child in children(key)))

        new_shape = tuple(shape(root, frozenset()) for root in roots)
        self._labels = {}
        for dev in snap.devices:
            self._labels[("dm", dev.name)] = self._device_label(dev)
        for disk in snap.disks:
            self._labels[("disk", disk.name)] = self._disk_label(disk)
        if new_shape != self._shape or force:
            self._rebuild(new_shape)
        else:
            for node, key in self._stack_nodes:
                label = self._labels.get(key)
                if label is not None and label != node._label:
                    node.set_label(label)

    def _rebuild(self, new_shape: tuple) -> None:
        cursor = self.cursor_node
        wanted = self._path_of(cursor) if cursor is not None else None
        self._shape = new_shape
        self._stack_nodes = []
        self.clear()

        def add(parent: TreeNode[NodeInfo], item: tuple, path: tuple) -> None:
            key, kids = item
            label = self._labels.get(key) or Text(f"{key[1]} (unknown)")
            if kids:
                node = parent.add(label, NodeInfo(*key), expand=True)
                for kid in kids:
                    add(node, kid, path + (key,))
            else:
                node = parent.add_leaf(label, NodeInfo(*key))
            self._stack_nodes.append((node, key))

        for item in new_shape:
            add(self.root, item, ())
        self.root.expand()
        if wanted:
            self._restore_cursor(wanted)

    @staticmethod
    def _path_of(node: TreeNode[NodeInfo]) -> tuple:
        path = []
        while node is not None and node.data is not None:
            path.append((node.data.kind, node.data.name))
            node = node.parent
        return tuple(reversed(path))

    def _restore_cursor(self, wanted: tuple) -> None:
        best = None
        for node, key in self._stack_nodes:
            if self._path_of(node) == wanted:
                best = node
                break
            if best is None and key == wanted[-1]:
                best = node
        if best is not None:
            self.call_after_refresh(self.move_cursor, best)

    def nodes_for(self, kind: str, name: str) -> list[TreeNode[NodeInfo]]:
        """Every node showing one device or disk (a shared device has one under each user)."""
        return [node for node, key in self._stack_nodes if key == (kind, name)]

    def select_key(self, key: tuple[str, str]) -> None:
        """Move the cursor to the first node showing ``key`` (no-op if it is already on one)."""
        cursor = self.cursor_node
        if cursor is not None and cursor.data is not None and (cursor.data.kind, cursor.data.name) == key:
            return
        for node, node_key in self._stack_nodes:
            if node_key == key:
                self.move_cursor(node)
                return

    # ---------------------------------------------------------------- labels
    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    # A state marker comes right after the name: a deep node's label is cut at the pane's edge, and the
    # state matters more than the numbers after it.
    def _device_label(self, dev: DeviceView) -> Text:
        text = Text()
        text.append(dev.name, self._style("stack-tree--device"))
        if dev.suspended:
            text.append(" ⏸ suspended", self._style("stack-tree--suspended"))
        text.append(f" {dev.devno}", self._style("stack-tree--devno"))
        text.append(f" {dev.target_types} {fmt_size(dev.size)}", self._style("stack-tree--detail"))
        if dev.has_inactive:
            text.append(" +inactive", self._style("stack-tree--detail"))
        return text

    def _disk_label(self, disk: DiskView) -> Text:
        text = Text()
        text.append(disk.name, self._style("stack-tree--disk"))
        if disk_failed(disk):
            text.append(" ✗ failed", self._style("stack-tree--failed"))
        elif disk.faults not in ("", "-"):
            text.append(f" ⚠ {disk.faults}", self._style("stack-tree--failed"))
        text.append(f" {disk.devno}", self._style("stack-tree--devno"))
        text.append(f" disk {fmt_size(disk.size)}", self._style("stack-tree--detail"))
        return text


# ------------------------------------------------------------------------------------------------ the device table
COLUMNS = (("name", "Name"), ("devno", "Maj:Min"), ("targets", "Targets"), ("size", "Size"), ("state", "State"),
           ("open", "Open"), ("events", "Events"))


class DeviceTable(DataTable):
    """Mapped devices, one row per device keyed by name, updated cell by cell."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "device-table--active",
        "device-table--suspended",
        "device-table--devno",
    }

    def __init__(self, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._device_cells: dict[str, tuple[str, ...]] = {}

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            if key in ("open", "events"):
                self.add_column(Text(label, justify="right"), key=key)
            elif key == "state":  # room for "SUSPENDED +inactive", so rows do not jitter as states change
                self.add_column(label, key=key, width=len("SUSPENDED +inactive"))
            else:
                self.add_column(label, key=key)

    def _cells(self, dev: DeviceView) -> tuple[str, ...]:
        state = dev.state + (" +inactive" if dev.has_inactive else "")
        return (dev.name, dev.devno, dev.target_types, fmt_size(dev.size), state, str(dev.open_count),
                str(dev.event_nr))

    def _styled_cell(self, column: str, value: str, dev: DeviceView) -> Text:
        style = None
        if column == "state":
            style = "device-table--suspended" if dev.suspended else "device-table--active"
        elif column == "devno":
            style = "device-table--devno"
        if column in ("open", "events"):
            return Text(value, style=self.get_component_rich_style(style, partial=True) if style else "",
                        justify="right")
        return Text(value, style=self.get_component_rich_style(style, partial=True) if style else "")

    def update_devices(self, snap: EngineSnapshot, force: bool = False) -> bool:
        """Bring the rows in line with ``snap``; True if rows were added or removed."""
        if force:
            self._device_cells = {name: () for name in self._device_cells}
        devices = {dev.name: dev for dev in snap.devices}
        changed = False
        for name in list(self._device_cells):
            if name not in devices:
                self.remove_row(name)
                del self._device_cells[name]
                changed = True
        for name, dev in devices.items():
            cells = self._cells(dev)
            old = self._device_cells.get(name)
            if old is None:
                self.add_row(*(self._styled_cell(key, value, dev) for (key, _), value in zip(COLUMNS, cells,
                                                                                                strict=True)), key=name)
                changed = True
            elif old != cells:
                for (key, _), value, before in zip(COLUMNS, cells, old or (None,) * len(cells), strict=True):
                    if value != before:
                        self.update_cell(name, key, self._styled_cell(key, value, dev), update_width=key != "state")
            self._device_cells[name] = cells
        if changed:
            self.sort("name", key=lambda name: str(name))
        return changed

    def select_device(self, name: str) -> None:
        if name in self._device_cells:
            index = self.get_row_index(name)
            if index != self.cursor_row:
                self.move_cursor(row=index)

    @property
    def device_at_cursor(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - an empty or changing table
            return None
        return key.value


# ------------------------------------------------------------------------------------------------ detail pane
class DetailPane(Static):
    """The selected device's `dmsetup table` and `dmsetup status` lines, exactly as dmsetup prints them."""

    _shown_view: object = None

    def show(self, snap: EngineSnapshot, kind: str | None, name: str | None) -> None:
        view = snap.device(name or "") if kind == "dm" else next((d for d in snap.disks if d.name == name), None)
        path = (f"/dev/mapper/{name}" if kind == "dm" else f"/dev/{name}") if name else ""
        loads = tuple(w for w in snap.workloads if w.device == path)
        # a target's details (bad blocks…) are left out of the views' equality: compare them too
        details = tuple(t.details for t in view.live) if kind == "dm" and view is not None else ()
        if (kind, view, loads, details) == self._shown_view and view is not None:
            return  # nothing changed: no repaint
        self._shown_view = (kind, view, loads, details)
        if kind == "dm" and (dev := snap.device(name or "")) is not None:
            self.border_title = f"{dev.name} ({dev.devno})"
            self.set_class(dev.suspended, "-suspended")
            self.set_class(False, "-failed")
            self.update(self._device_content(dev) + self._workloads_content(loads))
            return
        disk = next((d for d in snap.disks if d.name == name), None) if kind == "disk" else None
        if disk is not None:
            self.border_title = f"{disk.name} ({disk.devno})"
            self.set_class(False, "-suspended")
            self.set_class(disk_failed(disk), "-failed")
            self.update(self._disk_content(disk) + self._workloads_content(loads))
            return
        self.border_title = "Detail"
        self.set_class(False, "-suspended")
        self.set_class(False, "-failed")
        self.update(Content.from_markup("[dim]No device selected. Create one with [b]:[/b] "
                                        "dmsetup create NAME --table '…'[/dim]"))

    @staticmethod
    def _device_content(dev: DeviceView) -> Content:
        state = "[b $dm-suspended]⏸ SUSPENDED[/]" if dev.suspended else "[b $dm-active]ACTIVE[/]"
        flags = []
        if dev.read_only:
            flags.append("read-only")
        if dev.has_inactive:
            flags.append("inactive table loaded")
        if dev.held_bios:
            flags.append(f"{dev.held_bios} bio{'s' if dev.held_bios != 1 else ''} held")
        if dev.in_flight:
            flags.append(f"{dev.in_flight} in flight")
        parts = [
            Content.from_markup(
                f"{state}  open $open  event $event  $size ($sectors sectors)$flags",
                open=str(dev.open_count), event=str(dev.event_nr), size=fmt_size(dev.size),
                sectors=str(dev.size), flags=("  · " + ", ".join(flags)) if flags else ""),
            Content.from_markup("\n[b $dm-prompt]# dmsetup table $name[/]", name=dev.name),
        ]
        for line in dev.live:
            parts.append(Content("\n" + target_line(line.start, line.length, line.type, line.table)))
        if not dev.live:
            parts.append(Content("\n"))
        parts.append(Content.from_markup("\n[b $dm-prompt]# dmsetup status $name[/]", name=dev.name))
        for line in dev.live:
            parts.append(Content("\n" + target_line(line.start, line.length, line.type, line.status)))
        if not dev.live:
            parts.append(Content("\n"))
        parts.extend(DetailPane._family_content(line) for line in dev.live)
        return Content("").join(parts)

    @staticmethod
    def _family_content(line: TargetView) -> Content:
        """What a target family keeps beyond its status line (from the snapshot's details): dust's bad blocks."""
        details = line.details
        if line.type == "dust" and "bad_block_count" in details:
            count = details["bad_block_count"]
            blocks = list(details.get("bad_blocks", ()))
            shown = " ".join(str(b) for b in blocks[:BAD_BLOCKS_SHOWN])
            if count > len(blocks[:BAD_BLOCKS_SHOWN]):
                shown += " …"
            reads = ("[b $dm-failed]reads fail[/]" if details.get("enabled")
                     else "[dim]bypass: reads succeed[/]")
            return Content.from_markup(
                f"\n\n[b $dm-prompt]# dust bad blocks[/] [dim](sector $start, $size-byte blocks)[/]\n"
                f"$count bad block$plural{': ' if count else ''}$blocks  {reads}",
                start=str(line.start), size=str(details.get("block_size", "?")), count=str(count),
                plural="" if count == 1 else "s", blocks=shown)
        return Content("")

    @staticmethod
    def _workloads_content(loads: tuple[WorkloadView, ...]) -> Content:
        """The `io` workloads running on the selected device, with their counters."""
        if not loads:
            return Content("")
        parts = [Content.from_markup("\n\n[b $dm-prompt]# io ls[/] [dim](workloads on this device)[/]")]
        for load in loads:
            errors = "[b $dm-failed]$errors errors[/]" if load.errors else "$errors errors"
            parts.append(Content.from_markup(
                f"\n$name  $state  $ios I/Os  {errors}  written $written  read $read",
                name=load.name, state=load.state, ios=str(load.ios_done), errors=str(load.errors),
                written=fmt_bytes(load.bytes_written), read=fmt_bytes(load.bytes_read)))
        return Content("").join(parts)

    @staticmethod
    def _disk_content(disk: DiskView) -> Content:
        faults = "[b $dm-failed]✗ failed[/]" if disk_failed(disk) else (
            "none" if disk.faults in ("", "-") else "[b $dm-failed]$faults[/]")
        dirty = f"{disk.dirty_sectors} sector{'' if disk.dirty_sectors == 1 else 's'}"
        cache = f"volatile write cache, {dirty} not yet flushed" if disk.write_cache else (
            "no write cache (writes are durable when they complete)")
        return Content.from_markup(
            "[b $dm-disk]disk[/]  /dev/$name  $size ($sectors sectors)  open $open\n"
            f"faults: {faults}\n"
            "reads $reads  writes $writes  errors $errors  stored $stored\n"
            "$cache",
            name=disk.name, size=fmt_size(disk.size), sectors=str(disk.size), open=str(disk.open_count),
            faults=disk.faults, reads=str(disk.reads), writes=str(disk.writes), errors=str(disk.errors),
            stored=fmt_bytes(disk.bytes_stored), cache=cache,
        )


# ------------------------------------------------------------------------------------------------ logs
class EventLog(RichLog):
    """Device events, state changes and kernel-log lines, each once, with lab timestamps."""

    COMPONENT_CLASSES = {"event-log--time", "event-log--event", "event-log--klog", "event-log--state",
                         "event-log--device"}

    def __init__(self, **kwargs):
        super().__init__(max_lines=2000, wrap=True, min_width=20, markup=False, highlight=False, **kwargs)
        self.last_seq = 0

    def add_events(self, events: tuple[EventView, ...]) -> int:
        added = 0
        for event in events:
            if event.seq <= self.last_seq:
                continue
            self.last_seq = event.seq
            self.write(self.format_event(event))
            added += 1
        return added

    def format_event(self, event: EventView) -> Text:
        def style(name: str) -> Style:
            return self.get_component_rich_style(name, partial=True)

        text = Text()
        text.append(f"[{event.time:10.3f}] ", style("event-log--time"))
        kind_style = style(f"event-log--{event.kind}") if event.kind in ("event", "klog", "state") else Style()
        if event.kind == "klog":
            text.append(event.text, kind_style)
            return text
        if event.device:
            text.append(event.device, style("event-log--device"))
            text.append(": ")
        text.append(event.text, kind_style)
        return text


class OutputLog(RichLog):
    """What the commands run from the console printed, after an echo of each command line."""

    COMPONENT_CLASSES = {"output-log--prompt", "output-log--stderr", "output-log--status"}

    def __init__(self, **kwargs):
        super().__init__(max_lines=5000, wrap=False, markup=False, highlight=False, **kwargs)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def command(self, line: str) -> None:
        self.write(Text.assemble(("$ ", self._style("output-log--prompt")), (line, self._style("output-log--prompt"))))

    def output(self, text: str, stderr: bool = False) -> None:
        self.write(Text(text, style=self._style("output-log--stderr") if stderr else ""))

    def status(self, text: str) -> None:
        self.write(Text(text, style=self._style("output-log--status")))


# ------------------------------------------------------------------------------------------------ status bar
class StatusBar(Static):
    """Lab time, clock speed or pause, counts, and commands still running."""

    def show(self, snap: EngineSnapshot, running: int, stepped: bool) -> None:
        if snap.paused:
            clock = "[b $dm-suspended]⏸ paused[/]"
        else:
            clock = "[b $dm-active]▶[/] ×$speed"
        if stepped:
            clock += " [dim](stepped)[/]"
        markup = f" lab [b]$time[/] s  {clock}   $devices devices · $disks disks"
        if snap.workloads:
            markup += " · $workloads workloads"
        if running:
            markup += "   [$dm-suspended]$running running[/]"
        markup += "   [dim]: command  ctrl+p palette  ? help[/]"
        self.update(Content.from_markup(
            markup, time=f"{snap.time:.3f}", speed=f"{snap.speed:g}", devices=str(len(snap.devices)),
            disks=str(len(snap.disks)), workloads=str(len(snap.workloads)),
            running=f"{running} command{'s' if running != 1 else ''}"))


# ------------------------------------------------------------------------------------------------ command line
class CommandSuggester(Suggester):
    """Completes the last word of a command line: command names, device and disk names, target messages."""

    def __init__(self, names, messages=None):
        super().__init__(use_cache=False, case_sensitive=True)
        self._names = names  # a callable returning the current device and disk names
        self._messages = messages  # a callable (device, sector) -> the message words its target takes

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value.endswith(" "):
            return None
        head, _, word = value.rpartition(" ")
        words = head.split()
        sub = words[1:] if words[:1] == ["dmsetup"] else words
        if sub[:1] == ["message"] and len(sub) == 3 and self._messages is not None:
            sector = int(sub[2]) if sub[2].isdigit() else None
            candidates = self._messages(sub[1].removeprefix("/dev/mapper/"), sector)
        elif not words:
            candidates = sorted({c.words[0] for c in registry.REGISTRY.values()} | DMSETUP_WORDS)
        elif words == ["dmsetup"]:
            candidates = sorted(DMSETUP_WORDS)
        elif len(words) == 1 and any(c.words[0] == words[0] and len(c.words) > 1 for c in registry.REGISTRY.values()):
            candidates = sorted(c.words[1] for c in registry.REGISTRY.values()
                                if c.words[0] == words[0] and len(c.words) > 1)
        else:
            candidates = sorted(self._names())
        for candidate in candidates:
            if candidate.startswith(word) and candidate != word:
                return value + candidate[len(word):]
        return None


class CommandLine(Input):
    """The `:` command line: the whole command language, with history (up/down) and completion (right)."""

    BINDINGS = [
        Binding("enter", "submit", "Run"),
        Binding("escape", "app.hide_command_line", "Close"),
        Binding("tab", "complete", "Complete"),
        Binding("up", "history(-1)", "History", key_display="↑↓"),
        Binding("down", "history(1)", "Next", show=False),
    ]

    def __init__(self, names, messages=None, **kwargs):
        super().__init__(placeholder="dmsetup status · sleep 2 · help · disk fault sdb fail …  (Esc closes)",
                         suggester=CommandSuggester(names, messages), select_on_focus=False, **kwargs)
        self.history: list[str] = []
        self._index = 0

    def remember(self, line: str) -> None:
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._index = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._index = max(0, min(len(self.history), self._index + step))
        self.value = self.history[self._index] if self._index < len(self.history) else ""
        self.cursor_position = len(self.value)

    def action_complete(self) -> None:
        if self._suggestion:
            self.value = self._suggestion
            self.cursor_position = len(self.value)
