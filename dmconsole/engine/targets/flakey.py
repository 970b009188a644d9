"""dm-flakey (v1.5.0, Linux 6.1): a device that is up for a while, then down for a while.

Table: ``<dev> <offset> <up_s> <down_s> [<#feature_args> <feature_args>...]``,
features ``drop_writes``, ``error_writes`` and
``corrupt_bio_byte <Nth_byte> <r|w> <value> <bio_flags>``. (``error_reads``,
``random_read_corrupt`` and ``random_write_corrupt`` came in 6.5; 6.1 refuses
them as unrecognised.)

Time counts from the constructor: the device is down when
``((jiffies - start_jiffies) / HZ) % (up + down) >= up``. While down:

- no feature: every bio fails with EIO;
- reads: with any feature they are mapped; with corrupt_bio_byte ``r`` a
  matching read has byte N of its data set to the value on completion;
- writes (and discards, flushes: everything but a read): ``drop_writes``
  completes them without writing, ``error_writes`` fails them,
  corrupt_bio_byte ``w`` writes them with byte N set to the value (to a copy,
  as kernels with "dm flakey: clone pages on write bio before corrupting
  them" do: the submitter's buffer is left alone), corrupt_bio_byte ``r``
  maps them untouched.

The bio_flags mask is matched against the kernel's ``bi_opf`` of the bio (the
REQ_OP number in the low 8 bits, REQ_* flags above), as
``(bi_opf & mask) == mask``; 0 matches every bio.

INFO status is empty. TABLE status, as 6.1 prints it, leaves a space after
every part: ``1:0 0 30 5 1 drop_writes `` (newer kernels drop those spaces).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..block.bio import Bio, Op
from ..core.errno import EIO, TargetError
from ..dm.target import EndIO, MapResult, StatusType, Target, register
from .kparse import U32, ArgSet, sscanf_uint

HZ = 250

READ, WRITE = 0, 1


@dataclass(frozen=True)
class FlakeyView:
    """What the console shows of a flakey target: up or down, the intervals, what it does while down."""

    up: bool
    up_interval: int
    down_interval: int
    seconds_to_change: int | None  # None when it never changes
    drop_writes: bool
    error_writes: bool
    corrupt_bio_byte: int


@register
class Flakey(Target):
    name = "flakey"
    version = (1, 5, 0)
    view_type = FlakeyView

    def ctr(self, args: list[str]) -> None:
        self.drop_writes = False
        self.error_writes = False
        self.corrupt_bio_byte = 0
        self.corrupt_bio_rw = READ
        self.corrupt_bio_value = 0
        self.corrupt_bio_flags = 0
        if len(args) < 4:
            raise TargetError("Invalid argument count")
        self.start_jiffies = self.clock.jiffies
        words = ArgSet(args)
        devname = words.shift()
        start = sscanf_uint(words.shift(), 64)
        if start is None:
            raise TargetError("Invalid device sector")
        self.start = start
        # 6.1 reads both intervals with the first dm_arg, so a bad down interval
        # is also reported as "Invalid up interval".
        self.up_interval = words.read_arg(0, U32 - 1, "Invalid up interval")
        self.down_interval = words.read_arg(0, U32 - 1, "Invalid up interval")
        total = (self.up_interval + self.down_interval) % U32
        if total == 0:
            raise TargetError("Total (up + down) interval is zero")
        if total < self.up_interval:
            raise TargetError("Interval overflow")
        self._parse_features(words)
        self.dev = self.get_device(devname, "Device lookup failed")
        self.num_flush_bios = self.num_discard_bios = 1

    def _parse_features(self, words: ArgSet) -> None:
        """parse_features() of 6.1, word for word (its argc is an unsigned int)."""
        if not words.argc:
            return
        argc = words.read_arg(0, 6, "Invalid number of feature args", grouped=True)
        while argc:
            arg_name = words.shift()
            argc = (argc - 1) % U32
            if arg_name is None:
                raise TargetError("Insufficient feature arguments")
            name = arg_name.lower()
            if name == "drop_writes":
                if self.drop_writes:
                    raise TargetError("Feature drop_writes duplicated")
                self.drop_writes = True
                if self.error_writes:
                    raise TargetError("Feature drop_writes conflicts with feature error_writes")
                continue
            if name == "error_writes":
                if self.error_writes:
                    raise TargetError("Feature error_writes duplicated")
                self.error_writes = True
                if self.drop_writes:
                    raise TargetError("Feature error_writes conflicts with feature drop_writes")
                continue
            if name == "corrupt_bio_byte":
                if not argc:
                    raise TargetError("Feature corrupt_bio_byte requires parameters")
                self.corrupt_bio_byte = words.read_arg(1, U32 - 1, "Invalid corrupt bio byte")
                argc = (argc - 1) % U32
                direction = words.shift()
                if direction is not None and direction.lower() == "w":
                    self.corrupt_bio_rw = WRITE
                elif direction is not None and direction.lower() == "r":
                    self.corrupt_bio_rw = READ
                else:
                    raise TargetError("Invalid corrupt bio direction (r or w)")
                argc = (argc - 1) % U32
                self.corrupt_bio_value = words.read_arg(
                    0, 255, "Invalid corrupt value to write into bio byte (0-255)")
                argc = (argc - 1) % U32
                self.corrupt_bio_flags = words.read_arg(0, U32 - 1, "Invalid corrupt bio flags mask")
                argc = (argc - 1) % U32
                continue
            raise TargetError("Unrecognised flakey feature requested")
        if self.drop_writes and self.corrupt_bio_rw == WRITE:
            raise TargetError("drop_writes is incompatible with corrupt_bio_byte with the WRITE flag set")
        if self.error_writes and self.corrupt_bio_rw == WRITE:
            raise TargetError("error_writes is incompatible with corrupt_bio_byte with the WRITE flag set")

    # -- state ----------------------------------------------------------------------
    def is_down(self) -> bool:
        """Are we down? ``elapsed % (up + down) >= up``, elapsed in whole seconds of jiffies."""
        elapsed = ((self.clock.jiffies - self.start_jiffies) // HZ) % U32
        return elapsed % (self.up_interval + self.down_interval) >= self.up_interval

    def _flags_match(self, bio: Bio) -> bool:
        """all_corrupt_bio_flags_match(): (bi_opf & mask) == mask."""
        return (bio.opf & self.corrupt_bio_flags) == self.corrupt_bio_flags

    def _corrupt(self, data) -> None:
        """corrupt_bio_data(): set byte N (1-based) of the data, if the bio is that long."""
        index = self.corrupt_bio_byte - 1
        if data is not None and index < len(data):
            data[index] = self.corrupt_bio_value

    # -- I/O ------------------------------------------------------------------------
    def map(self, bio: Bio) -> MapResult:
        bio.private = False  # per_bio_data.bio_submitted: mapped while down
        if self.is_down():
            bio.private = True
            if bio.op is Op.READ:
                if not (self.corrupt_bio_byte or self.drop_writes or self.error_writes):
                    return MapResult.KILL
                return self._remap(bio)
            if self.drop_writes:
                bio.endio(0)
                return MapResult.SUBMITTED
            if self.error_writes:
                bio.endio(-EIO)
                return MapResult.SUBMITTED
            if not self.corrupt_bio_byte:
                return MapResult.KILL
            if self.corrupt_bio_rw == WRITE and self._flags_match(bio) and bio.has_data and bio.data is not None:
                # Corrupt a copy, as kernels with "dm flakey: clone pages on write bio before corrupting them"
                # do: the submitter's buffer is left alone.
                bio.data = memoryview(bytearray(bio.data))
                self._corrupt(bio.data)
        return self._remap(bio)

    def _remap(self, bio: Bio) -> MapResult:
        bio.bdev = self.dev
        bio.sector = self.start + self.target_offset(bio.sector)
        return MapResult.REMAPPED

    def end_io(self, bio: Bio, status: int) -> tuple[EndIO, int]:
        """flakey_end_io(): a read mapped while down is corrupted, or failed, when it comes back."""
        if not status and bio.private and bio.op is Op.READ:
            if self.corrupt_bio_byte:
                if self.corrupt_bio_rw == READ and self._flags_match(bio):
                    self._corrupt(bio.data)
            elif not self.drop_writes and not self.error_writes:
                status = -EIO
        return EndIO.DONE, status

    # -- status -----------------------------------------------------------------------
    def status(self, kind: StatusType, flags: int = 0) -> str:
        if kind is StatusType.INFO:
            return ""
        out = f"{self.dev.devno} {self.start} {self.up_interval} {self.down_interval} "
        out += f"{int(self.drop_writes) + int(self.error_writes) + (5 if self.corrupt_bio_byte else 0)} "
        if self.drop_writes:
            out += "drop_writes "
        elif self.error_writes:
            out += "error_writes "
        if self.corrupt_bio_byte:
            direction = "w" if self.corrupt_bio_rw == WRITE else "r"
            out += (f"corrupt_bio_byte {self.corrupt_bio_byte} {direction} "
                    f"{self.corrupt_bio_value} {self.corrupt_bio_flags} ")
        return out

    def iterate_devices(self):
        return [(self.dev, self.start, self.len)]

    def view(self) -> FlakeyView:
        period = self.up_interval + self.down_interval
        phase = ((self.clock.jiffies - self.start_jiffies) // HZ) % period
        down = phase >= self.up_interval
        changes = None
        if self.up_interval and self.down_interval:
            changes = (period - phase) if down else (self.up_interval - phase)
        return FlakeyView(not down, self.up_interval, self.down_interval, changes, self.drop_writes,
                          self.error_writes, self.corrupt_bio_byte)
