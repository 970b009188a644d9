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

from ..bio import Bio, Flag, Op
from ..errors import EIO, TargetError
from ..target import Target, register
from .kparse import U32, ArgSet, sscanf_uint

HZ = 250

# include/linux/blk_types.h in 6.1: REQ_OP_* values and the REQ_* flag bits above REQ_OP_BITS (8).
REQ_OP = {Op.READ: 0, Op.WRITE: 1, Op.FLUSH: 1, Op.DISCARD: 3, Op.WRITE_ZEROES: 9}
REQ_SYNC = 1 << 11
REQ_META = 1 << 12
REQ_IDLE = 1 << 15
REQ_FUA = 1 << 17
REQ_PREFLUSH = 1 << 18
REQ_RAHEAD = 1 << 19
_REQ_FLAG = {Flag.FUA: REQ_FUA, Flag.PREFLUSH: REQ_PREFLUSH, Flag.META: REQ_META,
             Flag.RAHEAD: REQ_RAHEAD, Flag.SYNC: REQ_SYNC, Flag.IDLE: REQ_IDLE}

READ, WRITE = 0, 1


def kernel_opf(bio: Bio) -> int:
    """The bio's ``bi_opf`` as the kernel would have it (an empty flush is WRITE|PREFLUSH)."""
    opf = REQ_OP[bio.op]
    for flag, bit in _REQ_FLAG.items():
        if bio.flags & flag:
            opf |= bit
    if bio.op is Op.FLUSH:
        opf |= REQ_PREFLUSH
    return opf


@register
class Flakey(Target):
    name = "flakey"
    version = (1, 5, 0)

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
        """all_corrupt_bio_flags_match()."""
        return (kernel_opf(bio) & self.corrupt_bio_flags) == self.corrupt_bio_flags

    def _corrupt(self, data) -> None:
        """corrupt_bio_data(): set byte N (1-based) of the data, if the bio is that long."""
        index = self.corrupt_bio_byte - 1
        if data is not None and index < len(data):
            data[index] = self.corrupt_bio_value

    def _sector(self, bio: Bio) -> int:
        return self.start + bio.sector

    # -- I/O ------------------------------------------------------------------------
    def map(self, bio: Bio) -> None:
        if not self.is_down():
            self.remap(bio, self.dev, self._sector(bio))
            return
        if bio.op is Op.READ:
            if not (self.corrupt_bio_byte or self.drop_writes or self.error_writes):
                bio.endio(-EIO)
                return
            self.remap(bio, self.dev, self._sector(bio), self._read_end_io)
            return
        if self.drop_writes:
            bio.endio(0)
            return
        if self.error_writes:
            bio.endio(-EIO)
            return
        if self.corrupt_bio_byte:
            if self.corrupt_bio_rw == WRITE and self._flags_match(bio) and bio.has_data and bio.data is not None:
                copy = Bio(bio.op, bio.sector, bio.nr_sectors, memoryview(bytearray(bio.data)), bio.flags)
                self._corrupt(copy.data)
                copy.end_io = lambda c: bio.endio(c.status)
                self.remap(copy, self.dev, self._sector(bio))
                return
            self.remap(bio, self.dev, self._sector(bio))
            return
        bio.endio(-EIO)

    def _read_end_io(self, clone: Bio) -> int:
        """flakey_end_io() for a read submitted while down."""
        if clone.status:
            return clone.status
        if self.corrupt_bio_byte:
            if self.corrupt_bio_rw == READ and self._flags_match(clone):
                self._corrupt(clone.data)
        elif not self.drop_writes and not self.error_writes:
            return -EIO
        return 0

    # -- status -----------------------------------------------------------------------
    def status_table(self) -> str:
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

    def snapshot_details(self) -> dict:
        period = self.up_interval + self.down_interval
        phase = ((self.clock.jiffies - self.start_jiffies) // HZ) % period
        down = phase >= self.up_interval
        changes = None  # seconds until the next change; None when it never changes
        if self.up_interval and self.down_interval:
            changes = (period - phase) if down else (self.up_interval - phase)
        return {
            "up": not down,
            "up_interval": self.up_interval,
            "down_interval": self.down_interval,
            "seconds_to_change": changes,
            "drop_writes": self.drop_writes,
            "error_writes": self.error_writes,
            "corrupt_bio_byte": self.corrupt_bio_byte,
        }
