"""Lab commands and the shell subset: resize, disks, the clock, background jobs, timeout, errors."""

from __future__ import annotations

from .session_lab import Lab


def lab_with_linear(size: int = 1024) -> Lab:
    lab = Lab()
    assert lab.run("modprobe brd rd_nr=2 rd_size=1024") == 0
    assert lab.run(f"dmsetup create lin --table '0 {size} linear /dev/ram0 0'") == 0
    return lab


def test_resize_grows_the_last_target_and_resumes():
    lab = lab_with_linear()
    assert lab.run("resize lin +512") == 0
    assert lab.stdout == "lin: 1024 -> 1536 sectors\n"
    assert lab.run("dmsetup table lin") == 0
    assert lab.stdout == "0 1536 linear 1:0 0\n"
    md = lab.engine.dm.devices["lin"]
    assert not md.suspended and md.inactive is None


def test_failed_resize_restores_the_old_table_and_leaves_the_device_active():
    lab = lab_with_linear()
    assert lab.run("resize lin 4096") == 1
    assert "old table restored" in lab.stderr
    md = lab.engine.dm.devices["lin"]
    assert not md.suspended and md.inactive is None and md.size_sectors == 1024
    assert "ram0 too small for target: start=0, len=4096, dev_size=2048" in lab.engine.klog.lines()[-1].text


def test_resize_refuses_bad_sizes_and_missing_devices():
    lab = lab_with_linear()
    assert lab.run("resize lin 12q") == 1
    assert lab.stderr == "resize: invalid size '12q'\n"
    assert lab.run("resize nosuch 10") == 1
    assert lab.run("resize lin 0") == 1
    assert lab.engine.dm.devices["lin"].size_sectors == 1024


def test_disk_create_fault_and_ls():
    lab = Lab()
    assert lab.run("disk create sdb 64M") == 0
    assert lab.stdout == "/dev/sdb (8:0) 131072 sectors\n"
    assert lab.run("disk create sdc 2048s") == 0
    assert lab.stdout == "/dev/sdc (8:16) 2048 sectors\n"
    assert lab.run("disk create sdb 1M") == 1
    assert lab.run("disk fault sdb error 100 8 r") == 0
    assert lab.run("disk ls") == 0
    assert "error:r:100+8" in lab.stdout
    assert lab.run("dmsetup create l --table '0 1024 linear /dev/sdb 0'") == 0
    lab.engine.advance(0)
    assert lab.run("disk rm sdb") == 1  # in use by l


def test_sleep_advances_the_lab_clock():
    lab = Lab()
    assert lab.run("sleep 2.5") == 0
    assert lab.engine.clock.now == 2.5
    assert lab.run("sleep x") == 1
    assert lab.stderr == "sleep: invalid time interval 'x'\n"


def test_background_job_blocked_on_a_suspended_device_finishes_after_resume():
    lab = lab_with_linear()
    assert lab.run("dmsetup suspend lin") == 0
    assert lab.run("dmsetup wait lin 0 &") == 0
    assert len(lab.session.running_jobs()) == 1
    assert lab.run("dmsetup rename lin lin2") == 0  # a rename raises an event
    assert lab.session.running_jobs() == []


def test_dmsetup_wait_in_the_foreground_gives_up_at_the_bound():
    lab = lab_with_linear()
    lab.session.block_bound = 30
    assert lab.run("dmsetup wait lin 0") == 124
    assert "still blocked after 30 s of lab time" in lab.stderr
    assert lab.engine.clock.now == 30


def test_timeout_stops_a_blocked_command():
    lab = lab_with_linear()
    assert lab.run("timeout 3 dmsetup wait lin 0") == 124
    assert lab.engine.clock.now == 3


def test_syntax_errors_and_unknown_commands():
    lab = Lab()
    assert lab.run("echo 'unterminated") == 2
    assert lab.stderr == "dmconsole: unterminated quoted string\n"
    assert lab.run("frobnicate now") == 127
    assert lab.stderr == "dmconsole: frobnicate: command not found\n"
    assert lab.run("echo a ; echo b") == 2


def test_pipes_redirections_and_comments():
    lab = Lab()
    assert lab.run("printf 'abc' | md5sum # a comment") == 0
    assert lab.stdout == "900150983cd24fb0d6963f7d28e17f72  -\n"
    assert lab.run("dmsetup remove nosuch 2>/dev/null") == 1
    assert lab.stderr == ""
    assert lab.run("dmsetup remove nosuch 2>&1 | md5sum") == 0


def test_help_lists_commands_and_shows_one():
    lab = Lab()
    assert lab.run("help") == 0
    assert "disk create" in lab.stdout and "resize" in lab.stdout
    assert lab.run("help suspend") == 0
    assert lab.stdout.startswith("dmsetup suspend [--noflush] [--nolockfs] <device>...\n")
    assert lab.run("help nosuch") == 1
    assert lab.stderr == "help: no such command: nosuch\n"


def test_help_for_a_group_lists_its_commands():
    lab = Lab()
    assert lab.run("help disk") == 0
    assert [line.split()[1] for line in lab.stdout.splitlines()] == ["create", "fault", "ls", "powercut", "rm"]
    assert lab.run("help io") == 0
    assert lab.stdout.startswith("io start|stop|ls|verify ...\n") and "io verify " in lab.stdout


def test_dmesg_and_dmesg_c():
    lab = lab_with_linear()
    assert lab.run("dmesg") == 0
    assert lab.stdout == "[    0.000000] brd: module loaded\n"
    assert lab.run("dmesg -c") == 0
    assert lab.run("dmesg") == 0
    assert lab.stdout == ""


def test_jobs_lists_running_background_jobs_as_bash_does():
    lab = lab_with_linear()
    assert lab.run("dmsetup suspend lin") == 0
    assert lab.run("dd if=/dev/mapper/lin of=/dev/null bs=512 count=1 iflag=direct status=none &") == 0
    assert lab.run("dd if=/dev/mapper/lin of=/dev/null bs=512 count=1 iflag=direct status=none &") == 0
    assert lab.run("jobs") == 0
    assert lab.stdout == (
        "[1]- Running                 dd if=/dev/mapper/lin of=/dev/null bs=512 count=1 iflag=direct status=none &\n"
        "[2]+ Running                 dd if=/dev/mapper/lin of=/dev/null bs=512 count=1 iflag=direct status=none &\n"
    )
    assert lab.run("dmsetup resume lin") == 0
    assert lab.run("wait") == 0
    assert lab.run("jobs") == 0 and lab.stdout == ""


def test_disk_powercut_loses_only_what_was_not_flushed():
    lab = Lab()
    assert lab.run("disk create wc 16M --write-cache") == 0
    assert lab.run("dmsetup create lin --table '0 32768 linear /dev/wc 0'") == 0
    assert lab.run("printf kept | dd of=/dev/mapper/lin bs=512 count=1 conv=sync,fsync status=none") == 0
    assert lab.run("printf gone | dd of=/dev/mapper/lin bs=512 seek=8 count=1 conv=sync oflag=direct status=none") == 0
    assert lab.run("disk ls") == 0
    assert lab.stdout.splitlines()[1].split()[5] == "1"  # one dirty sector
    assert lab.run("disk powercut wc") == 0
    assert lab.stdout == "wc: power cut, 1 unflushed sector lost\n"
    assert lab.run("dd if=/dev/mapper/lin bs=512 count=1 iflag=direct status=none | head -c 4") == 0
    assert lab.stdout == "kept"
    assert lab.run("dd if=/dev/mapper/lin bs=512 skip=8 count=1 iflag=direct status=none | head -c 4") == 0
    assert lab.stdout == "\0\0\0\0"
    assert lab.run("disk powercut nosuch") == 1 and lab.stderr == "disk powercut: no disk nosuch\n"


def test_disk_fault_latency_and_its_errors():
    lab = Lab()
    assert lab.run("disk create d 16M") == 0
    assert lab.run("disk fault d latency 250") == 0
    assert lab.run("dd if=/dev/zero of=/dev/d bs=4k count=4 oflag=direct status=noxfer") == 0
    assert lab.run("clock") == 0 and lab.stdout.startswith("lab time 1.000 s")
    assert lab.run("disk fault d latency soon") == 1
    assert lab.stderr.startswith("usage: disk fault NAME")
    assert lab.run("disk fault d clear") == 0
    assert lab.run("disk ls") == 0 and lab.stdout.splitlines()[1].endswith("  -")


def test_timeout_ends_an_interruptible_wait_but_not_io_in_d_state():
    lab = lab_with_linear()
    assert lab.run("timeout 2 dmsetup wait lin 0") == 124 and lab.stdout == lab.stderr == ""
    assert lab.run("dmsetup suspend lin") == 0
    assert lab.run("timeout 3 dd if=/dev/mapper/lin of=/dev/null bs=512 count=1 iflag=direct &") == 0
    assert lab.run("sleep 5") == 0
    assert lab.run("jobs") == 0 and "Running" in lab.stdout  # SIGTERM came at 3 s; dd is still in the kernel
    assert lab.run("dmsetup resume lin") == 0
    assert lab.run("wait") == 0
    assert lab.stdout == lab.stderr == ""  # the killed dd never prints its records lines
    assert lab.run("dmsetup info -c -o open --noheadings lin") == 0 and lab.stdout.strip() == "0"
