"""The README's layout section names the tree as it is."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def layout_paths() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Layout") :]
    block = section.split("\n\n", 2)[2]  # the indented block after the introduction
    return re.findall(r"^    ((?:dmconsole|themes|sample_tables|tests|benchmarks)[\w/.]*)", block, re.M)


def test_every_path_the_layout_names_exists():
    paths = layout_paths()
    assert len(paths) >= 10
    missing = [p for p in paths if not (ROOT / p.rstrip("/")).exists()]
    assert missing == []


def test_every_package_of_the_tree_is_in_the_layout():
    named = {p.rstrip("/") for p in layout_paths()}
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "dmconsole").glob("*/__init__.py")}
    packages |= {str(p.parent.relative_to(ROOT)) for p in (ROOT / "dmconsole" / "engine").glob("*/__init__.py")}
    packages.discard("dmconsole/engine")  # named by its parts
    assert packages - named == set()
