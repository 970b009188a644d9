"""YAML stack files: the command lines they stand for, their errors, and the sample stacks building."""

from __future__ import annotations

import pytest

from dmconsole.commands.build import build_lab, load_stack
from dmconsole.lab import Lab
from dmconsole.lab.stack import StackError, find_sample, stack_lines


def test_a_stack_is_built_in_order_through_the_command_language():
    spec = {
        "brd": {"rd_nr": 1, "rd_size": 1024},
        "disks": [{"name": "sdb", "size": "8M", "write_cache": True}],
        "devices": [
            {"name": "lin", "table": "0 2048 linear /dev/sdb 0", "uuid": "LAB-1", "readonly": True},
            {"name": "two", "table": ["0 100 zero", "100 100 error"]},
        ],
        "messages": [{"device": "d", "message": "enable"}],
        "faults": [{"disk": "sdb", "fault": "error 0 8 r"}],
        "workloads": [{"name": "w", "device": "/dev/mapper/lin", "rw": "read", "read_pct": 100}],
        "commands": ["sleep 1"],
    }
    assert stack_lines(spec) == [
        "modprobe brd rd_nr=1 rd_size=1024",
        "disk create sdb 8M --write-cache",
        "dmsetup create lin --table '0 2048 linear /dev/sdb 0' -u LAB-1 --readonly",
        "dmsetup create two --table '0 100 zero\n100 100 error'",
        "dmsetup message d 0 enable",
        "disk fault sdb error 0 8 r",
        "io start w /dev/mapper/lin --rw read --read-pct 100",
        "sleep 1",
    ]


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ([], "a stack file is a mapping"),
        ({"disk": []}, "unknown key(s): disk"),
        ({"disks": {"name": "x"}}, "disks: must be a list of mappings"),
        ({"devices": [{"name": "x"}]}, "devices: an entry has no table"),
        ({"brd": 4}, "brd: needs rd_nr and rd_size"),
    ],
)
def test_malformed_stacks_are_refused(spec, error):
    with pytest.raises(StackError) as info:
        stack_lines(spec)
    assert str(info.value).startswith(error)


def test_the_first_failing_command_stops_the_build_with_its_error():
    lab = Lab()
    with pytest.raises(StackError) as info:
        load_stack(lab, {"devices": [{"name": "a", "table": "0 100 zero"}, {"name": "b", "table": "0 100 frob"}]})
    assert str(info.value).startswith("`dmsetup create b --table '0 100 frob'` failed: device-mapper: reload ioctl")
    assert [d.name for d in lab.view().devices] == ["a"]


@pytest.mark.parametrize("name", ["demo.yaml", "faults.yaml"])
def test_the_sample_stacks_build(name):
    lab = build_lab(str(find_sample(name)))
    devices = lab.view().devices
    assert devices and all(not dev.suspended and dev.live for dev in devices)
