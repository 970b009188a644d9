"""commands.messages: the message words of a device's live targets, their hints, and the lines built from them."""

from __future__ import annotations

from dmconsole.commands import Session
from dmconsole.commands.messages import (
    UNKNOWN,
    accepts_messages,
    device_messages,
    message_spec,
    message_specs,
    message_words,
)
from dmconsole.engine.dm.target import MessageArg, MessageSpec
from dmconsole.lab import Lab


def lab(*lines: str) -> tuple[Lab, Session, list[bytes]]:
    handle = Lab()
    out: list[bytes] = []
    session = Session(handle, out.append, out.append)
    for line in ("modprobe brd rd_nr=2 rd_size=4096", *lines):
        assert session.run_line(line) == 0, (line, b"".join(out))
    out.clear()
    return handle, session, out


def test_a_dust_device_offers_every_dust_message_with_hints():
    handle, _session, _out = lab("dmsetup create d1 --table '0 8192 dust /dev/ram0 0 512'",
                                 "dmsetup create l1 --table '0 8192 linear /dev/ram1 0'")
    snap = handle.view()
    found = {m.word: m for m in device_messages(snap.device("d1"))}
    assert list(found) == [spec.name for spec in message_specs("dust")]
    assert {"addbadblock", "removebadblock", "queryblock", "countbadblocks", "listbadblocks", "clearbadblocks",
            "enable", "disable", "quiet"} <= set(found)
    add = found["addbadblock"]
    assert (add.title, add.sector, add.target_type) == ("message d1 addbadblock", 0, "dust")
    assert add.needs_args and add.usage == "BLOCK [WRITE_FAIL_COUNT]"
    assert (add.spec.min_args, add.spec.max_args) == (1, 2)
    assert not found["countbadblocks"].needs_args
    assert all(message_spec("dust", word) is not UNKNOWN for word in found)
    # linear takes no messages at all
    assert device_messages(snap.device("l1")) == []
    assert accepts_messages(snap.device("d1")) and not accepts_messages(snap.device("l1"))


def test_lines_quote_each_argument_and_run_through_the_command_language():
    handle, session, out = lab("dmsetup create d1 --table '0 8192 dust /dev/ram0 0 512'")
    add = next(m for m in device_messages(handle.view().device("d1")) if m.word == "addbadblock")
    assert add.line() == "dmsetup message d1 0 addbadblock"
    assert add.line("5  3") == "dmsetup message d1 0 addbadblock 5 3"
    assert add.line("5; remove d1") == "dmsetup message d1 0 addbadblock '5;' remove d1"  # no shell syntax gets in
    assert add.check_args("") == "addbadblock needs BLOCK [WRITE_FAIL_COUNT]"
    assert add.check_args("1 2 3") == "addbadblock takes BLOCK [WRITE_FAIL_COUNT]"
    assert add.check_args("7") == "" and add.check_args(["7", "1"]) == ""
    assert session.run_line(add.line("7")) == 0
    count = next(m for m in device_messages(handle.view().device("d1")) if m.word == "countbadblocks")
    assert count.check_args("x") == "countbadblocks takes no arguments"
    assert session.run_line(count.line()) == 0
    assert b"".join(out) == b"countbadblocks: 1 badblock(s) found\n"
    assert handle.view().device("d1").live[0].detail.bad_block_count == 1


def test_a_device_with_several_targets_names_the_sector_of_each():
    handle, session, out = lab()
    assert session.run_line("printf '0 2048 linear /dev/ram0 0\\n2048 2048 dust /dev/ram1 0 512\\n"
                            "4096 2048 dust /dev/ram1 2048 512\\n' | dmsetup create mix") == 0
    dev = handle.view().device("mix")
    enables = [m for m in device_messages(dev) if m.word == "enable"]
    assert [(m.sector, m.title) for m in enables] == [(2048, "message mix 2048 enable"),
                                                       (4096, "message mix 4096 enable")]
    assert session.run_line(enables[1].line()) == 0
    statuses = [t.status for t in handle.view().device("mix").live]
    assert statuses[1].endswith("bypass verbose") and statuses[2].endswith("fail_read_on_bad_block verbose")
    assert message_words(dev, 0) == [] and "enable" in message_words(dev, 3000) and "quiet" in message_words(dev)


def test_spec_usage_counts():
    assert (MessageSpec("x").min_args, MessageSpec("x").max_args) == (0, 0)
    assert (UNKNOWN.min_args, UNKNOWN.max_args) == (0, None) and UNKNOWN.usage == "[ARGS...]"
    two = MessageSpec("create_snap", (MessageArg("DEV_ID"), MessageArg("ORIGIN_ID")))
    assert (two.min_args, two.max_args, two.usage) == (2, 2, "DEV_ID ORIGIN_ID")
    many = MessageSpec("invalidate_cblocks", (MessageArg("CBLOCK|BEGIN-END", repeats=True),))
    assert (many.min_args, many.max_args, many.usage) == (1, None, "CBLOCK|BEGIN-END...")
    assert message_spec("no-such-target", "frob") is UNKNOWN


def test_dust_block_messages_say_which_block_numbers_the_target_covers():
    handle, session, out = lab("dmsetup create d1 --table '0 4096 dust /dev/ram0 2048 1024'")
    found = {m.word: m for m in device_messages(handle.view().device("d1"))}
    # 1024-byte blocks = 2 sectors; the target maps sectors 2048..6143 of ram0, i.e. its blocks 1024..3071
    assert found["addbadblock"].note == ("BLOCK counts 1024-byte blocks of 1:0 from its start: "
                                         "this target reads and writes blocks 1024-3071")
    assert found["queryblock"].note == found["addbadblock"].note
    assert found["enable"].note == ""
    # and it is so: a bad block 1024 fails a read of the target's first block
    for line in ("dmsetup message d1 0 addbadblock 1024", "dmsetup message d1 0 enable"):
        assert session.run_line(line) == 0
    assert session.run_line("dd if=/dev/mapper/d1 of=/dev/null bs=1024 count=1 iflag=direct status=none") != 0
