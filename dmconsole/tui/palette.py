"""The command palette, generated from the command registry.

Every registry command with ``palette=True`` becomes palette entries: one per
mapped device (or disk) when its first argument completes to one, one per
choice when an argument has fixed choices. An entry either runs its command
line at once (through the session, after a confirmation for destructive
commands) or, when the command needs words only a person can supply (a
message, a table, a size), opens the command line prefilled with it.

`dmsetup message` also gets one entry per message word each device's live
targets take (from ``commands.messages``, never from the targets themselves):
words without arguments run at once, the others ask for their arguments first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..commands import registry
from ..commands.messages import DeviceMessage, accepts_messages, device_messages
from ..commands.shell import quote

if TYPE_CHECKING:
    from ..engine.views import DeviceView, EngineView


@dataclass(frozen=True)
class PaletteEntry:
    title: str  # what the palette shows and matches: "suspend vg0-home"
    line: str  # the command line: "dmsetup suspend vg0-home"
    help: str
    run: bool  # True: run it; False: prefill the command line with ``line``
    destructive: bool
    subject: tuple[str, str] | None = None  # ("dm" | "disk", name) the entry acts on
    message: DeviceMessage | None = None  # a target message (its arguments, if any, are asked for first)


def _short(name: str) -> str:
    """Palette titles leave out `dmsetup`, as the command language lets you."""
    return name.removeprefix("dmsetup ")


def _needs_value(cmd: registry.Command, choice: str) -> bool:
    """Whether a choice takes further words, read from the command's own usage and summary (`speed X`)."""
    return re.search(rf"\b{re.escape(choice)}\s+[A-Z]", f"{cmd.usage} | {cmd.summary}") is not None


def _table_text(dev: DeviceView) -> str:
    return "\n".join(f"{t.start} {t.length} {t.type} {t.table}".rstrip() for t in dev.live)


def _prefill_rest(cmd: registry.Command, dev: DeviceView | None, head: str) -> str:
    """The command line to prefill after ``head`` (the command and its object), filling what we can."""
    words = [head]
    for arg in cmd.args[1:]:
        if arg.completion == registry.TABLE and dev is not None and dev.live:
            table = _table_text(dev)
            if "\n" in table:  # a multi-line table goes in through stdin
                escaped = table.replace("\\", "\\\\").replace("'", "'\\''").replace("\n", "\\n")
                return f"printf '{escaped}\\n' | {head}"
            words.append(f"--table {quote(table)}")
            return " ".join(words)
        if arg.name == "sector":
            words.append("0")
            continue
        break
    return " ".join(words) + " "


def palette_entries(view: EngineView) -> list[PaletteEntry]:
    """The palette's entries for the current stack."""
    entries: list[PaletteEntry] = []
    for cmd in registry.commands():
        if not cmd.palette:
            continue
        short = _short(cmd.name)
        first = cmd.args[0] if cmd.args else None
        objects: list[tuple[str, DeviceView | None]] | None = None
        if first is not None and first.completion == registry.DEVICE:
            objects = [(d.name, d) for d in view.devices]
            kind = "dm"
        elif first is not None and first.completion in (registry.DISK, registry.BLOCKDEV):
            objects = [(d.name, None) for d in view.disks]
            kind = "disk"
        if objects is None:
            if first is not None and first.choices:
                for choice in first.choices:
                    direct = not _needs_value(cmd, choice)
                    line = f"{cmd.name} {choice}" + ("" if direct else " ")
                    entries.append(_entry(cmd, f"{short} {choice}", line, direct))
            else:
                entries.append(_entry(cmd, short, cmd.name + " ", False))
            continue
        rest = [a for a in cmd.args[1:] if not a.optional]
        takes_message = any(a.completion == registry.MESSAGE for a in cmd.args)
        for name, dev in objects:
            if takes_message and dev is not None and not accepts_messages(dev):
                continue  # the kernel refuses every message to these targets: do not offer one
            head = f"{cmd.name} {quote(name)}"
            subject = (kind, name)
            if not rest:
                entries.append(_entry(cmd, f"{short} {name}", head, True, subject))
            elif rest[0].choices:
                for choice in rest[0].choices:
                    direct = not _needs_value(cmd, choice) and len(rest) == 1
                    line = f"{head} {choice}" + ("" if direct else " ")
                    entries.append(_entry(cmd, f"{short} {name} {choice}", line, direct, subject))
            else:
                entries.append(_entry(cmd, f"{short} {name}", _prefill_rest(cmd, dev, head), False, subject))
            if takes_message and dev is not None:
                entries.extend(_message_entry(cmd, message) for message in device_messages(dev))
    return entries


def _message_entry(cmd: registry.Command, message: DeviceMessage) -> PaletteEntry:
    """One message word of one device: runs at once, or asks for its arguments (``message dust1 addbadblock …``)."""
    help_text = f"{message.target_type}: {message.help}" if message.help else cmd.summary
    if message.destructive:
        help_text += " (asks first)"
    subject = ("dm", message.device)
    if not message.needs_args:
        line = message.line()
        return PaletteEntry(message.title, line, f"{help_text} — runs: {line}", True, message.destructive, subject,
                            message)
    return PaletteEntry(f"{message.title} …", message.line(),
                        f"{help_text} — asks for {message.usage}, then runs it", False,
                        message.destructive, subject, message)


def _entry(cmd: registry.Command, title: str, line: str, run: bool,
           subject: tuple[str, str] | None = None) -> PaletteEntry:
    help_text = cmd.summary
    if cmd.destructive:
        help_text += " (asks first)"
    if run:
        help_text += f" — runs: {line}"
    else:
        title += " …"
        help_text += f" — edit and run: {line.strip()}"
    return PaletteEntry(title, line, help_text, run, cmd.destructive, subject)


class DeviceCommands(Provider):
    """Palette provider: the registry's palette commands for each device and disk of the current stack."""

    async def startup(self) -> None:
        app = self.app
        view = getattr(app, "last_view", None)
        self._entries = palette_entries(view) if view is not None else []

    def _action(self, entry: PaletteEntry):
        return partial(self.app.run_palette_entry, entry)  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for entry in self._entries:
            yield DiscoveryHit(entry.title, self._action(entry), text=entry.title, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries:
            score = max(matcher.match(entry.title), matcher.match(entry.line.strip()) * 0.9)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.title), self._action(entry), text=entry.title,
                          help=entry.help)
