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
from typing import TYPE_CHECKING

from ...engine.core.errno import DMError
from ...engine.dm.ioctl import DeviceRef, DmInfo

if TYPE_CHECKING:
    from ...engine.dm.ioctl import DeviceMapper


@dataclass(frozen=True)
class Dep:
    """A device a table holds, as DM_TABLE_DEPS gives it: a number."""

    major: int
    minor: int


def deps_of(dm: DeviceMapper, ref: DeviceRef | str, inactive: bool = False) -> list[Dep]:
    """DM_TABLE_DEPS: the devices a table holds, newest first (the kernel adds each to the head of its list)."""
    _info, deps = dm.table_deps(ref, inactive)
    return [Dep(major, minor) for major, minor in deps]


@dataclass(eq=False)
class Node:
    major: int
    minor: int
    name: str = ""  # empty for a device that is not a mapped device (and for the root)
    info: DmInfo | None = None  # DM_DEV_STATUS of a mapped device
    uses: list[Node] = field(default_factory=list)
    used_by: list[Node] = field(default_factory=list)


class DepTree:
    def __init__(self, dm: DeviceMapper) -> None:
        self.dm = dm
        self.root = Node(0, 0)
        self.nodes: dict[tuple[int, int], Node] = {}

    @classmethod
    def build(cls, dm: DeviceMapper) -> DepTree:
        tree = cls(dm)
        for _name, major, minor in dm.list_devices():
            tree.add_dev(tree.root, major, minor)
        return tree

    def node(self, major: int, minor: int) -> Node:
        return self.nodes[(major, minor)]

    def add_dev(self, parent: Node, major: int, minor: int) -> None:
        """_add_dev(): link under ``parent``; a new node brings in its own dependencies (DM_DEV_STATUS and
        DM_TABLE_DEPS by number: what is not a mapped device is a leaf)."""
        key = (major, minor)
        node = self.nodes.get(key)
        new = node is None
        if node is None:
            ref = DeviceRef(major=major, minor=minor)
            info = None
            deps: list[Dep] = []
            if major == self.dm.major:
                try:
                    info = self.dm.dev_status(ref)
                    deps = deps_of(self.dm, ref)
                except DMError:
                    info = None
            node = Node(major, minor, info.name if info else "", info)
            self.nodes[key] = node
        self._link_tree_nodes(parent, node)
        if not new:
            return
        if not deps:
            self._link_tree_nodes(node, self.root)  # bottom level
        for dep in deps:
            self.add_dev(node, dep.major, dep.minor)

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
        if opts.attributes and node.info is not None:
            self._string(self._attributes(node.info))

    def _attributes(self, info: DmInfo) -> str:
        opts = self.opts
        parts = []
        if opts.active:
            parts.append("SUSPENDED" if info.suspended else "ACTIVE")
        if opts.rw:
            parts.append("RO" if info.read_only else "RW")
        if opts.open:
            parts.append(str(info.open_count))
        if opts.uuid:
            parts.append(info.uuid)
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
