"""One home per target family: outside its module (and its console pane), nothing names a family.

The commands, the console (but for ``tui/panes/``) and the REPL learn what a target type is,
which messages it takes and what its view holds from the type's own declarations, never from
their own copies. This test looks at every string and attribute name in those layers.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import dmconsole
from dmconsole.engine import views
from dmconsole.engine.dm.target import TARGET_TYPES

PACKAGE = Path(dmconsole.__file__).parent
FRONT_ENDS = [PACKAGE / "commands", PACKAGE / "tui", PACKAGE / "repl", PACKAGE / "cli.py"]
PANES = PACKAGE / "tui" / "panes"

# Strings that are also a family's word but mean something of their own where they stand.
OWN_MEANING = {
    ("commands/dmsetup/commands.py", "error"): "wipe_table and remove -f load an `error` table: libdm's own code",
    ("commands/lab.py", "error"): "the lab's disk fault kind `error` (a failing range of a disk)",
    ("tui/app.py", "error"): "Textual's notification severity",
    ("tui/screens.py", "error"): "Textual's button variant",
}


def family_words() -> dict[str, str]:
    """The strings that belong to one family: its type name and its message words."""
    words: dict[str, str] = {}
    for name, cls in TARGET_TYPES.items():
        words[name] = f"the {name} target type"
        for spec in cls.messages:
            words.setdefault(spec.name, f"a {name} message")
    return words


def family_fields() -> dict[str, str]:
    """The attribute names that belong to one family: its view's fields (but for those the engine's own
    views have too, such as ``device``)."""
    generic = {f.name for view in (views.TargetView, views.DeviceView, views.DiskView, views.WorkloadView,
                                   views.EventView, views.EngineView) for f in dataclasses.fields(view)}
    fields: dict[str, str] = {}
    for name, cls in TARGET_TYPES.items():
        if cls.view_type is not None:
            for field in dataclasses.fields(cls.view_type):
                if field.name not in generic:
                    fields.setdefault(field.name, f"a field of {name}'s view")
    return fields


def front_end_files() -> list[Path]:
    files: list[Path] = []
    for root in FRONT_ENDS:
        files.extend([root] if root.is_file() else sorted(root.rglob("*.py")))
    return [f for f in files if PANES not in f.parents]


def strings_and_attributes(path: Path) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """String constants (docstrings left out) and attribute names in a file, with their line numbers."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    strings: set[tuple[str, int]] = set()
    attributes: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            strings.add((node.value, node.lineno))
        elif isinstance(node, ast.Attribute):
            attributes.add((node.attr, node.lineno))
    return strings, attributes


def violations() -> list[str]:
    words, fields = family_words(), family_fields()
    found = []
    for path in front_end_files():
        where = str(path.relative_to(PACKAGE))
        strings, attributes = strings_and_attributes(path)
        for word, line in sorted(strings):
            if word in words and (where, word) not in OWN_MEANING:
                found.append(f"{where}:{line}: {word!r} ({words[word]})")
        for name, line in sorted(attributes):
            if name in fields:
                found.append(f"{where}:{line}: .{name} ({fields[name]})")
    return found


def test_no_family_is_named_outside_its_home():
    assert violations() == []


def test_the_check_knows_the_families_words():
    assert {"dust", "striped", "linear", "addbadblock", "enable"} <= set(family_words())
    assert {"bad_blocks", "error_counts", "delays_ms"} <= set(family_fields())
    assert "device" not in family_fields()  # every view has one: it names no family


def test_the_check_finds_a_family_named_in_a_front_end(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('def f(view):\n    """Mentions dust in a docstring: fine."""\n'
                     '    return view.bad_blocks if view.type == "dust" else None\n')
    strings, attributes = strings_and_attributes(probe)
    assert ("dust", 3) in strings and ("bad_blocks", 3) in attributes
    assert ("Mentions dust in a docstring: fine.", 2) not in strings
