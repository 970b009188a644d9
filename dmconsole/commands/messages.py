"""Target messages for the front ends: which `dmsetup message` words a device's live targets take.

Everything here comes from the target types' own message specs (``Target.messages``,
static class metadata) and from views: a front end calls :func:`device_messages` with a
``DeviceView`` and builds ``dmsetup message DEV SECTOR WORD ARGS…`` lines
(:meth:`DeviceMessage.line`), which it runs through the command language like any
other line. Nothing here touches a live target, and no family is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..engine.dm.target import MessageArg, MessageSpec, takes_messages, target_type
from .dmsetup.cli import UsageError, parse_options
from .resolver import dmsetup_argv
from .shell import quote

if TYPE_CHECKING:
    from ..engine.views import DeviceView, EngineView, TargetView

# A word the type does not declare may or may not take arguments: ask, and let an empty answer send it alone.
UNKNOWN = MessageSpec("", (MessageArg("ARGS", optional=True, repeats=True),), "target message")


def message_specs(type_name: str) -> tuple[MessageSpec, ...]:
    """The messages a target type declares (none for a type the lab does not have)."""
    cls = target_type(type_name)
    return cls.messages if cls is not None else ()


def message_spec(type_name: str, word: str) -> MessageSpec:
    """One message of one target type (UNKNOWN when the type does not declare it)."""
    return next((spec for spec in message_specs(type_name) if spec.name == word.lower()), UNKNOWN)


@dataclass(frozen=True)
class DeviceMessage:
    """One message word one live target of a device takes, ready to become a `dmsetup message` line."""

    device: str
    sector: int  # the target's first sector: dmsetup message routes by it
    target_type: str
    spec: MessageSpec
    show_sector: bool = False  # the device has several targets: say which
    note: str = ""  # what the arguments mean for this very target

    @property
    def word(self) -> str:
        return self.spec.name

    @property
    def usage(self) -> str:
        return self.spec.usage

    @property
    def help(self) -> str:
        return self.spec.help

    @property
    def title(self) -> str:
        """``message dust1 addbadblock`` (``message dev 2048 enable`` when the device has several targets)."""
        where = f" {self.sector}" if self.show_sector else ""
        return f"message {self.device}{where} {self.word}"

    @property
    def needs_args(self) -> bool:
        """Whether a front end should ask for arguments before sending it."""
        return bool(self.spec.args)

    @property
    def destructive(self) -> bool:
        return self.spec.destructive

    def line(self, args: str | list[str] = "") -> str:
        """The command line sending the message with ``args`` (each word quoted: no shell syntax gets in)."""
        words = args.split() if isinstance(args, str) else list(args)
        head = f"dmsetup message {quote(self.device)} {self.sector} {quote(self.word)}"
        return " ".join([head, *(quote(w) for w in words)])

    def check_args(self, args: str | list[str]) -> str:
        """What is wrong with ``args`` for this message ("" when the count is right)."""
        count = len(args.split() if isinstance(args, str) else args)
        low, high = self.spec.min_args, self.spec.max_args
        if count < low:
            return f"{self.word} needs {self.usage}"
        if high is not None and count > high:
            return f"{self.word} takes {self.usage or 'no arguments'}"
        return ""


def _note(spec: MessageSpec, target: TargetView) -> str:
    if spec.note is None or target.detail is None:
        return ""
    return spec.note(target.detail)


def device_messages(device: DeviceView) -> list[DeviceMessage]:
    """Every message the device's live targets take, target by target, in table order."""
    found: list[DeviceMessage] = []
    several = len(device.live) > 1
    for target in device.live:
        for spec in message_specs(target.type):
            found.append(DeviceMessage(device.name, target.start, target.type, spec, several, _note(spec, target)))
    return found


def accepts_messages(device: DeviceView) -> bool:
    """Whether any live target of the device has a message handler (else the kernel refuses every message)."""
    for target in device.live:
        cls = target_type(target.type)
        if cls is not None and takes_messages(cls):
            return True
    return False


def message_words(device: DeviceView, sector: int | None = None) -> list[str]:
    """The words the target at ``sector`` takes (every target's when None), for completion."""
    words: list[str] = []
    for target in device.live:
        if sector is not None and not target.start <= sector < target.start + target.length:
            continue
        for spec in message_specs(target.type):
            if spec.name not in words:
                words.append(spec.name)
    return words


def message_sent(argv: list[str], view: EngineView) -> DeviceMessage | None:
    """The target message a command's words send (``dmsetup message DEV SECTOR WORD…``), as the view knows its
    target; None for anything else, or a device or sector the view does not know."""
    args = dmsetup_argv(argv)
    if args is None:
        return None
    try:
        _opts, rest = parse_options(args)
    except UsageError:
        return None
    if len(rest) < 4 or rest[0] != "message" or not rest[2].isascii() or not rest[2].isdigit():
        return None
    device = view.device(rest[1].removeprefix("/dev/mapper/"))
    sector = int(rest[2])
    target = next((t for t in device.live if t.start <= sector < t.start + t.length), None) if device else None
    if target is None:
        return None
    spec = message_spec(target.type, rest[3])
    return DeviceMessage(device.name, target.start, target.type, spec, len(device.live) > 1, _note(spec, target))
