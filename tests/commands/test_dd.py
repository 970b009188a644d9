"""dd: GNU coreutils 9.1's output and errors, I/O that is real bios on the lab clock, held I/O.

Expected texts come from GNU dd 9.1 itself: the oracle VM's transcripts (tests/scenarios/dd.oracle.txt,
readonly.oracle.txt, ../shared/oracle/transcripts) and the host's coreutils 9.1 for the statistics line.
"""

from __future__ import annotations

import hashlib

import pytest

from dmconsole.commands.coreutils.dd import human_readable, parse_integer, xfer_stats
from dmconsole.engine.block.bio import Op

from .session_lab import Lab


@pytest.fixture
def lab() -> Lab:
    lab = Lab()
    lab.ok("modprobe brd rd_nr=2 rd_size=1024")
    lab.ok("dmsetup create lin --table '0 2048 linear /dev/ram0 0'")
    lab.ok("dmsetup create e --table '0 2048 error'")
    lab.klog()
    return lab


# --------------------------------------------------------------------------- statistics formats
@pytest.mark.parametrize("nbytes, text", [
    (0, "0 bytes copied"),
    (1, "1 byte copied"),
    (512, "512 bytes copied"),
    (999, "999 bytes copied"),
    (1000, "1000 bytes (1.0 kB) copied"),
    (1024, "1024 bytes (1.0 kB, 1.0 KiB) copied"),
    (4096, "4096 bytes (4.1 kB, 4.0 KiB) copied"),
    (12288, "12288 bytes (12 kB, 12 KiB) copied"),
    (1048576, "1048576 bytes (1.0 MB, 1.0 MiB) copied"),
    (104857600, "104857600 bytes (105 MB, 100 MiB) copied"),
    (10485760000, "10485760000 bytes (10 GB, 9.8 GiB) copied"),
])
def test_byte_counts_as_gnu_dd_prints_them(nbytes, text):
    # Each text was printed by coreutils 9.1's dd for that many bytes.
    assert xfer_stats(nbytes, 0, False) == f"{text}, 0 s, Infinity B/s"


@pytest.mark.parametrize("nbytes, ns, rest", [
    (0, 51587, "5.1587e-05 s, 0.0 kB/s"),  # dd 9.1: "0 bytes copied, 5.1587e-05 s, 0.0 kB/s"
    (1, 53771, "5.3771e-05 s, 18.6 kB/s"),
    (999, 72977, "7.2977e-05 s, 13.7 MB/s"),
    (104857600, 4342260, "0.00434226 s, 24.1 GB/s"),
    (512, 500_000_000, "0.5 s, 1.0 kB/s"),
    (1048576, 4_000_000_000, "4 s, 262 kB/s"),
])
def test_time_and_rate(nbytes, ns, rest):
    assert xfer_stats(nbytes, ns, False).split("copied, ")[1] == rest


def test_progress_line_uses_whole_seconds():
    assert xfer_stats(8192, 1_000_000_000, True) == "8192 bytes (8.2 kB, 8.0 KiB) copied, 1 s, 8.2 kB/s"


def test_human_readable_rounds_like_gnulib():
    assert human_readable(999949, False) == "1.0 MB"
    assert human_readable(99949, False) == "100 kB"
    assert human_readable(1023 * 1024 + 600, True) == "1.0 MiB"
    assert human_readable(10239, True) == "10 KiB"


@pytest.mark.parametrize("text, value", [
    ("512", 512), ("4k", 4096), ("4K", 4096), ("1kB", 1000), ("1KiB", 1024), ("1M", 1 << 20),
    ("1MB", 10**6), ("1b", 512), ("1w", 2), ("1c", 1), ("2x512", 1024), ("2xk", 2048), ("k", 1024),
    ("1B", 1), ("1bB", 512), ("2Bx3", 6), ("1KD", 1000), (" 1", 1), ("+1", 1), ("010", 10),
])
def test_numbers_gnu_dd_accepts(text, value):
    assert parse_integer(text, lambda _: None) == (0, value)


@pytest.mark.parametrize("text", ["abc", "1x", "x2", "2x3x4", "1e", "1m", "1Ki", "-1", "B", "2x3B", "1xx2", ""])
def test_numbers_gnu_dd_rejects(text):
    assert parse_integer(text, lambda _: None)[0] != 0


# --------------------------------------------------------------------------- success and partial blocks
def test_success_prints_records_and_bytes_line(lab):
    assert lab.run("dd if=/dev/zero of=/dev/mapper/lin bs=4096 count=3") == 0
    assert lab.stderr == "3+0 records in\n3+0 records out\n12288 bytes (12 kB, 12 KiB) copied, 0 s, Infinity B/s\n"
    assert lab.run("dd if=/dev/zero of=/dev/mapper/lin count=0") == 0
    assert lab.stderr == "0+0 records in\n0+0 records out\n0 bytes copied, 0 s, Infinity B/s\n"


def test_elapsed_time_is_lab_time(lab):
    lab.ok("dmsetup create slow --table '0 2048 delay /dev/ram0 0 500'")
    start = lab.engine.clock.now
    assert lab.run("dd if=/dev/mapper/slow of=/dev/null bs=512 count=1 iflag=direct") == 0
    assert lab.stderr == "1+0 records in\n1+0 records out\n512 bytes copied, 0.5 s, 1.0 kB/s\n"
    assert lab.engine.clock.now == pytest.approx(start + 0.5)


def test_status_progress_prints_a_line_per_lab_second(lab):
    lab.ok("dmsetup create slow --table '0 2048 delay /dev/ram0 0 500'")
    assert lab.run("dd if=/dev/mapper/slow of=/dev/null bs=4096 count=3 iflag=direct status=progress") == 0
    assert lab.stderr == ("\r8192 bytes (8.2 kB, 8.0 KiB) copied, 1 s, 8.2 kB/s\n3+0 records in\n3+0 records out\n"
                          "12288 bytes (12 kB, 12 KiB) copied, 1.5 s, 8.2 kB/s\n")


@pytest.mark.parametrize("line, records", [
    ("printf hello | dd of=/dev/mapper/lin bs=512 count=1 status=noxfer", "0+1 records in\n0+1 records out\n"),
    ("printf hello | dd of=/dev/mapper/lin bs=512 count=1 conv=sync status=noxfer",
     "0+1 records in\n1+0 records out\n"),
    ("printf 'hello world' | dd of=/dev/null bs=4 status=noxfer", "2+1 records in\n2+1 records out\n"),
    ("dd if=/dev/zero of=/dev/mapper/lin ibs=512 obs=4096 count=16 status=noxfer",
     "16+0 records in\n2+0 records out\n"),
    ("dd if=/dev/zero of=/dev/mapper/lin ibs=4096 obs=512 count=2 status=noxfer",
     "2+0 records in\n16+0 records out\n"),
    ("dd if=/dev/zero of=/dev/null bs=512 count=1 bs=1024 status=noxfer", "1+0 records in\n1+0 records out\n"),
    ("dd if=/dev/mapper/lin of=/dev/null bs=512 count=1000 iflag=count_bytes status=noxfer",
     "1+1 records in\n1+1 records out\n"),
])
def test_records_lines(lab, line, records):
    assert lab.run(line) == 0
    assert lab.stderr == records


def test_partial_reads_at_the_end_of_a_device(lab):
    # dd.oracle.txt: "reading at and past the end of a device"
    assert lab.run("dd if=/dev/mapper/lin of=/dev/null bs=512 skip=2040 count=100 status=noxfer") == 0
    assert lab.stderr == "8+0 records in\n8+0 records out\n"
    assert lab.run("dd if=/dev/mapper/lin of=/dev/null bs=1000 skip=1048 count=10 status=noxfer") == 0
    assert lab.stderr == "0+1 records in\n0+1 records out\n"
    assert lab.run("dd if=/dev/mapper/lin of=/dev/null bs=512 skip=2048 count=1 status=noxfer") == 0
    assert lab.stderr == "0+0 records in\n0+0 records out\n"
    assert lab.run("dd if=/dev/mapper/lin of=/dev/null bs=4096 skip=255 count=4 iflag=direct status=noxfer") == 0
    assert lab.stderr == "1+0 records in\n1+0 records out\n"
    assert lab.run("dd if=/dev/mapper/lin of=/dev/null bs=512 skip=3000 count=1 status=noxfer") == 1
    assert lab.stderr == "dd: /dev/mapper/lin: cannot skip: Invalid argument\n0+0 records in\n0+0 records out\n"


def test_writes_past_the_end_stop_with_enospc(lab):
    assert lab.run("dd if=/dev/zero of=/dev/mapper/lin bs=512 seek=2040 count=100") == 1
    assert lab.stderr == ("dd: error writing '/dev/mapper/lin': No space left on device\n9+0 records in\n"
                          "8+0 records out\n4096 bytes (4.1 kB, 4.0 KiB) copied, 0 s, Infinity B/s\n")
    assert lab.run("dd if=/dev/zero of=/dev/mapper/lin bs=1000 seek=1048 count=2 status=noxfer") == 1
    assert lab.stderr == ("dd: error writing '/dev/mapper/lin': No space left on device\n"
                          "1+0 records in\n0+0 records out\n")
    assert lab.run("dd if=/dev/zero of=/dev/mapper/lin bs=512 seek=3000 count=1 status=noxfer") == 1
    assert lab.stderr == "dd: /dev/mapper/lin: cannot seek: Invalid argument\n0+0 records in\n0+0 records out\n"


# --------------------------------------------------------------------------- errors
def test_error_target(lab):
    assert lab.run("dd if=/dev/mapper/e of=/dev/null bs=4096 count=1 iflag=direct status=noxfer") == 1
    assert lab.stderr == "dd: error reading '/dev/mapper/e': Input/output error\n0+0 records in\n0+0 records out\n"
    assert lab.run("dd if=/dev/zero of=/dev/mapper/e bs=4096 count=1 oflag=direct status=noxfer") == 1
    assert lab.stderr == "dd: error writing '/dev/mapper/e': Input/output error\n1+0 records in\n0+0 records out\n"
    assert lab.klog() == []
    # A buffered read fails page by page, with the kernel's buffer I/O error.
    assert lab.run("dd if=/dev/mapper/e of=/dev/null bs=512 skip=100 count=1 status=noxfer") == 1
    assert lab.klog() == ["Buffer I/O error on dev dm-1, logical block 12, async page read"]
    # A buffered write "succeeds": writeback fails later, and only fsync tells.
    assert lab.run("dd if=/dev/zero of=/dev/mapper/e bs=4096 count=1 status=noxfer") == 0
    assert lab.stderr == "1+0 records in\n1+0 records out\n"
    assert lab.klog() == ["Buffer I/O error on dev dm-1, logical block 0, lost async page write"]
    assert lab.run("dd if=/dev/zero of=/dev/mapper/e bs=4096 count=1 conv=fsync status=noxfer") == 1
    assert lab.stderr == ("dd: fsync failed for '/dev/mapper/e': Input/output error\n"
                          "1+0 records in\n1+0 records out\n")
    # A partial-block buffered write must read the block first: that fails at once.
    assert lab.run("dd if=/dev/zero of=/dev/mapper/e bs=512 seek=5 count=1 status=noxfer") == 1
    assert lab.stderr == "dd: error writing '/dev/mapper/e': Input/output error\n1+0 records in\n0+0 records out\n"


def test_a_bad_sector_fails_buffered_reads_of_its_whole_page(lab):
    lab.ok("printf '0 4 linear /dev/ram1 0\\n4 4 error\\n8 2040 linear /dev/ram1 8\\n' | dmsetup create mix")
    assert lab.run("dd if=/dev/mapper/mix of=/dev/null bs=512 count=1 status=noxfer") == 1
    assert lab.stderr.startswith("dd: error reading '/dev/mapper/mix': Input/output error\n")
    assert lab.run("dd if=/dev/mapper/mix of=/dev/null bs=512 count=1 iflag=direct status=noxfer") == 0
    assert lab.run("dd if=/dev/mapper/mix of=/dev/null bs=512 skip=8 count=1 status=noxfer") == 0


def test_noerror_sync_goes_on_and_prints_running_counts(lab):
    assert lab.run("dd if=/dev/mapper/e of=/dev/null bs=512 count=4 conv=noerror,sync iflag=direct status=noxfer") == 0
    error = "dd: error reading '/dev/mapper/e': Input/output error\n"
    assert lab.stderr == (error + "0+0 records in\n0+0 records out\n" + error + "0+1 records in\n1+0 records out\n"
                          + error + "0+2 records in\n2+0 records out\n" + error + "0+3 records in\n3+0 records out\n"
                          + "0+4 records in\n4+0 records out\n")


def test_missing_device(lab):
    assert lab.run("dd if=/dev/mapper/x of=/dev/null status=noxfer") == 1
    assert lab.stderr == "dd: failed to open '/dev/mapper/x': No such file or directory\n"
    assert lab.run("dd if=/dev/zero of=/dev/nosuchdir/x count=1") == 1
    assert lab.stderr == "dd: failed to open '/dev/nosuchdir/x': No such file or directory\n"


def test_read_only_device_refuses_writes_with_eperm(lab):
    # readonly.oracle.txt: the open succeeds, the write fails.
    lab.ok("dmsetup create ro --readonly --table '0 2048 linear /dev/ram1 0'")
    for flags in ("", "oflag=direct", "conv=fsync"):
        assert lab.run(f"dd if=/dev/zero of=/dev/mapper/ro bs=512 count=1 {flags} status=noxfer") == 1
        assert lab.stderr == ("dd: error writing '/dev/mapper/ro': Operation not permitted\n"
                              "1+0 records in\n0+0 records out\n")
    assert lab.run("dd if=/dev/mapper/ro of=/dev/null bs=512 count=1 status=noxfer") == 0


def test_unaligned_direct_io_is_einval(lab):
    assert lab.run("dd if=/dev/zero of=/dev/mapper/lin bs=100 count=1 oflag=direct status=noxfer") == 1
    assert lab.stderr == "dd: error writing '/dev/mapper/lin': Invalid argument\n1+0 records in\n0+0 records out\n"
    assert lab.run("dd if=/dev/mapper/lin of=/dev/null bs=100 count=1 iflag=direct status=noxfer") == 1
    assert lab.stderr == "dd: error reading '/dev/mapper/lin': Invalid argument\n0+0 records in\n0+0 records out\n"


@pytest.mark.parametrize("line, err", [
    ("dd foo=bar", "dd: unrecognized operand 'foo=bar'\nTry 'dd --help' for more information.\n"),
    ("dd if", "dd: unrecognized operand 'if'\nTry 'dd --help' for more information.\n"),
    ("dd bs=abc", "dd: invalid number: 'abc'\n"),
    ("dd bs=0", "dd: invalid number: '0'\n"),
    ("dd count=-1", "dd: invalid number: '-1'\n"),
    ("dd count=1Z", "dd: invalid number: '1Z': Value too large for defined data type\n"),
    ("dd bs=0x10", "dd: warning: '0x' is a zero multiplier; use '00x' if that is intended\n"
                   "dd: invalid number: '0x10'\n"),
    ("dd iflag=frob", "dd: invalid input flag: 'frob'\nTry 'dd --help' for more information.\n"),
    ("dd oflag=fullblock", "dd: invalid output flag: 'fullblock'\nTry 'dd --help' for more information.\n"),
    ("dd conv=frob", "dd: invalid conversion: 'frob'\nTry 'dd --help' for more information.\n"),
    ("dd status=frob", "dd: invalid status level: 'frob'\nTry 'dd --help' for more information.\n"),
    ("dd conv=lcase,ucase", "dd: cannot combine lcase and ucase\n"),
    ("dd -x", "dd: invalid option -- 'x'\nTry 'dd --help' for more information.\n"),
    ("dd if=/dev/zero of=/dev/null oflag=direct", "dd: failed to open '/dev/null': Invalid argument\n"),
    ("dd if=/dev/zero of=/dev/mapper/lin conv=excl", "dd: failed to open '/dev/mapper/lin': File exists\n"),
])
def test_operand_errors(lab, line, err):
    assert lab.run(line) == 1
    assert lab.stderr == err
    assert lab.stdout == ""


def test_help_and_version(lab):
    assert lab.run("dd --version") == 0
    assert lab.stdout.splitlines()[0] == "dd (coreutils) 9.1"
    assert lab.run("dd --help") == 0
    assert lab.stdout.startswith("Usage: dd [OPERAND]...\n  or:  dd OPTION\n")


def test_stdout_and_pipes(lab):
    assert lab.run("printf abcdefgh | dd bs=3 count=2 status=noxfer") == 0
    assert lab.stdout == "abcdef"
    assert lab.stderr == "2+0 records in\n2+0 records out\n"
    assert lab.run("printf abcdefgh | dd bs=3 skip=1 status=none") == 0
    assert lab.stdout == "defgh"
    assert lab.run("printf abc | dd bs=2 skip=5 status=noxfer") == 0
    assert lab.stderr == "dd: 'standard input': cannot skip to specified offset\n0+0 records in\n0+0 records out\n"
    # A pipe gives at most 64 KiB per read: dd warns about the partial read.
    assert lab.run("dd if=/dev/zero bs=1M count=1 status=none | dd of=/dev/null bs=256k count=2 status=noxfer") == 0
    assert lab.stderr == ("dd: warning: partial read (65536 bytes); suggest iflag=fullblock\n"
                          "0+2 records in\n0+2 records out\n")
    assert lab.run("dd if=/dev/zero bs=1 count=1 seek=1 status=noxfer") == 1
    assert lab.stderr == "dd: 'standard output': cannot seek: Illegal seek\n0+0 records in\n0+0 records out\n"


# --------------------------------------------------------------------------- data round trips
def test_data_written_by_dd_reads_back(lab):
    lab.ok("dd if=/dev/urandom of=/dev/mapper/lin bs=512 count=8 seek=16 status=none")
    on_disk = lab.disk("ram0", 16, 8)
    assert any(on_disk)
    assert lab.ok("dd if=/dev/mapper/lin bs=512 skip=16 count=8 2>/dev/null | md5sum") == \
        f"{hashlib.md5(on_disk).hexdigest()}  -\n"
    lab.ok("printf hello-seg | dd of=/dev/mapper/lin bs=512 seek=8 conv=notrunc 2>/dev/null")
    assert lab.disk("ram0", 8)[:10] == b"hello-seg\0"
    assert lab.ok("dd if=/dev/mapper/lin bs=512 skip=8 count=1 2>/dev/null | head -c 9") == "hello-seg"
    # Byte-granular buffered writes read-modify-write their block: the bytes around are kept.
    lab.ok("printf abc | dd of=/dev/mapper/lin bs=1 seek=4097 conv=notrunc status=none")
    assert lab.disk("ram0", 8)[:10] == b"habco-seg\0"


def test_urandom_is_deterministic_per_lab():
    outs = []
    for _ in range(2):
        lab = Lab()
        outs.append(lab.ok("dd if=/dev/urandom bs=64 count=2 status=none | md5sum"))
    assert outs[0] == outs[1]
    assert outs[0] != "d41d8cd98f00b204e9800998ecf8427e  -\n"


def test_each_block_is_one_bio_and_fsync_flushes_only_with_a_write_cache(lab):
    disk = lab.engine.block.disks["ram0"]
    seen: list[tuple[Op, int, int]] = []
    original = disk.submit

    def spy(bio):
        seen.append((bio.op, bio.sector, bio.nr_sectors))
        original(bio)

    disk.submit = spy
    lab.ok("dd if=/dev/zero of=/dev/mapper/lin bs=4096 count=3 oflag=direct conv=fsync status=none")
    assert seen == [(Op.WRITE, 0, 8), (Op.WRITE, 8, 8), (Op.WRITE, 16, 8)]  # brd: no cache, no flush
    seen.clear()
    disk.write_cache = True  # a disk with a volatile write cache gets the flush...
    lab.ok("dmsetup reload lin --table '0 2048 linear /dev/ram0 0'")  # ...once a table swap has seen it
    lab.ok("dmsetup resume lin")
    lab.ok("dd if=/dev/zero of=/dev/mapper/lin bs=4096 count=2 oflag=direct conv=fsync status=none")
    assert seen == [(Op.WRITE, 0, 8), (Op.WRITE, 8, 8), (Op.FLUSH, 0, 0)]
    seen.clear()
    lab.ok("dd if=/dev/zero of=/dev/mapper/lin bs=4096 count=2 oflag=direct,sync status=none")
    assert seen == [(Op.WRITE, 0, 8), (Op.FLUSH, 0, 0), (Op.WRITE, 8, 8), (Op.FLUSH, 0, 0)]


# --------------------------------------------------------------------------- held I/O
def test_dd_into_a_suspended_device_waits_for_resume(lab):
    lab.ok("dmsetup suspend lin")
    assert lab.run("printf held-by-suspend | dd of=/dev/mapper/lin bs=512 seek=2 conv=sync oflag=direct "
                   "status=noxfer &") == 0
    assert lab.stderr == ""  # still blocked: nothing printed yet
    lab.ok("sleep 1")
    md = lab.engine.dm.devices["lin"]
    assert md.open_count == 1
    assert lab.disk("ram0", 2) == bytes(512)
    assert lab.run("dmsetup remove lin") == 1
    assert "Device or resource busy" in lab.stderr
    lab.ok("dmsetup resume lin")  # the held write completes: dd ends and prints its records
    assert lab.stderr == "0+1 records in\n1+0 records out\n"
    assert lab.run("wait") == 0
    assert lab.disk("ram0", 2)[:15] == b"held-by-suspend"
    assert md.open_count == 0


def test_a_killed_dd_stays_in_d_state_until_its_io_completes(lab):
    # dd.oracle.txt: `timeout 3 dd ...` on a suspended device: the open count stays 1 after the kill,
    # dd prints nothing, and a held buffered write still reaches the disk after the resume.
    lab.ok("dmsetup suspend lin")
    lab.ok("printf timeout-write | timeout 3 dd of=/dev/mapper/lin bs=512 seek=1 conv=sync &")
    lab.ok("sleep 5")
    md = lab.engine.dm.devices["lin"]
    assert md.open_count == 1
    lab.ok("dmsetup resume lin")
    lab.ok("sleep 1")
    lab.run("wait")
    assert lab.stderr == ""
    assert md.open_count == 0
    assert lab.disk("ram0", 1)[:13] == b"timeout-write"


def test_script_with_background_dd_and_resume(tmp_path):
    script = tmp_path / "held.dmc"
    script.write_text(
        "modprobe brd rd_nr=1 rd_size=1024\n"
        "dmsetup create lin --table '0 2048 linear /dev/ram0 0'\n"
        "dmsetup suspend lin\n"
        "dd if=/dev/zero of=/dev/mapper/lin bs=4096 count=2 oflag=direct &\n"
        "sleep 1\n"
        "dmsetup info -c -o name,attr,open lin\n"
        "dmsetup resume lin\n"
        "wait\n"
    )
    from dmconsole.commands.runner import run_script

    class Sink:
        def __init__(self):
            self.data = b""

        def write(self, data):
            self.data += data

        def flush(self):
            pass

    out = Sink()
    status = run_script(script.read_text().splitlines(), stdout=out, stderr=out)
    assert status == 0
    text = out.data.decode()
    assert "lin              L-sw    1\n" in text
    # the statistics come after the resume, one lab second after dd started
    assert text.endswith("2+0 records in\n2+0 records out\n8192 bytes (8.2 kB, 8.0 KiB) copied, 1 s, 8.2 kB/s\n")


def test_endless_copies_and_tableless_devices_are_refused(lab):
    assert lab.run("dd if=/dev/zero of=/dev/null") == 1
    assert lab.stderr == "dd: copying /dev/zero to /dev/null without count= never ends; dmconsole refuses it\n"
    assert lab.run("dd if=/dev/urandom bs=1k | head -c 10") == 0  # a pipeline's status is head's
    assert lab.stderr == ("dd: copying /dev/urandom to standard output without count= never ends; "
                          "dmconsole refuses it\n")
    lab.ok("dmsetup create empty --notable")
    assert lab.run("dd if=/dev/mapper/empty of=/dev/null count=1") == 1  # no node before a table or resume
    assert lab.stderr == "dd: failed to open '/dev/mapper/empty': No such file or directory\n"
    lab.ok("dmsetup resume empty")
    assert lab.run("dd if=/dev/mapper/empty of=/dev/null count=1") == 1  # a node, but no gendisk
    assert lab.stderr == "dd: failed to open '/dev/mapper/empty': No such device or address\n"


def test_output_is_synchronized_even_after_a_write_error(lab):
    # Recorded on the oracle VM: a 6144-byte buffered write whose second page cannot be read for its
    # read-modify-write writes 4096 bytes, fails, and the fsync then reports the lost writeback.
    lab.ok("printf '0 16 error\\n16 2032 linear /dev/ram1 16\\n' | dmsetup create wbe")
    assert lab.run("dd if=/dev/zero of=/dev/mapper/wbe bs=6144 count=1 conv=fsync status=noxfer") == 1
    assert lab.stderr == ("dd: error writing '/dev/mapper/wbe': Input/output error\n"
                          "dd: fsync failed for '/dev/mapper/wbe': Input/output error\n"
                          "1+0 records in\n0+0 records out\n")
    assert lab.run("dd if=/dev/zero of=/dev/mapper/wbe bs=6144 count=1 conv=fdatasync status=noxfer") == 1
    assert lab.stderr == ("dd: error writing '/dev/mapper/wbe': Input/output error\n"
                          "dd: fdatasync failed for '/dev/mapper/wbe': Input/output error\n"
                          "1+0 records in\n0+0 records out\n")
    # With ibs != obs the failing write quits, and a failed fsync then exits without statistics.
    assert lab.run("dd if=/dev/zero of=/dev/mapper/wbe ibs=4096 obs=6144 count=2 conv=fsync status=noxfer") == 1
    assert lab.stderr == ("dd: writing to '/dev/mapper/wbe': Input/output error\n"
                          "dd: fsync failed for '/dev/mapper/wbe': Input/output error\n")
    assert lab.klog()[-1] == "Buffer I/O error on dev dm-2, logical block 0, lost async page write"
    # O_SYNC: every write is followed by an fsync of its range.
    assert lab.run("dd if=/dev/zero of=/dev/mapper/e bs=4096 count=2 oflag=sync status=noxfer") == 1
    assert lab.stderr == "dd: error writing '/dev/mapper/e': Input/output error\n1+0 records in\n0+0 records out\n"


def test_a_device_whose_size_is_not_a_page_multiple(lab):
    # 2047 sectors: 512-byte page-cache blocks, a short last page (oracle VM, "odd-sized device").
    lab.ok("dmsetup create odd --table '0 2047 linear /dev/ram1 0'")
    for flags in ("", "iflag=direct"):
        assert lab.run(f"dd if=/dev/mapper/odd of=/dev/null bs=4096 skip=255 count=2 {flags} status=noxfer") == 0
        assert lab.stderr == "0+1 records in\n0+1 records out\n"
    for flags in ("", "oflag=direct"):
        assert lab.run(f"dd if=/dev/zero of=/dev/mapper/odd bs=4096 seek=255 count=2 {flags} status=noxfer") == 1
        assert lab.stderr == ("dd: error writing '/dev/mapper/odd': No space left on device\n"
                              "1+0 records in\n0+0 records out\n")
    # A whole 512-byte block needs no read-modify-write, so a buffered write to an error table "works".
    lab.ok("dmsetup reload odd --table '0 2047 error'")
    lab.ok("dmsetup resume odd")
    assert lab.run("dd if=/dev/zero of=/dev/mapper/odd bs=512 count=1 status=noxfer") == 0
    assert lab.run("printf x | dd of=/dev/mapper/odd bs=1 seek=3 conv=notrunc status=noxfer") == 1
    assert lab.stderr == "dd: error writing '/dev/mapper/odd': Input/output error\n1+0 records in\n0+0 records out\n"
