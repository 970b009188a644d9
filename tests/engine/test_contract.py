"""The target contract, exercised by test-only targets: map results, end_io, hooks that sleep, workers
and timers that pause while suspended, and bugs in target code that the engine survives."""

from __future__ import annotations

import time

import pytest

from dmconsole.commands import Session
from dmconsole.engine.block.bio import Bio, Op
from dmconsole.engine.core.errno import TargetError
from dmconsole.engine.dm.target import TARGET_TYPES, EndIO, MapResult, StatusType, Target
from dmconsole.lab import Lab as LabHandle

from .conftest import Lab


@pytest.fixture
def target_type():
    """Register a test-only target type for one test."""
    added: list[str] = []

    def register(cls: type[Target]) -> type[Target]:
        TARGET_TYPES[cls.name] = cls
        added.append(cls.name)
        return cls

    yield register
    for name in added:
        TARGET_TYPES.pop(name, None)


class Passthrough(Target):
    """A linear-like base for the test targets: ``<dev>``."""

    def ctr(self, args: list[str]) -> None:
        if len(args) != 1:
            raise TargetError("Invalid argument count")
        self.dev = self.get_device(args[0])
        self.num_flush_bios = self.num_discard_bios = 1

    def remap(self, bio: Bio) -> MapResult:
        bio.bdev = self.dev
        bio.sector = self.target_offset(bio.sector)
        return MapResult.REMAPPED

    def map(self, bio: Bio) -> MapResult:
        return self.remap(bio)

    def iterate_devices(self):
        return [(self.dev, 0, self.len)]


# ------------------------------------------------------------------ bugs in target code
class Faulty(Passthrough):
    """Raises where its `mode` message says: in map, in end_io, or in a timer."""

    name = "faulty"
    version = (0, 0, 1)

    def ctr(self, args: list[str]) -> None:
        super().ctr(args)
        self.mode = "none"

    def message(self, args: list[str]) -> str | None:
        self.mode = args[0]
        if self.mode == "timer":
            self.ctx.timer(0.5, self._tick)
        return None

    def _tick(self) -> None:
        raise RuntimeError("timer went wrong")

    def map(self, bio: Bio) -> MapResult:
        if self.mode == "map":
            raise ValueError("map went wrong")
        return self.remap(bio)

    def end_io(self, bio: Bio, status: int) -> tuple[EndIO, int]:
        if self.mode == "end_io":
            raise KeyError("end_io went wrong")
        return EndIO.DONE, status


def session_lab() -> tuple[LabHandle, Session, list[bytes]]:
    handle = LabHandle(dm_major=254)
    out: list[bytes] = []
    session = Session(handle, out.append, out.append)
    for line in ("modprobe brd rd_nr=2 rd_size=4096", "dmsetup create f --table '0 8192 faulty /dev/ram0'"):
        assert session.run_line(line) == 0, b"".join(out)
    out.clear()
    return handle, session, out


@pytest.mark.parametrize("mode, logged", [
    ("map", "BUG: dm-0 faulty: map: ValueError: map went wrong"),
    ("end_io", "BUG: dm-0 faulty: end_io: KeyError: 'end_io went wrong'"),
])
def test_an_exception_in_target_code_fails_the_bio_and_the_engine_goes_on(target_type, mode, logged):
    target_type(Faulty)
    handle, session, out = session_lab()
    assert session.run_line(f"dmsetup message f 0 {mode}") == 0
    status = session.run_line("dd if=/dev/zero of=/dev/mapper/f bs=4k count=1 oflag=direct status=none")
    assert status == 1
    assert b"".join(out) == b"dd: error writing '/dev/mapper/f': Input/output error\n"
    assert logged in [line.text for line in handle.engine.klog.lines()]
    # nothing is left counted in flight, and the device answers the next commands
    assert handle.engine.dm.devices["f"].in_flight == 0
    out.clear()
    assert session.run_line("dmsetup suspend f") == 0 and session.run_line("dmsetup resume f") == 0
    assert session.run_line("dmsetup status f") == 0 and b"".join(out) == b"0 8192 faulty \n"


def test_an_exception_in_a_timer_is_logged_and_time_goes_on(target_type):
    target_type(Faulty)
    handle, session, out = session_lab()
    assert session.run_line("dmsetup message f 0 timer") == 0
    assert session.run_line("sleep 1") == 0
    logged = [line.text for line in handle.engine.klog.lines()]
    assert "BUG: dm-0 faulty: timer: RuntimeError: timer went wrong" in logged
    assert handle.engine.clock.now == 1.0
    assert session.run_line("dd if=/dev/zero of=/dev/mapper/f bs=4k count=1 oflag=direct status=none") == 0


def test_on_the_engine_thread_a_bug_leaves_the_thread_answering(target_type):
    target_type(Faulty)
    handle, session, out = session_lab()
    handle.start(speed=10.0)
    try:
        assert handle.submit_call(lambda: session.execute("dmsetup message f 0 timer")).result(timeout=5) == 0
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any("timer went wrong" in e.text for e in handle.view().events):
            time.sleep(0.02)
        assert any("BUG: dm-0 faulty: timer" in e.text for e in handle.view().events)
        assert handle.submit_call(lambda: session.execute("dmsetup message f 0 map")).result(timeout=5) == 0
        status = handle.submit_call(
            lambda: session.execute("dd if=/dev/zero of=/dev/mapper/f bs=4k count=1 oflag=direct status=none"))
        assert status.result(timeout=5) == 1
        assert handle.submit_call(lambda: 6 * 7).result(timeout=5) == 42  # still answering
        assert handle.threaded
    finally:
        handle.stop()


# ------------------------------------------------------------------ map results
class Pushback(Passthrough):
    """REQUEUE while its `push` flag is set (as a thin-pool out of space in queue mode pushes bios back)."""

    name = "pushback"
    version = (0, 0, 1)
    push = False

    def map(self, bio: Bio) -> MapResult:
        return MapResult.REQUEUE if Pushback.push else self.remap(bio)


def test_requeue_holds_the_bio_during_a_noflush_suspend_and_fails_it_otherwise(target_type):
    target_type(Pushback)
    lab = Lab()
    lab.create("p", "0 8192 pushback /dev/ram0")
    Pushback.push = True
    try:
        assert lab.failed(lab.write("/dev/mapper/p", 0, b"not now"))  # no noflush suspend: EIO
        md = lab.md("p")
        md.noflush_suspending = True  # what a noflush suspend sets while it waits
        bio = lab.write("/dev/mapper/p", 0, b"later")
        assert not bio.done and md.held_bios == [bio] and md.in_flight == 0
        md.noflush_suspending = False
        Pushback.push = False
        lab.suspend("p")
        lab.resume("p")
        assert lab.ok(bio) and lab.disk_bytes("ram0", 0)[:5] == b"later"
    finally:
        Pushback.push = False


class Retry(Passthrough):
    """An end_io that retries a failed bio once (DM_ENDIO_INCOMPLETE), as dm-mpath fails over."""

    name = "retry"
    version = (0, 0, 1)

    def ctr(self, args: list[str]) -> None:
        super().ctr(args)
        self.retried = 0

    def end_io(self, bio: Bio, status: int) -> tuple[EndIO, int]:
        if status and not self.retried:
            self.retried += 1
            self.ctx.submit_bio(bio)  # same device, same sector: the fault is gone by then
            return EndIO.INCOMPLETE, status
        return EndIO.DONE, status


def test_end_io_may_keep_the_bio_and_complete_it_later(target_type):
    target_type(Retry)
    lab = Lab()
    lab.create("r", "0 8192 retry /dev/ram0")
    disk = lab.engine.block.disks["ram0"]
    disk.faults.failed = True
    original_submit = disk.submit

    def heal_then_submit(bio):
        disk.submit = original_submit
        disk.faults.failed = False
        original_submit(bio)

    disk.submit = lambda bio: (setattr(disk, "submit", heal_then_submit), original_submit(bio))[1]
    bio = lab.write("/dev/mapper/r", 0, b"second time")
    assert lab.ok(bio) and lab.md("r").live.targets[0].retried == 1
    assert lab.disk_bytes("ram0", 0)[:11] == b"second time"


# ------------------------------------------------------------------ hooks that sleep, workers, timers
class Deferring(Passthrough):
    """Holds writes on a deferred list that a worker sends on; presuspend waits until the list is empty, as
    a thin-pool's presuspend flushes its deferred bios. A periodic worker counts its runs."""

    name = "deferring"
    version = (0, 0, 1)

    def ctr(self, args: list[str]) -> None:
        super().ctr(args)
        self.deferred: list[Bio] = []
        self.drained = self.ctx.wait_queue()
        self.sender = self.ctx.worker(self._send, "sender")
        self.ticks = 0
        self.ticker = self.ctx.worker(self._tick, "ticker")
        self.ticker.queue_delayed(1.0)
        self.undone = 0

    def map(self, bio: Bio) -> MapResult:
        if bio.op is not Op.WRITE:
            return self.remap(bio)
        self.remap(bio)
        self.deferred.append(bio)
        self.sender.queue_delayed(2.0)
        return MapResult.SUBMITTED

    def _send(self):
        while self.deferred:
            self.ctx.submit_bio(self.deferred.pop(0))
        self.drained.wake_up()
        yield from ()

    def _tick(self) -> None:
        self.ticks += 1
        self.ticker.queue_delayed(1.0)

    def presuspend(self):
        self.sender.queue()
        if self.deferred:
            yield self.drained.wait_event(lambda: not self.deferred, "deferred writes")

    def presuspend_undo(self) -> None:
        self.undone += 1

    def status(self, kind: StatusType, flags: int = 0) -> str:
        return f"{len(self.deferred)} {self.ticks}" if kind is StatusType.INFO else self.dev.devno


def test_a_presuspend_that_sleeps_sends_the_deferred_writes_before_the_device_is_suspended(target_type):
    target_type(Deferring)
    lab = Lab()
    lab.create("q", "0 8192 deferring /dev/ram0")
    bio = lab.write("/dev/mapper/q", 0, b"deferred")
    assert not bio.done and lab.status("q") == ["0 8192 deferring 1 0"]
    lab.suspend("q")  # does not wait the 2 s of the sender's delay: presuspend queues it now
    assert lab.ok(bio) and lab.disk_bytes("ram0", 0)[:8] == b"deferred"
    assert lab.md("q").suspended and lab.engine.clock.now == 0.0


def test_workers_and_timers_pause_while_suspended_and_start_again_at_resume(target_type):
    target_type(Deferring)
    lab = Lab()
    lab.create("q", "0 8192 deferring /dev/ram0")
    lab.engine.advance(2.5)
    assert lab.status("q") == ["0 8192 deferring 0 2"]
    lab.suspend("q")
    lab.engine.advance(10)
    assert lab.status("q") == ["0 8192 deferring 0 2"]  # nothing ran while suspended
    lab.resume("q")
    lab.engine.advance(0)
    assert lab.status("q") == ["0 8192 deferring 0 3"]  # the tick that fell due meanwhile runs at resume
    lab.engine.advance(1.0)
    assert lab.status("q") == ["0 8192 deferring 0 4"]


def test_a_removed_device_stops_its_workers_and_timers(target_type):
    target_type(Deferring)
    lab = Lab()
    lab.create("q", "0 8192 deferring /dev/ram0")
    target = lab.md("q").live.targets[0]
    lab.engine.dm.dev_remove("q")
    lab.engine.advance(5)
    assert target.ticks == 0 and lab.engine.clock.pending() == 0


def test_an_interrupted_suspend_undoes_presuspend_and_lets_io_flow(target_type):
    target_type(Deferring)
    handle = LabHandle(dm_major=254)
    out: list[bytes] = []
    session = Session(handle, out.append, out.append)
    for line in ("modprobe brd rd_nr=2 rd_size=4096", "dmsetup create low --table '0 8192 linear /dev/ram0 0'",
                 "dmsetup create q --table '0 8192 deferring /dev/mapper/low'", "dmsetup suspend low",
                 "dd if=/dev/zero of=/dev/mapper/q bs=4k count=1 oflag=direct status=none &", "sleep 3"):
        assert session.run_line(line) == 0, b"".join(out)
    # the write went down to low, which holds it: q's suspend waits for it, until timeout ends the wait
    assert session.run_line("timeout 2 dmsetup suspend q") == 124
    target = handle.engine.dm.devices["q"].live.targets[0]
    assert target.undone == 1
    assert handle.view().device("q").suspended is False
    assert session.run_line("dmsetup resume low") == 0 and session.run_line("wait") == 0
    assert session.run_line("dmsetup suspend q") == 0 and handle.view().device("q").suspended


# ------------------------------------------------------------------ stacks of any depth
def test_a_stack_of_200_linear_devices_does_io_suspends_resumes_and_verifies():
    handle = LabHandle()
    out: list[bytes] = []
    session = Session(handle, out.append, out.append, block_bound=600)
    assert session.run_line("disk create sdb 64M") == 0
    below = "/dev/sdb"
    for level in range(200):
        assert session.run_line(f"dmsetup create l{level:03d} --table '0 131072 linear {below} 0'") == 0
        below = f"/dev/mapper/l{level:03d}"
    assert session.run_line(f"io start deep {below} --pattern rand --rw mix --rate 200 --qd 4") == 0
    assert session.run_line("sleep 1") == 0
    assert session.run_line("dmsetup suspend l000") == 0  # the bottom: I/O from the top is held there
    assert session.run_line("sleep 1") == 0
    assert handle.view().device("l199").in_flight == 4
    assert session.run_line("dmsetup resume l000") == 0
    assert session.run_line("dmsetup suspend l199") == 0  # the top: new I/O is held there, none in flight
    assert session.run_line("sleep 1") == 0
    assert handle.view().device("l000").in_flight == 0 and handle.view().device("l199").held_bios == 4
    assert session.run_line("dmsetup resume l199") == 0
    assert session.run_line("sleep 1") == 0
    assert session.run_line("io stop deep") == 0 and session.run_line("sleep 0.1") == 0
    out.clear()
    assert session.run_line("io verify deep") == 0, b"".join(out)
    verified = b"".join(out).decode()
    assert verified.startswith("io verify deep: ") and verified.endswith(" 0 lost, 0 corrupted\n")
    view = handle.view()
    assert all(not dev.suspended and dev.in_flight == 0 for dev in view.devices)
    assert view.workloads[0].errors == 0 and view.workloads[0].ios_done > 300


def test_a_table_that_maps_onto_itself_fails_its_io_instead_of_looping():
    lab = Lab()
    lab.create("me", "0 8192 linear /dev/ram0 0")
    lab.reload("me", "0 8192 linear /dev/mapper/me 0")
    lab.suspend("me")
    lab.resume("me")
    assert lab.failed(lab.write("/dev/mapper/me", 0, b"round and round"))
    assert lab.md("me").in_flight == 0


# ------------------------------------------------------------------ every family's declarations
SAMPLE_TABLES = {
    "linear": "/dev/ram0 0", "striped": "2 8 /dev/ram0 0 /dev/ram1 0", "zero": "", "error": "",
    "delay": "/dev/ram0 0 10", "flakey": "/dev/ram0 0 10 5", "dust": "/dev/ram0 0 512",
}


@pytest.mark.parametrize("type_name", sorted(SAMPLE_TABLES))
def test_each_family_declares_its_view_and_messages(type_name):
    cls = TARGET_TYPES[type_name]
    lab = Lab()
    lab.create("t", f"0 8192 {type_name} {SAMPLE_TABLES[type_name]}")
    target_view = lab.engine.make_view().device("t").live[0]
    if cls.view_type is None:
        assert target_view.detail is None
    else:
        assert type(target_view.detail) is cls.view_type
        hash(target_view.detail)  # frozen, and made of immutable parts: safe to hand to another thread
    for spec in cls.messages:
        assert spec.name and spec.help, spec


def test_every_family_in_the_lab_has_a_sample_table_here():
    assert {name for name in TARGET_TYPES if TARGET_TYPES[name].__module__.startswith("dmconsole.")} == \
        set(SAMPLE_TABLES)


def test_a_resume_whose_suspend_is_interrupted_keeps_the_new_table_inactive():
    handle = LabHandle(dm_major=254)
    out: list[bytes] = []
    session = Session(handle, out.append, out.append)
    for line in ("modprobe brd rd_nr=2 rd_size=4096", "dmsetup create low --table '0 8192 linear /dev/ram0 0'",
                 "dmsetup create top --table '0 8192 linear /dev/mapper/low 0'", "dmsetup suspend low",
                 "dd if=/dev/zero of=/dev/mapper/top bs=4k count=1 oflag=direct status=none &", "sleep 1",
                 "dmsetup reload top --table '0 4096 linear /dev/ram1 0'"):
        assert session.run_line(line) == 0, b"".join(out)
    assert session.run_line("timeout 2 dmsetup resume top") == 124
    out.clear()
    assert session.run_line("dmsetup info -c -o name,attr,open top") == 0
    assert b"".join(out) == b"Name             Stat Open\ntop              LI-w    1\n"
    assert handle.engine.block.disks["ram1"].open_count == 1  # the inactive table still holds it
    assert session.run_line("dmsetup resume low") == 0 and session.run_line("wait") == 0
    assert session.run_line("dmsetup resume top") == 0
    out.clear()
    assert session.run_line("dmsetup table top") == 0 and b"".join(out) == b"0 4096 linear 1:1 0\n"
