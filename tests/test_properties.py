"""Malformed tables, messages and commands: no exception escapes, the error is the kernel's or
dmsetup's, and nothing changes state on a rejected command."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmconsole.commands import Session
from dmconsole.commands.dmsetup import COMMANDS
from dmconsole.commands.dmsetup.cli import usage_text
from dmconsole.engine import Engine
from dmconsole.lab import Lab

INTERNAL_ERROR = 70
TARGET_TYPES = ["linear", "striped", "zero", "error", "delay", "flakey", "dust", "nosuch", "thin-pool"]
WORDS = st.sampled_from(
    [
        "/dev/ram0",
        "/dev/ram1",
        "/dev/mapper/base",
        "1:0",
        "7:99",
        "/dev/nosuch",
        "0",
        "1",
        "2",
        "8",
        "128",
        "512",
        "4096",
        "-1",
        "x",
        "drop_writes",
        "error_writes",
        "corrupt_bio_byte",
        "r",
        "w",
        "65",
        "3600",
        "",
        "\\",
        "18446744073709551616",
    ]
)
ALLOWED_ERR = re.compile(
    r"^(device-mapper: \w+ ioctl on \S+ (\(\d+:\d+\))? failed: [A-Za-z ]+|Command failed\."
    r"|Invalid format on line \d+ of table .*\.|Incorrect number of arguments\.|Device does not exist\."
    r"|Invalid sector\.|No message supplied\.|dmsetup: (invalid|unrecognized) option.*"
    r"|Couldn't process command line\.)$"
)
USAGE_LINES = set(usage_text([(c.name, c.help) for c in COMMANDS]).splitlines())


def allowed(line: str) -> bool:
    """A line dmsetup itself prints on failure: one of its errors, or a line of its usage text."""
    return bool(ALLOWED_ERR.match(line)) or line in USAGE_LINES


def lab() -> tuple[Engine, Session, list[bytes], list[bytes]]:
    handle = Lab()
    engine = handle.engine
    out: list[bytes] = []
    err: list[bytes] = []
    session = Session(handle, out.append, err.append, block_bound=5.0)
    for line in (
        "modprobe brd rd_nr=2 rd_size=1024",
        "disk create sdb 1M --write-cache",
        "dmsetup create base --table '0 2048 linear /dev/ram0 0'",
        "dmsetup create dusty --table '0 2048 dust /dev/ram1 0 512'",
    ):
        assert session.run_line(line) == 0
    out.clear()
    return engine, session, out, err


def state(engine: Engine):
    """Everything a rejected command must leave as it was."""
    snap = engine.make_view()
    return [
        (d.name, d.devno, d.suspended, d.read_only, d.event_nr, d.size, d.live, d.has_inactive) for d in snap.devices
    ]


def table_lines():
    line = st.tuples(
        st.integers(0, 5000) | st.just(0),
        st.integers(0, 5000),
        st.sampled_from(TARGET_TYPES),
        st.lists(WORDS, max_size=9),
    ).map(lambda t: f"{t[0]} {t[1]} {t[2]} {' '.join(t[3])}")
    return st.lists(line, min_size=0, max_size=3).map("\n".join) | st.text(max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=table_lines())
def test_malformed_tables_are_rejected_cleanly(table):
    engine, session, out, err = lab()
    before = state(engine)
    status = session.run_line(f"dmsetup reload base --table {quote(table)}")
    assert status != INTERNAL_ERROR
    if status:
        assert state(engine) == before
        for line in b"".join(err).decode().splitlines():
            assert allowed(line), line
        klog = [entry.text for entry in engine.klog.lines()]
        assert all(text.startswith(("device-mapper: ", "brd: ")) for text in klog)
    err.clear()
    status = session.run_line(f"dmsetup create fresh --table {quote(table)}")
    assert status != INTERNAL_ERROR
    if status:
        assert "fresh" not in engine.dm.devices  # a failed create leaves no device behind
        for line in b"".join(err).decode().splitlines():
            assert allowed(line), line


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            [
                "addbadblock",
                "removebadblock",
                "queryblock",
                "countbadblocks",
                "clearbadblocks",
                "listbadblocks",
                "enable",
                "disable",
                "quiet",
                "frobnicate",
                "ADDBADBLOCK",
                "5",
                "4",
                "-3",
                "256",
                "0",
                "99999",
                "x",
                "@stats_list",
                "",
            ]
        ),
        max_size=4,
    ),
    device=st.sampled_from(["dusty", "base", "nosuch"]),
    sector=st.sampled_from(["0", "2047", "2048", "x"]),
)
def test_malformed_messages_are_rejected_cleanly(words, device, sector):
    engine, session, out, err = lab()
    before = state(engine)
    status = session.run_line(f"dmsetup message {device} {sector} {' '.join(quote(w) for w in words)}")
    assert status != INTERNAL_ERROR
    if status:
        assert state(engine) == before
        for line in b"".join(err).decode().splitlines():
            assert allowed(line), line


COMMAND_WORDS = st.sampled_from(
    [
        "dmsetup",
        "create",
        "remove",
        "suspend",
        "resume",
        "reload",
        "message",
        "status",
        "table",
        "info",
        "ls",
        "deps",
        "rename",
        "wait",
        "clear",
        "-c",
        "-o",
        "name,nosuch",
        "--noflush",
        "--table",
        "-u",
        "-f",
        "--target",
        "base",
        "dusty",
        "nosuch",
        "0",
        "x",
        "dd",
        "if=/dev/zero",
        "of=/dev/mapper/base",
        "bs=4k",
        "count=1",
        "blockdev",
        "--getsz",
        "disk",
        "fault",
        "powercut",
        "latency",
        "sdb",
        "--deferred",
        "remove_all",
        "resize",
        "+1M",
        "sleep",
        "echo",
        "|",
        "&",
        "'",
        '"',
        "#",
        "io",
        "help",
        "clock",
        "timeout",
        "1",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(COMMAND_WORDS, min_size=1, max_size=6))
def test_random_command_lines_never_escape(words):
    engine, session, out, err = lab()
    status = session.run_line(" ".join(words))
    assert isinstance(status, int)
    assert status != INTERNAL_ERROR, b"".join(err).decode()


def quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"
