"""Target messages for the front ends: which `dmsetup message` words a device's live targets take, with hints.

The words come from each target type's declaration (``Target.messages``, static
metadata); the argument hints and one-line help are kept here, per family, in
the kernel's terms. Front ends call :func:`device_messages` with a snapshot's
``DeviceView`` and build ``dmsetup message DEV SECTOR WORD ARGS…`` lines from
the result (:meth:`DeviceMessage.line`), which they run through the command
language like any other line. Nothing here touches a live target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..engine.target import TARGET_TYPES, target_messages
from .shell import quote

if TYPE_CHECKING:
    from ..engine.snapshot import DeviceView, TargetView


@dataclass(frozen=True)
class MessageHint:
    """A message's arguments as a usage string (``BLOCK [WRITE_FAIL_COUNT]``, ``ARGS...``) and a summary."""

    args: str = ""
    help: str = ""
    destructive: bool = False

    @property
    def min_args(self) -> int:
        """Words the message needs at least: the usage words not in brackets (``...`` repeats the word before)."""
        return sum(1 for word in _usage_words(self.args) if not word.startswith("[") and word != "...")

    @property
    def max_args(self) -> int | None:
        """Words the message takes at most; None when it takes any number."""
        words = _usage_words(self.args)
        if any("..." in w for w in words):
            return None
        return len(words)


def _usage_words(usage: str) -> list[str]:
    """``BLOCK [WRITE_FAIL_COUNT]`` → ["BLOCK", "[WRITE_FAIL_COUNT]"] (a bracket group counts as one word)."""
    words: list[str] = []
    depth = 0
    for raw in usage.split():
        if depth:
            words[-1] += " " + raw
        else:
            words.append(raw)
        depth += raw.count("[") - raw.count("]")
    return words


# Unknown words may or may not take arguments: ask, and let an empty answer send the word alone.
UNKNOWN = MessageHint("[ARGS...]", "target message")

# Per target type, per message word. Sources: the kernel's dm-dust.c, dm-raid.c, dm-thin.c, dm-cache-target.c
# and dm-writeboost's message handlers (Linux 6.1), and Documentation/admin-guide/device-mapper/*.rst.
HINTS: dict[str, dict[str, MessageHint]] = {
    "dust": {
        "addbadblock": MessageHint("BLOCK [WRITE_FAIL_COUNT]",
                                   "add BLOCK to the bad-block list (writes fail WRITE_FAIL_COUNT times, 0-255)"),
        "removebadblock": MessageHint("BLOCK", "remove BLOCK from the bad-block list"),
        "queryblock": MessageHint("BLOCK", "is BLOCK in the bad-block list?"),
        "countbadblocks": MessageHint("", "count the bad blocks"),
        "listbadblocks": MessageHint("", "list the bad blocks"),
        "clearbadblocks": MessageHint("", "empty the bad-block list"),
        "enable": MessageHint("", "fail reads of bad blocks"),
        "disable": MessageHint("", "stop failing reads (bypass)"),
        "quiet": MessageHint("", "toggle the per-I/O kernel log lines"),
    },
    "raid": {
        "idle": MessageHint("", "stop the current sync action"),
        "frozen": MessageHint("", "freeze sync actions"),
        "resync": MessageHint("", "resynchronise the whole array"),
        "recover": MessageHint("", "recover (rebuild) replaced legs"),
        "check": MessageHint("", "read and compare every leg, counting mismatches"),
        "repair": MessageHint("", "check and rewrite mismatched blocks"),
        "reshape": MessageHint("", "start a reshape"),
    },
    "thin-pool": {
        "create_thin": MessageHint("DEV_ID", "create a new thin device"),
        "create_snap": MessageHint("DEV_ID ORIGIN_ID", "create a snapshot of thin device ORIGIN_ID"),
        "delete": MessageHint("DEV_ID", "delete a thin device and its data", destructive=True),
        "set_transaction_id": MessageHint("CURRENT_ID NEW_ID", "set the pool's transaction id"),
        "reserve_metadata_snap": MessageHint("", "take a metadata snapshot for userspace tools"),
        "release_metadata_snap": MessageHint("", "release the metadata snapshot"),
    },
    "cache": {
        "migration_threshold": MessageHint("SECTORS", "set the migration threshold"),
        "invalidate_cblocks": MessageHint("CBLOCK|BEGIN-END...", "invalidate cache blocks (passthrough mode)"),
    },
    "writeboost": {
        "drop_caches": MessageHint("", "write back every dirty segment and drop the read caches"),
        "clear_stat": MessageHint("", "zero the statistics"),
        "writeback_threshold": MessageHint("PERCENT", "start writeback when the cache is this full (0-100)"),
        "nr_max_batched_writeback": MessageHint("N", "segments written back in one batch"),
        "update_sb_record_interval": MessageHint("SECONDS", "how often the superblock record is updated"),
        "sync_data_interval": MessageHint("SECONDS", "how often the data is flushed"),
        "read_cache_threshold": MessageHint("N", "sequential reads longer than this are not cached"),
    },
}


def message_hint(target_type: str, word: str) -> MessageHint:
    """The argument usage and summary of one message of one target type (UNKNOWN when we have none)."""
    return HINTS.get(target_type, {}).get(word, UNKNOWN)


def takes_messages(target_type: str) -> bool:
    """Whether the target type has a message handler at all."""
    cls = TARGET_TYPES.get(target_type)
    return bool(cls is not None and (cls.has_message or cls.messages))


@dataclass(frozen=True)
class DeviceMessage:
    """One message word one live target of a device takes, ready to become a `dmsetup message` line."""

    device: str
    sector: int  # the target's first sector: dmsetup message routes by it
    target_type: str
    word: str
    hint: MessageHint
    show_sector: bool = False  # the device has several targets: say which
    note: str = ""  # what the arguments mean for this very target (dust: which block numbers it covers)

    @property
    def title(self) -> str:
        """``message dust1 addbadblock`` (``message dev 2048 enable`` when the device has several targets)."""
        where = f" {self.sector}" if self.show_sector else ""
        return f"message {self.device}{where} {self.word}"

    @property
    def needs_args(self) -> bool:
        """Whether a front end should ask for arguments before sending it."""
        return bool(self.hint.args)

    @property
    def destructive(self) -> bool:
        return self.hint.destructive

    def line(self, args: str | list[str] = "") -> str:
        """The command line sending the message with ``args`` (each word quoted: no shell syntax gets in)."""
        words = args.split() if isinstance(args, str) else list(args)
        head = f"dmsetup message {quote(self.device)} {self.sector} {quote(self.word)}"
        return " ".join([head, *(quote(w) for w in words)])

    def check_args(self, args: str | list[str]) -> str:
        """What is wrong with ``args`` for this message ("" when the count is right)."""
        count = len(args.split() if isinstance(args, str) else args)
        low, high = self.hint.min_args, self.hint.max_args
        if count < low:
            return f"{self.word} needs {self.hint.args}"
        if high is not None and count > high:
            return f"{self.word} takes {self.hint.args or 'no arguments'}"
        return ""


def _dust_blocks(target: TargetView) -> str:
    """dust numbers blocks on the underlying device from its start, not from the target's: say which are ours."""
    try:
        dev, offset, blksz = target.table.split()
        per_block = int(blksz) // 512
        first, end = int(offset) // per_block, (int(offset) + target.length) // per_block
    except ValueError:
        return ""
    if not per_block or end <= first:
        return ""
    return (f"BLOCK counts {blksz}-byte blocks of {dev} from its start: "
            f"this target reads and writes blocks {first}-{end - 1}")


# Per target type: what the argument usage needs said about one live target, for the words it concerns.
NOTES = {"dust": (("addbadblock", "removebadblock", "queryblock"), _dust_blocks)}


def _note(target: TargetView, word: str) -> str:
    words, describe = NOTES.get(target.type, ((), None))
    return describe(target) if describe is not None and word in words else ""


def device_messages(device: DeviceView) -> list[DeviceMessage]:
    """Every message the device's live targets take, target by target, in table order."""
    found: list[DeviceMessage] = []
    several = len(device.live) > 1
    for target in device.live:
        for word in target_messages(target.type):
            found.append(DeviceMessage(device.name, target.start, target.type, word,
                                       message_hint(target.type, word), several, _note(target, word)))
    return found


def accepts_messages(device: DeviceView) -> bool:
    """Whether any live target of the device has a message handler (else the kernel refuses every message)."""
    return any(takes_messages(t.type) for t in device.live)


def message_words(device: DeviceView, sector: int | None = None) -> list[str]:
    """The words the target at ``sector`` takes (every target's when None), for completion."""
    words: list[str] = []
    for target in device.live:
        if sector is not None and not target.start <= sector < target.start + target.length:
            continue
        for word in target_messages(target.type):
            if word not in words:
                words.append(word)
    return words
