"""The one command registry: every front end (palette, REPL completer, help, scripts) is generated from it.

Command lines are resolved to these commands by ``commands/resolver.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import Context

# What an argument completes to, for the REPL and the palette.
DEVICE = "device"  # a mapped device name
BLOCKDEV = "blockdev"  # any block device path
DISK = "disk"  # a lab disk or ram disk name
MESSAGE = "message"  # the target's messages, for `dmsetup message`
TARGET_TYPE = "target-type"
TABLE = "table"  # a table line
JOB = "job"


@dataclass(frozen=True)
class Arg:
    name: str
    help: str = ""
    completion: str = ""
    choices: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class Command:
    """One thing a person can do, with what the front ends need to offer it."""

    name: str  # words as typed, e.g. "dmsetup suspend", "disk create"
    summary: str
    usage: str
    handler: Callable[[Context, list[str]], Any] = field(compare=False)
    args: tuple[Arg, ...] = ()
    options: tuple[str, ...] = ()
    destructive: bool = False
    palette: bool = False  # offered in the command palette
    example: str = ""

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())


REGISTRY: dict[str, Command] = {}


def command(
    name: str,
    summary: str,
    usage: str = "",
    *,
    args: tuple[Arg, ...] = (),
    options: tuple[str, ...] = (),
    destructive: bool = False,
    palette: bool = False,
    example: str = "",
):
    """Register a handler ``handler(ctx, argv) -> int | generator`` under ``name``."""

    def wrap(fn):
        REGISTRY[name] = Command(name, summary, usage or name, fn, args, options, destructive, palette, example)
        return fn

    return wrap


def longest_match(words: list[str]) -> tuple[Command | None, list[str]]:
    """The longest registered command that ``words`` starts with, and the rest of the words.

    Only the resolver (``commands/resolver.py``) calls this: it also knows dmsetup's words.
    """
    for n in range(min(3, len(words)), 0, -1):
        cmd = REGISTRY.get(" ".join(words[:n]))
        if cmd is not None:
            return cmd, words[n:]
    return None, words


def commands() -> list[Command]:
    return sorted(REGISTRY.values(), key=lambda c: c.name)
