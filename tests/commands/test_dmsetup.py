"""dmsetup's command line, error texts, reports and trees, as libdevmapper 1.02.185 prints them."""

from __future__ import annotations

import pytest

from dmconsole.commands.dmsetup.cli import UsageError, c_atoi, parse_options
from dmconsole.commands.dmsetup.common import parse_table_line
from dmconsole.commands.dmsetup.report import parse_fields, split_name

from .session_lab import TranscriptLab as Lab

HEADER = "Name             Maj Min Stat Open Targ Event  UUID                            "


@pytest.fixture
def lab() -> Lab:
    lab = Lab()
    assert lab.run("dmsetup create a --table '0 8192 linear /dev/ram0 0'") == 0
    return lab


# ----------------------------------------------------------------------------- the command line
@pytest.mark.parametrize(
    ("line", "first"),
    [
        ("dmsetup create x --frob '0 10 zero'", "dmsetup: unrecognized option '--frob'"),
        ("dmsetup ls --frob=1", "dmsetup: unrecognized option '--frob=1'"),
        ("dmsetup create x --table", "dmsetup: option '--table' requires an argument"),
        ("dmsetup message a -1 x", "dmsetup: invalid option -- '1'"),
        ("dmsetup ls --t", "dmsetup: option '--t' is ambiguous; possibilities: '--table' '--target' '--tree'"),
        ("dmsetup create x --notable --table '0 10 zero'", "--table and --notable are incompatible."),
        ("dmsetup -j 254 info", "Please specify both major number and minor number."),
        ("dmsetup create x --mode 9", "Invalid argument for --mode: 9. "),
    ],
)
def test_command_line_errors_stop_before_anything_runs(lab: Lab, line: str, first: str):
    assert lab.run(line) == 1
    assert lab.lines == [first, "Couldn't process command line."]
    assert sorted(lab.engine.dm.devices) == ["a"]


def test_getopt_permutes_and_stops_at_double_dash():
    opts, rest = parse_options(["info", "-c", "a", "--", "-b"])
    assert opts.has("columns") and rest == ["info", "a", "-b"]
    opts, rest = parse_options(["create", "x", "--table=0 1 zero", "-ro", "name"])
    assert opts.get("table") == "0 1 zero" and opts.has("readonly") and opts.get("options") == "name"
    with pytest.raises(UsageError):
        parse_options(["-C", "-Z"])


def test_atoi_reads_what_it_can():
    assert [c_atoi(t) for t in ("12", " -3x", "x", "+7", "")] == [12, -3, 0, 7, 0]


def test_unknown_command_and_wrong_argument_counts_print_the_usage(lab: Lab):
    assert lab.run("dmsetup frobnicate") == 1
    assert lab.lines[:3] == ["Unknown command.", "Usage:", ""]
    assert "\tremove [--deferred] [-f|--force] [--retry] <device>..." in lab.lines
    assert lab.lines[-2:] == ["                           blkdevname, [no]device, active, open, rw and uuid.", ""]
    assert lab.text.endswith("uuid.\n\n")
    for line in ("dmsetup rename a b c", "dmsetup message a", "dmsetup version x"):
        assert lab.run(line) == 1
        assert lab.lines[:2] == ["Incorrect number of arguments.", "Usage:"]
    assert lab.run("dmsetup") == 1
    assert lab.lines[0] == "Usage:"


def test_help_prints_the_usage_and_succeeds(lab: Lab):
    assert lab.run("dmsetup --help") == 0
    assert lab.lines[0] == "Usage:"
    assert lab.run("dmsetup help -c") == 0
    assert "Mapped Device Name Fields" in lab.lines
    assert lab.run("dmsetup --version info") == 0
    assert lab.lines == ["Library version:   1.02.185 (2022-05-18)", "Driver version:    4.47.0"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("dmsetup create", "Please provide a name for the new device."),
        ("dmsetup remove", "No device specified."),
        ("dmsetup rename a", "No device specified."),
        ("dmsetup suspend", "No device specified."),
        ("dmsetup resume", "No device specified."),
        ("dmsetup wait", "No device specified."),
        ("dmsetup create x/y --table '0 1 zero'", 'Name "x/y" invalid. It contains "/".'),
        ("dmsetup info /dev/mapper/nosuch", "Device /dev/mapper/nosuch not found"),
        ("dmsetup reload a --notable", "--notable only available when creating new device."),
        ("dmsetup message a x hello", "Invalid sector."),
    ],
)
def test_missing_or_bad_arguments_fail_the_command(lab: Lab, line: str, message: str):
    assert lab.run(line) == 1
    assert lab.lines == [message, "Command failed."]


# ----------------------------------------------------------------------------- table text
def test_table_lines_are_scanned_like_sscanf():
    assert parse_table_line("  0 100 zero  ") == (0, 100, "zero", "")
    assert parse_table_line("0 10 linear /dev/ram0 0 # note") == (0, 10, "linear", "/dev/ram0 0 ")
    assert parse_table_line("-1 100 zero") == (2**64 - 1, 100, "zero", "")
    assert parse_table_line("# comment") is True
    assert parse_table_line("") is True
    for bad in ("0 abc zero", "0 100", "zero", "0x10 5 zero"):
        assert parse_table_line(bad) is None


def test_bad_table_lines_name_the_line_and_the_source(lab: Lab):
    assert lab.run("dmsetup create s1 --table '0 abc zero'") == 1
    assert lab.lines == ["Invalid format on line 1 of table .", "Command failed."]
    assert lab.run("printf '0 100 zero\\n\\nfoo\\n' | dmsetup create q") == 1
    assert lab.lines == ["Invalid format on line 3 of table on stdin.", "Command failed."]
    assert sorted(lab.engine.dm.devices) == ["a"] and not lab.engine.klog.lines()[1:]


def test_a_negative_start_reaches_the_kernel(lab: Lab):
    lab.engine.klog.clear()
    assert lab.run("dmsetup create s4 --table '-1 100 zero'") == 1
    assert lab.lines == ["device-mapper: reload ioctl on s4 (254:1) failed: Invalid argument", "Command failed."]
    assert lab.engine.klog.lines()  # the kernel said why
    assert "s4" not in lab.engine.dm.devices


def test_empty_stdin_creates_a_device_without_a_table(lab: Lab):
    assert lab.run("printf '' | dmsetup create x") == 0
    assert lab.run("dmsetup info x") == 0
    assert lab.lines[:4] == [
        "Name:              x",
        "State:             ACTIVE",
        "/dev/mapper/x: open failed: No such file or directory",
        "Tables present:    None",
    ]
    assert lab.run("dmsetup info -c -o name,attr,tables_loaded x") == 0
    assert lab.lines == ["Name             Stat Tables", "x                ---w None  "]
    assert lab.run("dmsetup reload a") == 1
    assert lab.lines == ["device-mapper: reload ioctl on a  failed: Invalid argument", "Command failed."]


def test_a_resume_without_a_table_makes_the_node(lab: Lab):
    assert lab.run("dmsetup create n --notable") == 0
    assert lab.run("dmsetup resume n") == 0
    assert lab.run("dmsetup info n") == 0
    assert lab.lines[2] == "/dev/mapper/n: open failed: No such device or address"
    assert lab.run("dmsetup load n --table '0 1024 zero'") == 0
    assert lab.run("dmsetup info n") == 0
    assert lab.lines[1:4] == ["State:             ACTIVE", "Read Ahead:        256", "Tables present:    INACTIVE"]


# ----------------------------------------------------------------------------- several devices, missing devices
def test_several_names_stop_at_the_first_failure(lab: Lab):
    assert lab.run("dmsetup create c --table '0 10 zero'") == 0
    assert lab.run("dmsetup info a nosuchdev c") == 1
    assert lab.lines[0] == "Name:              a"
    assert lab.lines[-2:] == ["Device does not exist.", "Command failed."]
    assert "Name:              c" not in lab.lines
    assert lab.run("dmsetup remove nosuchdev c") == 1
    assert "c" in lab.engine.dm.devices
    assert lab.run("dmsetup table nosuchdev a") == 1
    assert lab.lines == [
        "device-mapper: table ioctl on nosuchdev  failed: No such device or address",
        "Command failed.",
    ]
    assert lab.run("dmsetup status a nosuchdev") == 1
    assert lab.lines == ["a: 0 8192 linear ", "Device does not exist.", "Command failed."]


@pytest.mark.parametrize(
    "op", ["table", "deps", "suspend", "resume", "clear", "remove", "rename nosuchdev x", "message nosuchdev 0 x"]
)
def test_ioctls_on_a_missing_device_say_no_such_device(lab: Lab, op: str):
    line = f"dmsetup {op}" if " " in op else f"dmsetup {op} nosuchdev"
    name = op.split()[0]
    assert lab.run(line) == 1
    assert lab.lines == [
        f"device-mapper: {name} ioctl on nosuchdev  failed: No such device or address",
        "Command failed.",
    ]


def test_wait_on_a_missing_device_is_a_waitevent_ioctl(lab: Lab):
    assert lab.run("dmsetup wait nosuchdev") == 1
    assert lab.lines[0] == "device-mapper: waitevent ioctl on nosuchdev  failed: No such device or address"
    assert lab.run("dmsetup mknodes nosuchdev") == 0 and lab.text == ""


def test_ioctl_errors_name_the_device_as_the_task_did(lab: Lab):
    assert lab.run("dmsetup create u1 -u SAME --table '0 10 zero'") == 0
    assert lab.run("dmsetup create u2 -u SAME --table '0 10 zero'") == 1
    assert lab.lines[0] == "device-mapper: create ioctl on u2 SAME failed: Device or resource busy"
    assert lab.run("dmsetup table -u NOPE") == 1
    assert lab.lines[0] == "device-mapper: table ioctl on  NOPE failed: No such device or address"
    assert lab.run("dmsetup -j 254 -m 99 table") == 1
    assert lab.lines[0] == "device-mapper: table ioctl on  (254:99) failed: No such device or address"
    assert lab.run("dmsetup -j 254 -m 0 table") == 0
    assert lab.lines == ["0 8192 linear 1:0 0"]


# ----------------------------------------------------------------------------- remove
def test_remove_force_of_a_missing_device_tries_table_reload_and_remove(lab: Lab):
    assert lab.run("dmsetup remove -f nosuchdev") == 1
    assert lab.lines == [
        "device-mapper: table ioctl on nosuchdev  failed: No such device or address",
        "device-mapper: reload ioctl on nosuchdev  failed: No such device or address",
        "device-mapper: remove ioctl on nosuchdev  failed: No such device or address",
        "Command failed.",
    ]


def test_remove_force_of_an_open_device_leaves_it_with_an_error_table(lab: Lab):
    assert lab.run("dmsetup create top --table '0 8192 linear /dev/mapper/a 0'") == 0
    assert lab.run("dmsetup remove -f a") == 1
    assert lab.lines == ["device-mapper: remove ioctl on a  failed: Device or resource busy", "Command failed."]
    assert lab.run("dmsetup table a") == 0
    assert lab.lines == ["0 8192 error "]
    assert lab.run("dmsetup info -c -o name,attr,open a") == 0
    assert lab.lines[1] == "a                L--w    1"


def test_remove_all_removes_holders_first_and_says_nothing(lab: Lab):
    assert lab.run("dmsetup create top --table '0 8192 linear /dev/mapper/a 0'") == 0
    assert lab.run("dmsetup remove_all") == 0 and lab.text == ""
    assert lab.engine.dm.devices == {}
    assert lab.run("dmsetup ls --tree") == 0
    assert lab.lines == ["No devices found"]


# ----------------------------------------------------------------------------- message, wait, rename
def test_message_without_words_still_asks_the_kernel(lab: Lab):
    lab.engine.klog.clear()
    assert lab.run("dmsetup message a 0") == 1
    assert lab.lines == [
        "No message supplied.",
        "device-mapper: message ioctl on a  failed: Invalid argument",
        "Command failed.",
    ]
    assert [e.text for e in lab.engine.klog.lines()] == ["device-mapper: ioctl: Empty message received."]


def test_wait_returns_at_once_once_the_event_number_has_moved(lab: Lab):
    assert lab.run("dmsetup rename a a2") == 0
    assert lab.run("dmsetup wait a2 0") == 0 and lab.text == ""
    assert lab.run("dmsetup -v wait a2") == 0
    assert lab.lines[0] == "Name:              a2" and "Event number:      1" in lab.lines


def test_a_verbose_wait_woken_by_a_rename_shows_the_name_it_waited_on(lab: Lab):
    assert lab.run("dmsetup -v wait a 0 &") == 0
    assert lab.run("sleep 1") == 0
    assert lab.run("dmsetup rename a a0") == 0
    assert lab.lines[:2] == ["Name:              a", "State:             ACTIVE"]
    assert "Event number:      1" in lab.lines


def test_rename_checks_the_new_name(lab: Lab):
    assert lab.run("dmsetup rename a x/y") == 1
    assert lab.lines == ['Name "x/y" invalid. It contains "/".', "Command failed."]
    assert lab.run("dmsetup rename --setuuid a NEW") == 0
    assert lab.run("dmsetup info -c -o name,uuid -u NEW") == 0
    assert lab.lines[1].split() == ["a", "NEW"]


# ----------------------------------------------------------------------------- info -c
def test_report_errors_come_before_the_buffered_rows(lab: Lab):
    assert lab.run("dmsetup -c info a b") == 1
    assert lab.lines == [
        "Device does not exist.",
        "Command failed.",
        HEADER,
        "a                254   0 L--w    0    1      0                                 ",
    ]


def test_report_layouts(lab: Lab):
    assert lab.run("dmsetup create c -u UUID-C --table '0 10 zero'") == 0
    assert lab.run("dmsetup info -c --noheadings") == 0
    assert lab.lines == ["a:254:0:L--w:0:1:0:", "c:254:1:L--w:0:1:0:UUID-C"]
    assert lab.run("dmsetup info -C --separator : -o name,minor") == 0
    assert lab.lines == ["Name:Min", "a:0", "c:1"]
    assert lab.run("dmsetup info -c -o name,events,Tables_Loaded c") == 0
    assert lab.lines == ["Name             Event  Tables", "c                     0 Live  "]
    assert lab.run("dmsetup info -c --nameprefixes --noheadings -o name,uuid c") == 0
    assert lab.lines == ["DM_NAME='c':DM_UUID='UUID-C'"]


def test_an_unknown_field_lists_the_fields_and_runs_nothing(lab: Lab):
    assert lab.run("dmsetup info -c -o name,frobfield") == 1
    assert lab.lines[:3] == [
        "Mapped Device Name Fields",
        "-------------------------",
        "  name_all              - All fields in this section.",
    ]
    assert lab.lines[-3:] == ["  ?                     - Show help.", " ", "Unrecognised field: frobfield"]
    assert "Command failed." not in lab.lines


def test_field_names_and_sections():
    fields, bad = parse_fields("name,,info_all")
    assert fields is not None and bad == ""
    assert [f.id for f in fields][:3] == ["name", "blkdevname", "attr"]
    assert parse_fields("name,")[1] == ""  # an empty word at the end matches nothing
    assert parse_fields("name,")[0] is None


def test_a_device_that_never_had_a_table_has_no_block_device_name(lab: Lab):
    assert lab.run("dmsetup create n2 --notable") == 0
    assert lab.run("dmsetup info -c -o name,blkdevname,read_ahead") == 1
    assert lab.lines == [
        "Could not resolve block device name for 254:1.",
        "_do_report_object: report function failed for field blkdevname",
        "Command failed.",
        "Name             BlkDevName       RAhead",
        "a                dm-0                256",
    ]
    assert lab.run("dmsetup info -c -o name,read_ahead n2") == 0
    assert lab.lines == [
        "/dev/mapper/n2: open failed: No such file or directory",
        "Name             RAhead",
        "n2                    0",
    ]
    assert lab.run("dmsetup ls -o blkdevname") == 0
    assert lab.lines == ["a\t(dm-0)", "n2\t(254:1)"]


def test_relationship_fields(lab: Lab):
    assert lab.run("dmsetup create b --table '0 4096 linear /dev/ram1 0'") == 0
    assert (
        lab.run("printf '0 4096 linear /dev/mapper/b 0\\n4096 4096 linear /dev/mapper/a 0\\n' | dmsetup create top")
        == 0
    )
    assert lab.run("dmsetup info -c -o name,device_count,devs_used,devnos_used,blkdevs_used,names_using_dev top a") == 0
    assert lab.lines == [
        "Name             #Devs DevNamesUsed     DevNosUsed       BlkDevNamesUsed  RefNames",
        "top                  2 a,b              254:0,254:1      dm-0,dm-1                ",
        "a                    1                  1:0              ram0             top     ",
    ]


def test_split_names():
    assert split_name("LVM-abc", "vg-lv--x-layer", "-") == ("LVM", "vg", "lv-x", "layer")
    assert split_name("CRYPT-x", "vg-lv", "-") == ("CRYPT", "", "", "")
    assert split_name("", "vg-lv", "-") == ("", "", "", "")


# ----------------------------------------------------------------------------- status, table, ls, deps, tree
def test_status_and_table_prefixes_and_targets(lab: Lab):
    assert lab.run("printf '0 4096 linear /dev/ram1 0\\n4096 4096 zero\\n' | dmsetup create b") == 0
    assert lab.run("dmsetup create n --notable") == 0
    assert lab.run("dmsetup status") == 0
    assert lab.lines == ["a: 0 8192 linear ", "b: 0 4096 linear ", "b: 4096 4096 zero ", "n: "]
    assert lab.run("dmsetup table --target zero") == 0
    assert lab.lines == ["b: 4096 4096 zero "]
    assert lab.run("dmsetup table --target nosuch") == 0 and lab.text == ""
    assert lab.run("dmsetup table n") == 0 and lab.text == "\n"
    assert lab.run("dmsetup ls --target linear --tree") == 0
    assert lab.lines == ["a\t(254, 0)", "b\t(254, 1)"]


def test_concise_tables_round_trip(lab: Lab):
    assert lab.run("dmsetup create --concise 'c1,,,ro,0 10 zero,10 10 error;c2,U2,7,,0 5 zero'") == 0
    assert lab.run("dmsetup table --concise c1 c2") == 0
    assert lab.text == "c1,,1,ro,0 10 zero ,10 10 error ;c2,U2,7,rw,0 5 zero \n"
    assert lab.run("dmsetup create --concise 'x,,;'") == 1
    assert lab.lines == [
        "Five comma-separated fields are required for each device",
        "Parsed 3 fields: name: x uuid:  minor:  flags: (null) table: (null)",
        "Command failed.",
    ]
    assert lab.run("dmsetup create --concise 'x,,'") == 1
    assert lab.lines[0] == "Incomplete entry: five comma-separated fields are required for each device"


def test_deps_orders_and_names(lab: Lab):
    assert lab.run("dmsetup create d --table '0 2048 linear /dev/ram2 0'") == 0
    assert (
        lab.run("printf '0 4096 linear /dev/mapper/a 0\\n4096 2048 linear /dev/mapper/d 0\\n' | dmsetup create top")
        == 0
    )
    assert lab.run("dmsetup deps top") == 0
    assert lab.lines == ["2 dependencies\t: (254, 1) (254, 0)"]
    assert lab.run("dmsetup deps -o devname a top") == 0
    assert lab.lines == ["a: 1 dependencies\t: (ram0)", "top: 2 dependencies\t: (d) (a)"]
    assert lab.run("dmsetup deps -o blk top") == 0
    assert lab.lines == ["2 dependencies\t: (dm-1) (dm-0)"]
    assert lab.run("dmsetup deps -o frob") == 1
    assert lab.lines == ["Option not recognised: frob.", "Couldn't process command line."]


def test_ls_tree_and_inverted(lab: Lab):
    assert lab.run("dmsetup create b --table '0 4096 linear /dev/ram1 0'") == 0
    assert lab.run("dmsetup create c --table '0 10 zero'") == 0
    assert (
        lab.run("printf '0 4096 linear /dev/mapper/b 0\\n4096 4096 linear /dev/mapper/a 0\\n' | dmsetup create top")
        == 0
    )
    assert lab.run("dmsetup ls --tree") == 0
    assert lab.lines == ["c (254:2)", "top (254:3)", " |-a (254:0)", " |  `- (1:0)", " `-b (254:1)", "    `- (1:1)"]
    assert lab.run("dmsetup ls --tree -o inverted") == 0
    assert lab.lines == [
        " (1:0)",
        " `-a (254:0)",
        "    `-top (254:3)",
        " (1:1)",
        " `-b (254:1)",
        "    `-top (254:3)",
        "c (254:2)",
    ]
    assert lab.run("dmsetup ls --tree -o active,rw,open") == 0
    assert lab.lines[1] == "top (254:3) [ACTIVE, RW, 0]"
    assert lab.run("dmsetup ls --tree -o frob") == 1
    assert lab.lines == ["Tree options not recognised: frob.", "Couldn't process command line."]


def test_a_table_on_its_own_device_is_not_drawn(lab: Lab):
    assert lab.run("dmsetup create self --table '0 100 zero'") == 0
    assert lab.run("dmsetup reload self --table '0 100 linear /dev/mapper/self 0'") == 0
    assert lab.run("dmsetup resume self") == 0
    assert lab.run("dmsetup ls --tree") == 0
    assert lab.lines == ["a (254:0)", " `- (1:0)"]


# ----------------------------------------------------------------------------- targets, version
def test_targets_lists_the_registered_types_in_the_kernels_order(lab: Lab):
    assert lab.run("dmsetup targets") == 0
    assert lab.lines == [
        "zero             v1.1.0",
        "delay            v1.3.0",
        "dust             v1.0.0",
        "flakey           v1.5.0",
        "striped          v1.6.0",
        "linear           v1.4.0",
        "error            v1.5.0",
    ]
    assert lab.run("dmsetup target-version linear nosuch") == 1
    assert lab.lines == [
        "linear           v1.4.0",
        "device-mapper: target-version ioctl on nosuch  failed: Invalid argument",
        "Command failed.",
    ]
