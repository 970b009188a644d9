"""libdm's dependency tree (`dm_tree`) and dmsetup's `ls --tree` drawing, ported to follow them closely.

The tree is built the way ``dm_tree_add_dev`` builds it: every mapped device in
name order, each new node's dependencies added at once (depth first). A node
nothing uses hangs from the root (top level); a node that uses nothing is
linked back to the root (bottom level, the roots of ``-o inverted``). A table
that uses its own device takes its node off both levels, so it is not drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import Engine
    from ..engine.device import MappedDevice


def deps_of(md: MappedDevice, inactive: bool = False) -> list[Any]:
    """DM_DEVICE_DEPS: the devices a table holds, newest first (the kernel adds each to the head of its list)."""
    table = md.inactive if inactive else md.live
    return list(reversed(table.devices())) if table is not None else []


@dataclass(eq=False)
class Node:
    major: int
    minor: int
    name: str = ""  # empty for a device that is not a mapped device (and for the root)
    dev: Any = None
    uses: list[Node] = field(default_factory=list)
    used_by: list[Node] = field(default_factory=list)


class DepTree:
    def __init__(self) -> None:
        self.root = Node(0, 0)
        self.nodes: dict[tuple[int, int], Node] = {}

    @classmethod
    def build(cls, engine: Engine) -> DepTree:
        tree = cls()
        for md in sorted(engine.devices.values(), key=lambda m: m.name):
            tree.add_dev(tree.root, md)
        return tree

    def node(self, dev: Any) -> Node:
        return self.nodes[(dev.major, dev.minor)]

    def add_dev(self, parent: Node, dev: Any) -> None:
        """_add_dev(): link under ``parent``; a new node brings in its own dependencies."""
        key = (dev.major, dev.minor)
        node = self.nodes.get(key)
        new = node is None
        if node is None:
            node = Node(dev.major, dev.minor, dev.name if dev.kind == "dm" else "", dev)
            self.nodes[key] = node
        self._link_tree_nodes(parent, node)
        if not new:
            return
        deps = deps_of(dev) if dev.kind == "dm" else []
        if not deps:
            self._link_tree_nodes(node, self.root)  # bottom level
        for dep in deps:
            self.add_dev(node, dep)

    def num_children(self, node: Node, inverted: bool) -> int:
        """dm_tree_node_num_children(): 0 for a node linked to the root on that side."""
        if inverted:
            return 0 if node in self.root.uses else len(node.used_by)
        return 0 if self.root in node.uses else len(node.uses)

    def children(self, node: Node, inverted: bool) -> list[Node]:
        return node.used_by if inverted else node.uses

    def _link_tree_nodes(self, parent: Node, child: Node) -> None:
        if parent is self.root:
            if self.num_children(child, inverted=True):
                return  # already has a parent: not top level
        else:
            self._unlink(self.root, child)
        if child is self.root:
            if self.num_children(parent, inverted=False):
                return  # already has children: not bottom level
        else:
            self._unlink(parent, self.root)
        if child not in parent.uses:
            parent.uses.append(child)
            child.used_by.append(parent)

    @staticmethod
    def _unlink(parent: Node, child: Node) -> None:
        if child in parent.uses:
            parent.uses.remove(child)
            child.used_by.remove(parent)


# ----------------------------------------------------------------------------- drawing
SYMBOLS = {  # empty, branch, vertical, last, single (compact), first (compact)
    "ascii": ("  ", "|-", "| ", "`-", "---", "-+-"),
    "utf": ("  ", "\u251c\u2500", "\u2502 ", "\u2514\u2500", "\u2500\u2500\u2500", "\u2500\u252c\u2500"),
    "vt100": (
        "  ",
        "\033(0\017tq\033(B",
        "\033(0\017x\033(B ",
        "\033(0\017mq\033(B",
        "\033(0\017qqq\033(B",
        "\033(0\017qwq\033(B",
    ),
}
TREE_OPTIONS = [
    "device",
    "blkdevname",
    "nodevice",
    "status",
    "table",
    "active",
    "open",
    "uuid",
    "rw",
    "utf",
    "vt100",
    "ascii",
    "inverted",
    "compact",
    "notrunc",
]
MAX_DEPTH = 100
TERM_WIDTH = 80  # stdout is not a terminal


@dataclass
class TreeOptions:
    device: bool = True
    blkdevname: bool = False
    targets: bool = False
    active: bool = False
    open: bool = False
    uuid: bool = False
    rw: bool = False
    symbols: str = "ascii"  # the locale is C, so not UTF-8
    inverted: bool = False
    compact: bool = False
    truncate: bool = True

    @property
    def attributes(self) -> bool:
        return self.active or self.rw or self.open or self.uuid

    @property
    def print_compact(self) -> bool:
        return self.compact and not self.attributes and not self.targets


_SETTERS: dict[str, Callable[[TreeOptions], None]] = {
    "device": lambda o: setattr(o, "device", True),
    "blkdevname": lambda o: setattr(o, "blkdevname", True),
    "nodevice": lambda o: setattr(o, "device", False),
    "status": lambda o: setattr(o, "targets", True),
    "table": lambda o: setattr(o, "targets", True),
    "active": lambda o: setattr(o, "active", True),
    "open": lambda o: setattr(o, "open", True),
    "uuid": lambda o: setattr(o, "uuid", True),
    "rw": lambda o: setattr(o, "rw", True),
    "utf": lambda o: setattr(o, "symbols", "utf"),
    "vt100": lambda o: setattr(o, "symbols", "vt100"),
    "ascii": lambda o: setattr(o, "symbols", "ascii"),
    "inverted": lambda o: setattr(o, "inverted", True),
    "compact": lambda o: setattr(o, "compact", True),
    "notrunc": lambda o: setattr(o, "truncate", False),
}


def parse_tree_options(text: str | None) -> tuple[TreeOptions | None, str]:
    """_process_tree_options(): each word may be cut short (the first option it begins wins)."""
    options = TreeOptions()
    pos = 0
    while text and pos < len(text):
        end = text.find(",", pos)
        end = len(text) if end < 0 else end
        word = text[pos:end]
        name = next((n for n in TREE_OPTIONS if n.startswith(word)), None)
        if name is None:
            return None, text[pos:]
        _SETTERS[name](options)
        if end >= len(text):
            break
        pos = end + 1
    return options, ""


class TreeDrawer:
    """_display_tree_walk_children() and friends: byte by byte, truncating at 80 columns unless notrunc."""

    def __init__(self, tree: DepTree, options: TreeOptions, blk_name: Callable[[Node], str | None]):
        self.tree = tree
        self.opts = options
        self.sym = SYMBOLS[options.symbols]
        self.blk_name = blk_name
        self.width = [0] * (MAX_DEPTH + 2)
        self.more = [False] * (MAX_DEPTH + 2)
        self.cur_x = 1
        self.last_char = 0
        self.out = bytearray()

    def draw(self) -> bytes:
        self._walk(self.tree.root, 0)
        return bytes(self.out)

    def _walk(self, node: Node, depth: int) -> None:
        inverted = self.opts.inverted
        children = list(self.tree.children(node, inverted))
        for index, child in enumerate(children):
            has_children = self.tree.num_children(child, inverted) > 0
            self._node(child, depth, index == len(children) - 1, has_children)
            if has_children:
                self._walk(child, depth + 1)

    def _node(self, node: Node, depth: int, last_child: bool, has_children: bool) -> None:
        opts = self.opts
        if depth + 2 > MAX_DEPTH or (not node.name and not opts.device and not opts.blkdevname):
            return
        self.more[depth] = not last_child
        self.width[depth] = 0
        first_on_line = self.cur_x == 1
        if not opts.print_compact or first_on_line:
            self._prefix(depth)
        offset = self.cur_x
        if opts.print_compact and not first_on_line:
            self._string(self.sym[5] if self.more[depth] else self.sym[4])
        self._string(node.name)
        self._label(node)
        if opts.print_compact:
            self.width[depth] = self.cur_x - offset
        if not opts.print_compact or not has_children:
            self._newline()
        if opts.targets:
            self.more[depth + 1] = has_children

    def _label(self, node: Node) -> None:
        opts = self.opts
        if opts.blkdevname:
            name = self.blk_name(node)
            if name is not None:
                self._string(f" <{name}>")
        if opts.device:
            self._string(f" ({node.major}:{node.minor})")
        if opts.attributes and node.dev is not None and node.dev.kind == "dm":
            self._string(self._attributes(node.dev))

    def _attributes(self, md: Any) -> str:
        opts = self.opts
        parts = []
        if opts.active:
            parts.append("SUSPENDED" if md.suspended else "ACTIVE")
        if opts.rw:
            parts.append("RO" if md.read_only else "RW")
        if opts.open:
            parts.append(str(md.engine.open_count(md)))
        if opts.uuid:
            parts.append(md.uuid)
        return " [" + ", ".join(parts) + "]"

    def _prefix(self, depth: int) -> None:
        for d in range(depth):
            self._string(" " * (self.width[d] + 1))
            if d == depth - 1:
                self._string(self.sym[1] if self.more[depth] else self.sym[3])
            else:
                self._string(self.sym[2] if self.more[d + 1] else self.sym[0])

    def _string(self, text: str) -> None:
        for byte in text.encode("utf-8", "surrogateescape"):
            self._char(byte)

    def _char(self, c: int) -> None:
        counts = (c & 0xC0) != 0x80  # only the first byte of a UTF-8 character takes a column
        self.cur_x += counts
        if not self.opts.truncate:
            self.out.append(c)
            return
        if self.cur_x <= TERM_WIDTH:
            self.out.append(c)
        if self.cur_x == TERM_WIDTH + 1 and counts:
            if self.last_char or (c & 0x80):
                self.out += b"..."
            else:
                self.last_char = c
                self.cur_x -= 1

    def _newline(self) -> None:
        if self.last_char and self.cur_x == TERM_WIDTH:
            self.out.append(self.last_char)
        self.last_char = 0
        self.out.append(ord("\n"))
        self.cur_x = 1
