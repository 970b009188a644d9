"""What may come next on a command line: command words, device and disk names, paths, target messages.

One function for every front end (the REPL's completer, the console's suggester), generated
from the registry through the resolver and from the lab's view, so a word offered runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import registry
from .dmsetup import SUBCOMMANDS
from .messages import message_words
from .resolver import dmsetup_argv, first_words, resolve, sub_words

if TYPE_CHECKING:
    from ..engine.views import EngineView

CHAR_DEVICES = ("/dev/zero", "/dev/urandom", "/dev/null")
_NO_DEVICE = ("create", "targets", "version", "ls", "remove_all", "help")


def candidates(words: list[str], view: EngineView) -> list[str]:
    """What may replace the last of ``words`` (the word under the cursor, maybe empty)."""
    done, current = words[:-1], words[-1]
    if not done:
        return _starting(first_words(), current)
    devices = [d.name for d in view.devices]
    paths = [f"/dev/mapper/{d}" for d in devices] + [f"/dev/{d.name}" for d in view.disks]
    dmsetup_args = dmsetup_argv(done)
    if dmsetup_args is not None:
        return _dmsetup_candidates(dmsetup_args, current, view, devices, paths)
    if current.startswith(("if=", "of=")):
        key = current[:3]
        return _starting([key + p for p in paths + list(CHAR_DEVICES)], current)
    resolved = resolve(done)
    cmd = resolved.command
    if cmd is None:
        return _starting(sub_words(done[0]), current) if len(done) == 1 else []
    position = len(resolved.args)
    if position < len(cmd.args):
        arg = cmd.args[position]
        if arg.choices:
            return _starting(arg.choices, current)
        if arg.completion == registry.DEVICE:
            return _starting(devices, current)
        if arg.completion == registry.BLOCKDEV:
            return _starting(paths, current)
        if arg.completion == registry.DISK:
            return _starting([d.name for d in view.disks], current)
    if current.startswith("/"):
        return _starting(paths, current)
    return []


def _dmsetup_candidates(args: list[str], current: str, view: EngineView, devices: list[str],
                        paths: list[str]) -> list[str]:
    positional = [w for w in args if not w.startswith("-")]
    if not positional:
        return _starting(sorted(SUBCOMMANDS), current)
    head, operands = positional[0], positional[1:]
    if head == "message" and len(operands) == 2:
        dev = view.device(operands[0].removeprefix("/dev/mapper/"))
        sector = int(operands[1]) if operands[1].isascii() and operands[1].isdigit() else None
        return _starting(sorted(message_words(dev, sector)) if dev else [], current)
    if head == "message" and len(operands) == 1:
        return _starting(["0"], current)
    if current.startswith("/"):
        return _starting(paths, current)
    if head in _NO_DEVICE:
        return []
    return _starting(devices, current)


def _starting(words, current: str) -> list[str]:
    return [w for w in words if w.startswith(current)]
