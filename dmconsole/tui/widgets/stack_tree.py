"""The stack as a tree: top-level devices first, the devices each one's live table uses below it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from .format import disk_failed, fmt_size

if TYPE_CHECKING:
    from ...engine.views import DeviceView, DiskView, EngineView


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
    def update_stack(self, lab_view: EngineView, force: bool = False) -> None:
        by_devno: dict[str, tuple[str, str]] = {}
        for disk in lab_view.disks:
            by_devno[disk.devno] = ("disk", disk.name)
        for dev in lab_view.devices:
            by_devno[dev.devno] = ("dm", dev.name)
        devices = {dev.name: dev for dev in lab_view.devices}
        used = {devno for dev in lab_view.devices for devno in dev.deps}
        roots = [("dm", dev.name) for dev in lab_view.devices if dev.devno not in used]
        roots += [("disk", disk.name) for disk in lab_view.disks if disk.devno not in used]

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
        for dev in lab_view.devices:
            self._labels[("dm", dev.name)] = self._device_label(dev)
        for disk in lab_view.disks:
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
