"""The one resolver: every word offered runs, dmsetup's words without `dmsetup`, the shell's `ls` and
`wait`, and completion from the same source."""

from __future__ import annotations

import pytest

from dmconsole.commands import registry
from dmconsole.commands.completion import candidates
from dmconsole.commands.resolver import command_for, first_words, resolve, sub_words

from .session_lab import Lab


@pytest.fixture
def lab() -> Lab:
    lab = Lab()
    for line in ("modprobe brd rd_nr=2 rd_size=1024", "dmsetup create lin --table '0 2048 linear /dev/ram0 0'",
                 "dmsetup create dusty --table '0 2048 dust /dev/ram1 0 512'"):
        lab.ok(line)
    return lab


def test_every_word_offered_at_the_start_of_a_line_runs(lab):
    for word in first_words():
        lab.run(word)
        assert "command not found" not in lab.stderr, word


def test_every_word_offered_after_a_group_word_runs(lab):
    for head in ("disk", "io", "dmsetup"):
        for word in sub_words(head):
            lab.run(f"{head} {word}")
            assert "command not found" not in lab.stderr, (head, word)


def test_a_group_word_alone_says_what_it_takes(lab):
    assert lab.run("disk") == 2
    assert lab.stderr == "dmconsole: disk: disk takes one of: create, fault, ls, powercut, rm (`help disk` says more)\n"
    assert lab.run("disk frob") == 2 and lab.stderr.startswith("dmconsole: disk frob: disk takes one of: create")


def test_dmsetup_words_run_without_dmsetup(lab):
    assert resolve(["wipe_table", "x"]).command is registry.REGISTRY["dmsetup"]
    assert resolve(["wipe_table", "x"]).args == ["wipe_table", "x"]
    assert lab.run("wipe_table") == 1 and lab.stderr == "No device specified.\nCommand failed.\n"
    assert lab.ok("table lin") == "0 2048 linear 1:0 0\n"
    assert command_for(["suspend", "lin"]) is registry.REGISTRY["dmsetup suspend"]
    assert command_for(["dmsetup", "-v", "remove", "lin"]) is registry.REGISTRY["dmsetup remove"]
    assert command_for(["timeout", "5", "remove", "lin"]).destructive


def test_ls_is_dmsetup_ls_unless_it_names_files(lab):
    assert lab.ok("ls") == "dusty\t(254:1)\nlin\t(254:0)\n"
    assert lab.ok("ls --target dust") == "dusty\t(254, 1)\n"
    assert lab.ok("ls --tree").startswith("dusty (254:1)\n")
    assert lab.run("ls -l /dev/ram0") == 2
    assert lab.stdout == ""
    assert lab.stderr == ("dmconsole: ls -l /dev/ram0: the lab has no files to list; `dmsetup ls` lists mapped "
                          "devices, `disk ls` lists disks\n")
    assert lab.run("ls /dev/mapper") == 2 and "no files to list" in lab.stderr


def test_wait_is_the_shells_for_jobs_and_dmsetups_for_a_device(lab):
    assert resolve(["wait"]).command is registry.REGISTRY["wait"]
    assert resolve(["wait", "%1"]).command is registry.REGISTRY["wait"]
    assert resolve(["wait", "lin", "0"]).command is registry.REGISTRY["dmsetup"]
    assert lab.run("wait") == 0
    assert lab.run("wait lin 7") == 0  # the event number is not 7: it returns at once


def test_help_names_a_dmsetup_command_with_or_without_dmsetup(lab):
    assert lab.ok("help suspend") == lab.ok("help dmsetup suspend")
    assert lab.stdout.startswith("dmsetup suspend [--noflush] [--nolockfs] <device>...\n")
    assert lab.run("help frobnicate") == 1 and lab.stderr == "help: no such command: frobnicate\n"
    assert "disk create" in lab.ok("help disk")


def test_completion_offers_commands_devices_paths_and_messages(lab):
    view = lab.lab.view()
    assert candidates(["dmsetup", "sus"], view) == ["suspend"]
    assert candidates(["sus"], view) == ["suspend"]
    assert candidates(["wipe"], view) == ["wipe_table"]
    assert candidates(["suspend", ""], view) == ["dusty", "lin"]
    assert candidates(["dmsetup", "status", "/dev/mapper/l"], view) == ["/dev/mapper/lin"]
    assert candidates(["disk", "fault", "ram"], view) == ["ram0", "ram1"]
    assert "create" in candidates(["disk", ""], view)
    assert candidates(["dd", "if=/dev/z"], view) == ["if=/dev/zero"]
    assert candidates(["dmsetup", "message", "dusty", "0", "add"], view) == ["addbadblock"]
    assert candidates(["message", "lin", "0", ""], view) == []  # linear takes no messages
