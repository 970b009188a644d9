"""dmsetup's report options: -O sort keys, --rows, -S selection (libdm's language and errors), and the
switches around the report (--unbuffered, --count/--interval, --units) and the others dmsetup honours."""

from __future__ import annotations

import random

import pytest

from dmconsole.commands.dmsetup.cli import cookie_value, units_factor
from dmconsole.commands.dmsetup.regex import DmRegex
from dmconsole.commands.dmsetup.report import field_help

from .session_lab import TranscriptLab as Lab

HEADER = "Name             Maj Min Stat Open Targ Event  UUID                            "


@pytest.fixture
def lab() -> Lab:
    """b (suspended, 100 sectors), a2 (renamed, 1 event), c (open, with a UUID), d on top of c."""
    lab = Lab()
    for line in (
        "dmsetup create b --table '0 100 zero'",
        "dmsetup create a --table '0 200 zero'",
        "dmsetup create c --table '0 1024 linear /dev/ram0 0' -u UUID-C",
        "dmsetup create d --table '0 1024 linear /dev/mapper/c 0'",
        "dmsetup suspend b",
        "dmsetup rename a a2",
    ):
        assert lab.run(line) == 0, lab.text
    return lab


def names(lab: Lab, line: str) -> list[str]:
    """The first column of a report, without its heading."""
    assert lab.run(line) == 0, lab.text
    return [row.split()[0] for row in lab.lines[1:]]


# ----------------------------------------------------------------------------- -O
@pytest.mark.parametrize(
    ("keys", "order"),
    [
        ("name", ["a2", "b", "c", "d"]),
        ("-name", ["d", "c", "b", "a2"]),
        ("minor", ["b", "a2", "c", "d"]),
        ("-minor", ["d", "c", "a2", "b"]),
        ("open,-name", ["d", "b", "a2", "c"]),
        ("+open,+name", ["a2", "b", "d", "c"]),
        ("uuid", ["a2", "b", "d", "c"]),  # equal keys keep the order the devices came in
        ("attr,-events", ["a2", "c", "d", "b"]),
        ("-selected", ["a2", "b", "c", "d"]),
    ],
)
def test_sort_keys_in_order_with_descending_ones(lab: Lab, keys: str, order: list[str]):
    assert names(lab, f"dmsetup info -c -o name,open -O {keys}") == order


def test_a_sort_key_that_is_not_shown_sorts_all_the_same(lab: Lab):
    assert lab.run("dmsetup info -c -o name -O -events,-minor") == 0
    assert lab.lines == [
        "Name            ",
        "a2              ",
        "d               ",
        "c               ",
        "b               ",
    ]


def test_numbers_sort_as_numbers_and_names_byte_by_byte(lab: Lab):
    for name in ("x9", "x10", "X1"):  # minors 4, 5, 6
        assert lab.run(f"dmsetup create {name} --notable") == 0
    assert names(lab, "dmsetup info -c -o name -O name -S 'name=~^[xX]'") == ["X1", "x10", "x9"]
    assert names(lab, "dmsetup info -c -o name,minor -O minor -S 'name=~^[xX]'") == ["x9", "x10", "X1"]


def test_a_repeated_sort_key_is_ignored_with_a_warning(lab: Lab):
    assert lab.run("dmsetup info -c -o name -O name,-name") == 0
    assert lab.lines[0] == "dm_report: Ignoring duplicate sort field: name."
    assert lab.lines[2] == "a2              "


def test_an_unknown_sort_key_prints_the_field_list_and_fails(lab: Lab):
    assert lab.run("dmsetup info -c -O minor,nosuchfield") == 1
    assert lab.lines == field_help() + [" ", "dm_report: Unrecognised field: nosuchfield"]
    assert "  name_all              - All fields in this section." in lab.lines


def test_a_lone_minus_is_a_missing_sort_field(lab: Lab):
    assert lab.run("dmsetup info -c -O -") == 1
    assert lab.lines[0] == "dm_report: Missing sort field name"
    assert lab.lines[-1] == "dm_report: Unrecognised field: -"


def test_status_and_table_reports_cannot_sort(lab: Lab):
    assert lab.run("dmsetup status -c -O name") == 1
    assert lab.lines == ["--sort is not yet supported with status and table."]


# ----------------------------------------------------------------------------- --rows
def test_rows_put_each_field_on_a_line(lab: Lab):
    assert lab.run("dmsetup info -c --rows -o name,open,uuid") == 0
    assert lab.lines == ["Name a2 b c d", "Open 0 0 1 0", "UUID   UUID-C "]


def test_rows_without_headings_join_with_colons_or_the_separator(lab: Lab):
    assert lab.run("dmsetup info -c --rows --noheadings -o name,minor") == 0
    assert lab.lines == ["a2:b:c:d", "1:0:2:3"]
    assert lab.run("dmsetup info -c --rows --separator / -o name -O -name") == 0
    assert lab.lines == ["Name/d/c/b/a2"]


def test_rows_with_name_prefixes(lab: Lab):
    assert lab.run("dmsetup info -c --rows --nameprefixes -o name -S 'name=~^[ab]'") == 0
    assert lab.lines == ["Name DM_NAME='a2' DM_NAME='b'"]


# ----------------------------------------------------------------------------- -S
@pytest.mark.parametrize(
    ("selection", "picked"),
    [
        ("name=a2", ["a2"]),
        ("name!=a2", ["b", "c", "d"]),
        ("name='c'", ["c"]),
        ('uuid="UUID-C"', ["c"]),
        ("uuid=''", ["a2", "b", "d"]),
        ("open>0", ["c"]),
        ("minor>=2", ["c", "d"]),
        ("minor<1", ["b"]),
        ("minor<=1", ["a2", "b"]),
        ("minor=1.9", ["a2"]),  # a fraction is cut off
        ("minor!=0", ["a2", "c", "d"]),
        ("attr=~s", ["b"]),
        ("attr!~s", ["a2", "c", "d"]),
        ("name=~^[ab]", ["a2", "b"]),
        ("name=~[cd]", []),  # [ ] quote a regex: this one is `cd`
        ("name=~(a|d)", ["a2", "d"]),
        ("name=~{2}", ["a2"]),
        ("name=~'^.$'", ["b", "c", "d"]),
        ("name=~a.", ["a2"]),
        ("minor>=2 && open=0", ["d"]),
        ("minor>=2 , open=0", ["d"]),
        ("name=b || name=d", ["b", "d"]),
        ("name=b # name=d", ["b", "d"]),
        ("name=a2 || name=b && events>0", ["a2"]),  # && binds tighter
        ("(name=a2 || name=b) && events=0", ["b"]),
        ("!(name=a2)", ["b", "c", "d"]),
        ("!(name=a2 || open=1)", ["b", "d"]),
        ("!(!(name=a2))", ["b", "c", "d"]),  # libdm sets a flag: negating twice still negates
        ("  name = c  ", ["c"]),
        ("selected=1", ["a2", "b", "c", "d"]),
        ("all", ["a2", "b", "c", "d"]),
        ("ALL", ["a2", "b", "c", "d"]),
        ("", ["a2", "b", "c", "d"]),
        ("name=nosuch", []),
        ("name=", []),
        ("devs_used=c", ["d"]),
        ("device_ref_count>0", ["c"]),
    ],
)
def test_selection_operators(lab: Lab, selection: str, picked: list[str]):
    assert lab.run(f"dmsetup info -c -o name -S {selection!r}") == 0, lab.text
    assert [line.split()[0] for line in lab.lines[1:]] == picked
    if not picked:
        assert lab.lines == []  # nothing at all, not even the headings


def test_the_selected_field_shows_rows_that_do_not_pass(lab: Lab):
    assert lab.run("dmsetup info -c -o name,selected -S 'open=1'") == 0
    assert lab.lines == [
        "Name             Selected",
        "a2                      0",
        "b                       0",
        "c                       1",
        "d                       0",
    ]


def test_a_selection_field_that_is_not_shown_is_not_shown(lab: Lab):
    assert lab.run("dmsetup info -c -o name -S 'events=1' --noheadings") == 0
    assert lab.lines == ["a2"]


def test_selection_and_sorting_together(lab: Lab):
    assert names(lab, "dmsetup info -c -o name -S 'minor>0' -O -minor") == ["d", "c", "a2"]


ERRORS = {
    "open>x": ["Failed to parse numeric value for selection field open."],
    "open=1k": ["Found size unit specifier but numeric value expected for selection field open."],
    "open=1%": ["Found percent value but numeric value expected for selection field open."],
    "name=a2 name=b": ["Expecting logical operator"],
    "=1": ["Expecting field name"],
    "name=~": ["Regular expression expected for selection field name"],
    "name='x": ["Missing end quote.", "Failed to parse string value for selection field name."],
    "name=~(a|": ["Missing end quote.", "Failed to parse regex value for selection field name."],
}


@pytest.mark.parametrize("selection", sorted(ERRORS))
def test_selection_syntax_errors(lab: Lab, selection: str):
    assert lab.run(f"dmsetup info -c -S {selection!r}") == 1
    where = "name=b" if selection == "name=a2 name=b" else selection
    assert lab.lines == ERRORS[selection] + [f"Selection syntax error at '{where}'.", HELP_REF]


HELP_REF = "Use 'help' for selection to get more help."


def test_an_unknown_selection_field_prints_the_fields_with_their_types(lab: Lab):
    assert lab.run("dmsetup info -c -S 'nosuchfield=1'") == 1
    assert lab.lines == field_help(all_items=False, types=True) + [
        " ",
        "Unrecognised selection field: nosuchfield",
        "Selection syntax error at 'nosuchfield=1'.",
        HELP_REF,
    ]
    assert "  region_start          - Region start. [size]" in lab.lines
    assert "  help                  - Show help. [unselectable number]" in lab.lines


def test_help_cannot_be_selected(lab: Lab):
    assert lab.run("dmsetup info -c -S 'help=1'") == 1
    assert lab.lines[-3:] == ["Selection field is uncomparable: help.", "Selection syntax error at 'help=1'.", HELP_REF]


def test_an_operator_for_numbers_on_a_string_field_shows_the_operators(lab: Lab):
    assert lab.run("dmsetup info -c -S 'name>a && open=0'") == 1
    assert lab.lines[0] == "Selection operands"
    assert "        >=  - Greater than or equal to. [number, size, percent, time]" in lab.lines
    assert "      ||  - At least one field must match" in lab.lines
    assert lab.lines[-3:] == [
        "Operator can be used only with number, size, time or percent fields: name>a && open=0",
        "Selection syntax error at 'name>a && open=0'.",
        HELP_REF,
    ]


@pytest.mark.parametrize(
    ("selection", "lines"),
    [
        ("open=~1", ["dm_report: incompatible comparison type for selection field open"]),
        (
            "open=99999999999999999999",
            ["Field selection value 99999999999999999999 out of supported range for field open."],
        ),
        ("!name=a", ["Syntax error: left parenthesis expected at 'name=a'"]),
        ("(name=a", ["Syntax error: right parenthesis expected at ''"]),
        ("!(name=a", ["Syntax error: right parenthesis expected at ''"]),
        (
            "name=~a|",
            [
                "Badly formed 'or' expression",
                "missing ')' in regular expression",
                "Parse error in regex",
                "Couldn't parse regex",
                "dm_report: failed to create regex matcher for selection field name",
            ],
        ),
    ],
)
def test_errors_that_end_the_selection_without_a_syntax_error_line(lab: Lab, selection: str, lines: list[str]):
    assert lab.run(f"dmsetup info -c -S {selection!r}") == 1
    assert lab.lines == lines


def test_selection_help_shows_fields_and_operators_and_no_rows(lab: Lab):
    assert lab.run("dmsetup info -c -S help") == 0
    assert lab.lines[: len(field_help(False, True))] == field_help(False, True)
    assert "Selection operators" in lab.lines
    assert not any(line.startswith("a2") for line in lab.lines)


def test_a_long_field_name_is_too_long(lab: Lab):
    assert lab.run(f"dmsetup info -c -S '{'abcdefghij' * 4}=1'") == 1
    assert lab.lines[0] == "bcdefghij=1: field name too long."


def test_garbage_selections_never_raise():
    lab = Lab()
    assert lab.run("dmsetup create x --table '0 8 zero'") == 0
    rng = random.Random(7)
    alphabet = "name open minor uuid selected help = != < > ! ~ & | # , ( ) [ ] { } ' \" \\ ^ $ . * + ? 1 2 k % x"
    tokens = alphabet.split(" ")
    for _ in range(300):
        selection = "".join(rng.choice(tokens) for _ in range(rng.randint(1, 8)))
        quoted = selection.replace("'", "'\\''")
        assert lab.run(f"dmsetup info -c -o name -S '{quoted}'") in (0, 1)


# ----------------------------------------------------------------------------- -S on other commands
def test_status_and_table_run_on_the_selected_devices(lab: Lab):
    assert lab.run("dmsetup status -S name=c") == 0
    assert lab.lines == ["c: 0 1024 linear "]
    assert lab.run("dmsetup table -S 'name=~^[cd]'") == 0
    assert lab.lines == ["c: 0 1024 linear 1:0 0", "d: 0 1024 linear 254:2 0"]
    assert lab.run("dmsetup table -S 'name=~[cd]'") == 0  # the regex is `cd`: no device
    assert lab.lines == []


def test_selection_picks_the_devices_a_command_acts_on(lab: Lab):
    assert lab.run("dmsetup resume -S 'suspended=Suspended'") == 0
    assert lab.run("dmsetup info -c -o name,attr --noheadings") == 0
    assert lab.lines == ["a2:L--w", "b:L--w", "c:L--w", "d:L--w"]
    assert lab.run("dmsetup remove -S 'open=0 && name!=d'") == 0
    assert lab.run("dmsetup ls") == 0
    assert lab.lines == ["c\t(254:2)", "d\t(254:3)"]


def test_selection_among_the_devices_named(lab: Lab):
    assert lab.run("dmsetup status a2 b c -S 'minor>0'") == 0
    assert lab.lines == ["a2: 0 200 zero ", "c: 0 1024 linear "]


def test_a_failing_selected_command_fails_the_whole(lab: Lab):
    assert lab.run("dmsetup remove -S 'name=~^[cd]'") == 1
    assert lab.lines == ["device-mapper: remove ioctl on c  failed: Device or resource busy", "Command failed."]


def test_commands_without_devices_ignore_the_selection(lab: Lab):
    assert lab.run("dmsetup ls -S 'name=c'") == 0
    assert len(lab.lines) == 4
    assert lab.run("dmsetup info -S 'name=c'") == 0  # info without -c: no report, every device
    assert sum(line.startswith("Name:") for line in lab.lines) == 4


def test_deps_options_are_read_before_the_selection_turns_it_into_a_report(lab: Lab):
    assert lab.run("dmsetup deps -o devname -S name=d") == 1
    assert lab.lines[-1] == "Unrecognised field: devname"


# ----------------------------------------------------------------------------- around the report
def test_unbuffered_prints_each_row_as_it_comes(lab: Lab):
    assert lab.run("dmsetup create n --notable") == 0
    assert lab.run("dmsetup info -c --unbuffered -o name,blkdevname") == 1
    assert lab.lines == [
        "Name             BlkDevName      ",
        "a2               dm-1            ",
        "b                dm-0            ",
        "c                dm-2            ",
        "d                dm-3            ",
        "Could not resolve block device name for 254:4.",
        "_do_report_object: report function failed for field blkdevname",
        "Command failed.",
    ]
    assert lab.run("dmsetup info -c --unbuffered -O -name -o name -S 'name=~^[ab]'") == 0
    assert lab.lines == ["Name            ", "b               ", "a2              "]  # sorting buffers


def test_count_and_interval_repeat_the_report_on_the_lab_clock(lab: Lab):
    start = lab.engine.clock.now
    assert lab.run("dmsetup info -c -o name,events --count 3 --interval 2 a2") == 0
    report = ["Name             Event ", "a2                    1"]
    assert lab.lines == report + [""] + report + [""] + report
    assert lab.engine.clock.now == pytest.approx(start + 4)


def test_count_repeats_a_command_without_a_report(lab: Lab):
    assert lab.run("dmsetup targets --count 2") == 0
    assert len(lab.lines) % 2 == 0 and lab.lines[: len(lab.lines) // 2] == lab.lines[len(lab.lines) // 2 :]
    assert lab.run("dmsetup ls --interval 1") == 1
    assert lab.lines[0].startswith("dmconsole: dmsetup ls with --count 0 (or --interval without --count)")


def test_units_must_name_a_unit(lab: Lab):
    assert lab.run("dmsetup ls --units x") == 1
    assert lab.lines == ["Invalid --units argument."]
    assert lab.run("dmsetup ls --units 2k") == 0
    assert [units_factor(u) for u in ("k", "M", "2k", "1.5s", "h", "10", "", "0k")] == [
        1024,
        10**6,
        2048,
        768,
        1,
        0,
        0,
        0,
    ]


def test_an_incorrect_udev_cookie_is_said_and_ignored(lab: Lab):
    assert lab.run("dmsetup ls --udevcookie x") == 0
    assert lab.lines[0] == "Incorrect cookie value."
    assert [cookie_value(c) for c in ("0x10", "16", "010", "0", "x", "4294967296")] == [16, 16, 8, None, None, None]


def test_retry_tries_a_busy_remove_25_times_200ms_apart(lab: Lab):
    start = lab.engine.clock.now
    assert lab.run("dmsetup remove --retry c") == 1
    assert lab.lines == ["device-mapper: remove ioctl on c  failed: Device or resource busy"] * 25 + ["Command failed."]
    assert lab.engine.clock.now == pytest.approx(start + 24 * 0.2)


def test_checks_complain_of_a_suspended_device_below_but_suspend(lab: Lab):
    assert lab.run("dmsetup resume b") == 0
    assert lab.run("dmsetup create e --table '0 1024 linear /dev/mapper/d 0'") == 0
    assert lab.run("dmsetup suspend c") == 0
    assert lab.run("dmsetup suspend --checks d") == 0
    assert lab.lines == ["Internal error: Attempt to suspend device dthat uses already-suspended device (254:2)"]
    assert lab.run("dmsetup resume d") == 0
    assert lab.run("dmsetup suspend --checks e") == 0
    assert lab.lines == ["Internal error: Attempt to suspend device (254:3) that uses already-suspended device (254:2)"]
    assert lab.run("dmsetup suspend --checks nosuch") == 1
    assert lab.lines == ["device-mapper: deps ioctl on nosuch  failed: No such device or address", "Command failed."]


def test_addnodeoncreate_makes_the_node_at_create(lab: Lab):
    assert lab.run("dmsetup create n --notable") == 0
    assert lab.run("dmsetup info -c -o name /dev/mapper/n") == 1
    assert lab.run("dmsetup create n2 --notable --addnodeoncreate") == 0
    assert lab.run("dmsetup info -c -o name --noheadings /dev/mapper/n2") == 0
    assert lab.lines == ["n2"]


def test_name_mangling_is_refused_where_it_would_change_a_name(lab: Lab):
    assert lab.run("dmsetup create 'x y' --notable --manglename auto") == 1
    assert lab.lines[0] == 'dmconsole: the lab does not mangle names (--manglename auto), and "x y" would be mangled.'
    assert lab.run("dmsetup create x.y --notable --manglename hex") == 0
    assert lab.run("dmsetup create 'x z' --notable --manglename none") == 0


# ----------------------------------------------------------------------------- libdm's regex dialect
@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^[ab]", "a2", True),
        ("^[ab]", "c", False),
        ("s", "L-sw", True),
        ("^a$", "a", True),
        ("^a$", "ab", False),
        ("x|y", "zy", True),
        ("(ab)+c", "xababc", True),
        ("a{2}", "a{2}", True),  # braces are plain characters
        ("a.", "a", True),  # `.` matches the end marker, as in libdm
        ("[^a]", "a", True),  # so does a negated set
        ("[a-c-e]x", "dx", True),
        ("\\.", "a", False),
        ("b*", "", True),
    ],
)
def test_dm_regex(pattern: str, text: str, matches: bool):
    regex = DmRegex.create(pattern, lambda _: None)
    assert regex is not None and regex.matches(text) is matches


@pytest.mark.parametrize(
    ("pattern", "log"),
    [
        ("", ["missing ')' in regular expression"]),
        ("a|b|", ["Badly formed 'or' expression"] * 2 + ["missing ')' in regular expression"]),
        ("[z-a-", ["missing ')' in regular expression"] * 2),
        ("\\", ["missing ')' in regular expression"]),
    ],
)
def test_dm_regex_errors(pattern: str, log: list[str]):
    said: list[str] = []
    assert DmRegex.create(pattern, said.append) is None
    assert said == log + ["Parse error in regex", "Couldn't parse regex"]
