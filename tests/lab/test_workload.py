"""Workloads: rate and queue depth on the lab clock, self-verifying data, lost and corrupted blocks."""

from __future__ import annotations

import pytest

from dmconsole.commands import Session
from dmconsole.engine.views import WorkloadView
from dmconsole.lab import Lab as LabHandle
from dmconsole.lab.workload import WorkloadError, parse_sector, sector_image


class Lab:
    def __init__(self):
        self.lab = LabHandle(dm_major=254)
        self.engine = self.lab.engine
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.session = Session(self.lab, self.out.append, self.err.append, block_bound=60.0)
        self.ok("modprobe brd rd_nr=2 rd_size=1024")

    def run(self, line: str) -> int:
        self.out.clear()
        self.err.clear()
        return self.session.run_line(line)

    def ok(self, line: str) -> str:
        assert self.run(line) == 0, (line, self.stderr)
        return self.stdout

    @property
    def stdout(self) -> str:
        return b"".join(self.out).decode()

    @property
    def stderr(self) -> str:
        return b"".join(self.err).decode()


@pytest.fixture
def lab() -> Lab:
    lab = Lab()
    lab.ok("dmsetup create lin --table '0 1024 linear /dev/ram0 0'")
    return lab


def test_sector_format_round_trips():
    image = sector_image(0x1234, 7, 3, 5)
    assert len(image) == 512
    assert parse_sector(image) == (0x1234, 7, 3, 5)
    damaged = bytearray(image)
    damaged[300] ^= 1
    assert parse_sector(bytes(damaged)) is None
    assert parse_sector(bytes(512)) is None


def test_workload_runs_at_its_rate_on_the_lab_clock_then_verifies(lab):
    assert lab.ok("io start w1 /dev/mapper/lin --rate 100 --duration 2") == (
        "io w1: seq write, 4096-byte blocks, 100 IOPS, qd 1, 128 blocks, 2 s on /dev/mapper/lin\n")
    w = lab.lab.workloads.by_name["w1"]
    assert w.ios_done == 0  # nothing happens until lab time passes
    lab.ok("sleep 1")
    assert (w.ios_done, w.state) == (100, "running")
    lab.ok("sleep 5")
    assert (w.ios_done, w.errors, w.bytes_written, w.state) == (200, 0, 200 * 4096, "done")
    assert lab.ok("io ls") == (
        "NAME         DEVICE               PATTERN RW    STATE         IOS ERRORS     WRITTEN        READ  BAD\n"
        "w1           /dev/mapper/lin      seq     write done          200      0      819200           0    0\n")
    # 128 blocks, written once or twice: the second pass's generation is the one acknowledged.
    assert lab.ok("io verify w1") == "io verify w1: 128 blocks checked, 0 lost, 0 corrupted\n"
    assert w.acked[0] == 2 and w.acked[127] == 1
    # the data is really on the ram disk: block 100 (written once), sector 2
    buf = bytearray(512)
    lab.engine.block.disks["ram0"].store.read(100 * 8 + 2, memoryview(buf))
    assert parse_sector(bytes(buf)) == (w.tag, 100, 1, 2)


def test_a_corrupting_disk_fault_is_reported_and_fails_verify(lab):
    lab.ok("io start w1 /dev/mapper/lin --duration 2")
    lab.ok("sleep 3")
    lab.ok("disk fault ram0 corrupt 0 64")
    assert lab.run("io verify w1") == 1
    lines = lab.stdout.splitlines()
    assert lines[0] == "io verify w1: 128 blocks checked, 0 lost, 8 corrupted"
    assert lines[1] == ("  block 0 (sectors 0-7): corrupted: sector 0 does not hold data this workload wrote "
                        "(generation 2 expected)")
    assert [line.split(":")[0] for line in lines[1:]] == [f"  block {b} (sectors {b * 8}-{b * 8 + 7})"
                                                          for b in range(8)]
    lab.ok("disk fault ram0 clear")
    assert lab.run("io verify w1") == 0


def test_zeroed_and_stale_blocks_are_lost(lab):
    lab.ok("io start w1 /dev/mapper/lin --rate 128 --duration 2")
    lab.ok("sleep 1")  # first pass done: every block at generation 1
    lab.ok("dd if=/dev/mapper/lin of=/dev/ram1 bs=64k count=8 oflag=direct status=none")  # keep that copy
    lab.ok("sleep 2")  # second pass: generation 2 acknowledged everywhere
    assert lab.lab.workloads.by_name["w1"].state == "done"
    assert lab.ok("io verify w1") == "io verify w1: 128 blocks checked, 0 lost, 0 corrupted\n"
    # blocks 0-1 go back to the old copy (an acknowledged write vanished), block 2 is zeroed
    lab.ok("dd if=/dev/ram1 of=/dev/mapper/lin bs=4096 count=2 oflag=direct status=none")
    lab.ok("dd if=/dev/zero of=/dev/mapper/lin bs=4096 seek=2 count=1 oflag=direct status=none")
    assert lab.run("io verify w1") == 1
    assert lab.stdout == (
        "io verify w1: 128 blocks checked, 3 lost, 0 corrupted\n"
        "  block 0 (sectors 0-7): lost: sector 0 holds generation 1, generation 2 was acknowledged\n"
        "  block 1 (sectors 8-15): lost: sector 8 holds generation 1, generation 2 was acknowledged\n"
        "  block 2 (sectors 16-23): lost: sector 16 reads as zeroes, generation 2 was acknowledged\n")


def test_failed_writes_make_blocks_uncertain_not_lost(lab):
    lab.ok("io start w1 /dev/mapper/lin --rate 128 --duration 1")
    lab.ok("sleep 2")  # generation 1 acknowledged everywhere
    # blocks 64-127 now fail their writes
    lab.ok("printf '0 512 linear /dev/ram0 0\\n512 512 error\\n' | dmsetup load lin")
    lab.ok("dmsetup suspend lin")
    lab.ok("dmsetup resume lin")
    lab.ok("io start w2 /dev/mapper/lin --rate 128 --duration 1")
    lab.ok("sleep 2")
    w2 = lab.lab.workloads.by_name["w2"]
    assert (w2.ios_done, w2.errors) == (128, 64)
    assert lab.ok("io verify w2") == "io verify w2: 64 blocks checked, 0 lost, 0 corrupted\n"
    # w1's blocks 0-63 were overwritten by w2: another writer's data
    assert lab.run("io verify w1") == 1
    assert lab.stdout.splitlines()[0] == "io verify w1: 128 blocks checked, 64 lost, 64 corrupted"


def test_workload_on_an_error_device_counts_errors(lab):
    lab.ok("dmsetup create e --table '0 1024 error'")
    lab.ok("io start we /dev/mapper/e --rate 50 --duration 1")
    lab.ok("sleep 2")
    w = lab.lab.workloads.by_name["we"]
    assert (w.ios_done, w.errors, w.bytes_written, w.state) == (50, 50, 0, "done")
    assert lab.ok("io verify we") == "io verify we: 0 blocks checked, 0 lost, 0 corrupted\n"


def test_workload_on_a_flakey_device_counts_errors_while_down(lab):
    lab.ok("dmsetup create fl --table '0 1024 flakey /dev/ram0 0 1 1'")
    lab.ok("io start wf /dev/mapper/fl --rate 100 --duration 4")
    lab.ok("sleep 5")
    w = lab.lab.workloads.by_name["wf"]
    assert w.ios_done == 400
    assert 150 <= w.errors <= 250  # down half the time
    assert w.errors + w.bytes_written // 4096 == 400
    # t=5: flakey is down, so the blocks cannot be read back
    assert lab.run("io verify wf") == 1
    assert lab.stdout.splitlines()[1].endswith(": lost: read error (Input/output error)")
    lab.ok("sleep 1")  # up again: every acknowledged write is there
    assert lab.run("io verify wf") == 0


def test_mixed_reads_are_verified_while_running(lab):
    lab.ok("io start wm /dev/mapper/lin --pattern rand --rw mix --read-pct 50 --rate 200 --duration 2 --qd 4")
    lab.ok("sleep 1")
    lab.ok("disk fault ram0 corrupt 0 1024")
    lab.ok("sleep 2")
    w = lab.lab.workloads.by_name["wm"]
    assert w.reads > 0 and w.writes > 0 and w.reads + w.writes == 400
    assert w.read_corrupted > 0
    assert lab.ok("io ls").splitlines()[1].split()[-1] == str(w.read_corrupted + w.read_lost)


def test_workload_holds_the_device_open(lab):
    lab.ok("io start w1 /dev/mapper/lin --rate 10")
    assert lab.run("dmsetup remove lin") == 1
    assert lab.stderr == "device-mapper: remove ioctl on lin  failed: Device or resource busy\nCommand failed.\n"
    assert lab.ok("dmsetup info -c -o name,open lin") == "Name             Open\nlin                 1\n"
    lab.ok("io stop w1")
    assert lab.lab.workloads.by_name["w1"].state == "stopped"
    done = lab.lab.workloads.by_name["w1"].ios_done
    lab.ok("sleep 5")
    assert lab.lab.workloads.by_name["w1"].ios_done == done  # no I/O after the stop
    lab.ok("dmsetup remove lin")


def test_queue_depth_and_held_io_on_a_suspended_device(lab):
    lab.ok("io start w1 /dev/mapper/lin --rate 100 --qd 4")
    lab.ok("sleep 1")
    lab.ok("dmsetup suspend lin")
    lab.ok("sleep 2")
    w = lab.lab.workloads.by_name["w1"]
    assert w.inflight == 4  # four held by the suspended device, no more issued
    assert len(lab.engine.dm.devices["lin"].held_bios) == 4
    lab.ok("io stop w1")
    assert w.state == "stopping"
    assert lab.engine.dm.devices["lin"].open_count == 1
    lab.ok("dmsetup resume lin")
    assert (w.state, w.inflight, w.errors) == ("stopped", 0, 0)
    assert lab.engine.dm.devices["lin"].open_count == 0
    assert lab.run("io verify w1") == 0


def test_same_name_same_io(lab):
    def run_once() -> tuple:
        other = Lab()
        other.ok("dmsetup create lin --table '0 1024 linear /dev/ram0 0'")
        other.ok("io start same /dev/mapper/lin --pattern rand --rw mix --rate 300 --duration 1")
        other.ok("sleep 2")
        w = other.lab.workloads.by_name["same"]
        return w.reads, w.writes, dict(w.acked), bytes(other.engine.block.disks["ram0"].store.chunks[0])

    assert run_once() == run_once()


def test_verify_after_the_stack_is_rebuilt(lab):
    lab.ok("io start w1 /dev/mapper/lin --duration 1")
    lab.ok("sleep 2")
    lab.ok("dmsetup remove lin")
    assert lab.run("io verify w1") == 1
    assert lab.stderr == "io verify: cannot open '/dev/mapper/lin': No such file or directory\n"
    lab.ok("dmsetup create lin --table '0 1024 linear /dev/ram0 0'")
    assert lab.ok("io verify w1") == "io verify w1: 100 blocks checked, 0 lost, 0 corrupted\n"
    assert lab.ok("io verify w1 /dev/ram0") == "io verify w1: 100 blocks checked, 0 lost, 0 corrupted\n"


def test_lab_api_and_view():
    lab = LabHandle()
    lab.engine.block.modprobe_brd(1, 1024)
    workloads = lab.workloads
    w = workloads.start("api", "/dev/ram0", bs=8192, rate=10, duration=1)
    lab.engine.advance(2)
    assert w.view() == WorkloadView("api", "/dev/ram0", "done", 10, 0, 10 * 8192, 0)
    assert lab.view().workloads == (w.view(),)
    with pytest.raises(WorkloadError, match="no workload 'nope'"):
        workloads.stop("nope")
    with pytest.raises(WorkloadError, match="multiple of 512"):
        workloads.start("bad", "/dev/ram0", bs=1000)
    with pytest.raises(WorkloadError, match="larger than /dev/ram0"):
        workloads.start("bad", "/dev/ram0", span=4096)
    w2 = workloads.start("again", "/dev/ram0", rate=5)
    with pytest.raises(WorkloadError, match="already running"):
        workloads.start("again", "/dev/ram0")
    workloads.stop("again")
    assert w2.state == "stopped"


@pytest.mark.parametrize("line, err", [
    ("io start w", "usage: io start NAME DEVICE"),
    ("io start w /dev/mapper/nosuch", "io start: cannot open '/dev/mapper/nosuch': No such file or directory"),
    ("io start w /dev/mapper/lin --pattern zigzag", "io start: invalid pattern 'zigzag' (seq or rand)"),
    ("io start w /dev/mapper/lin --rw both", "io start: invalid mode 'both' (write, read or mix)"),
    ("io start w /dev/mapper/lin --rate 0", "io start: invalid rate 0 (IOPS above 0)"),
    ("io start w /dev/mapper/lin --qd x", "io start: invalid queue depth 'x'"),
    ("io start w /dev/mapper/lin --frob 1", "io start: unknown option '--frob'"),
    ("io stop nosuch", "io stop: no workload 'nosuch'"),
    ("io verify nosuch", "io verify: no workload 'nosuch'"),
])
def test_io_command_errors(lab, line, err):
    assert lab.run(line) == 1
    assert lab.stderr.startswith(err)


def test_io_ls_with_no_workloads(lab):
    assert lab.ok("io ls") == "No workloads\n"


def test_io_without_a_subcommand_prints_usage(lab):
    assert lab.run("io frob") == 1
    assert lab.stderr.splitlines()[:2] == ["io: unknown subcommand 'frob'", "usage: io start NAME DEVICE "
                                           "[--pattern seq|rand] [--rw write|read|mix] [--read-pct N] [--bs 4k] "
                                           "[--rate IOPS] [--duration SECONDS] [--span SECTORS] [--qd N]"]
