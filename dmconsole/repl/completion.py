"""Completion generated from the command registry and the engine's snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from ..commands import registry
from ..commands.dmsetup import SUBCOMMANDS
from ..commands.messages import message_words
from ..commands.shell import ShellSyntaxError, tokenize
from ..engine.snapshot import EngineSnapshot


def candidates(words: list[str], snapshot: EngineSnapshot) -> list[str]:
    """What may come next after ``words`` (the last one being the word under the cursor)."""
    done, current = words[:-1], words[-1]
    top = sorted({c.words[0] for c in registry.commands()} | set(SUBCOMMANDS) | {"wait"})
    if not done:
        return [w for w in top if w.startswith(current)]
    if done[0] == "dmsetup":
        done = done[1:]
        if not done:
            return [w for w in SUBCOMMANDS if w.startswith(current)]
    devices = [d.name for d in snapshot.devices]
    paths = [f"/dev/mapper/{d}" for d in devices] + [f"/dev/{d.name}" for d in snapshot.disks]
    head = done[0]
    if head in SUBCOMMANDS:
        positional = [w for w in done[1:] if not w.startswith("-")]
        if head == "message" and len(positional) == 2:
            dev = snapshot.device(positional[0])
            sector = int(positional[1]) if positional[1].isdigit() else None
            words = message_words(dev, sector) if dev else []
            return sorted(m for m in words if m.startswith(current))
        if head == "message" and len(positional) == 1:
            return [w for w in ("0",) if w.startswith(current)]
        if current.startswith("/"):
            return [p for p in paths if p.startswith(current)]
        if head in ("create", "targets", "version", "ls", "remove_all", "help"):
            return []
        return [d for d in devices if d.startswith(current)]
    if current.startswith(("if=", "of=")):
        key = current[:3]
        return [key + p for p in paths + ["/dev/zero", "/dev/urandom", "/dev/null"] if (key + p).startswith(current)]
    cmd, rest = registry.resolve(done)
    if cmd is None:
        subs = sorted({c.words[1] for c in registry.commands() if len(c.words) > 1 and c.words[0] == head})
        return [s for s in subs if s.startswith(current)]
    position = len(rest)
    if position < len(cmd.args):
        arg = cmd.args[position]
        if arg.choices:
            return [c for c in arg.choices if c.startswith(current)]
        if arg.completion == registry.DEVICE:
            return [d for d in devices if d.startswith(current)]
        if arg.completion in (registry.BLOCKDEV,) or current.startswith("/"):
            return [p for p in paths if p.startswith(current)]
        if arg.completion == registry.DISK:
            return [d.name for d in snapshot.disks if d.name.startswith(current)]
    if current.startswith("/"):
        return [p for p in paths if p.startswith(current)]
    return []


class CommandCompleter(Completer):
    def __init__(self, snapshot: Callable[[], EngineSnapshot]):
        self.snapshot = snapshot

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        try:
            words = [t for t, is_op in tokenize(text) if not is_op]
        except ShellSyntaxError:
            return
        if not text or text[-1].isspace():
            words.append("")
        if not words:
            words = [""]
        current = words[-1]
        for word in candidates(words, self.snapshot()):
            yield Completion(word, start_position=-len(current))
