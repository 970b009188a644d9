"""YAML stack files: disks, devices with tables, messages, workloads, as the command lines that build them.

A stack file stands for a list of command lines (``stack_lines``); the commands layer runs them.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

DEMO_STACK = "demo.yaml"


class StackError(Exception):
    pass


def _sample_dirs() -> list[Path]:
    package = Path(__file__).resolve().parent.parent
    return [package / "data" / "sample_tables", package.parent / "sample_tables"]


def find_sample(name: str) -> Path:
    for folder in _sample_dirs():
        if (folder / name).is_file():
            return folder / name
    raise StackError(f"no sample stack {name!r}")


def stack_lines(spec: Any) -> list[str]:
    """The command lines a stack stands for, in build order; StackError for a malformed stack."""
    if not isinstance(spec, dict):
        raise StackError("a stack file is a mapping with disks:, devices:, messages:, workloads:, commands:")
    unknown = set(spec) - {"description", "brd", "disks", "devices", "messages", "faults", "workloads", "commands"}
    if unknown:
        raise StackError(f"unknown key(s): {', '.join(sorted(unknown))}")
    lines: list[str] = []
    brd = spec.get("brd")
    if brd is not None:
        if not isinstance(brd, dict):
            raise StackError("brd: needs rd_nr and rd_size (KiB)")
        lines.append(f"modprobe brd rd_nr={int(brd.get('rd_nr', 4))} rd_size={int(brd.get('rd_size', 65536))}")
    for disk in _items(spec, "disks"):
        name, size = _need(disk, "disks", "name"), _need(disk, "disks", "size")
        line = f"disk create {shlex.quote(str(name))} {shlex.quote(str(size))}"
        if disk.get("file"):
            line += f" --file {shlex.quote(str(disk['file']))}"
        if disk.get("write_cache"):
            line += " --write-cache"
        lines.append(line)
    for dev in _items(spec, "devices"):
        name, table = _need(dev, "devices", "name"), _need(dev, "devices", "table")
        if isinstance(table, list):
            table = "\n".join(str(t) for t in table)
        line = f"dmsetup create {shlex.quote(str(name))} --table {shlex.quote(str(table).strip())}"
        if dev.get("uuid"):
            line += f" -u {shlex.quote(str(dev['uuid']))}"
        if dev.get("readonly"):
            line += " --readonly"
        lines.append(line)
    for msg in _items(spec, "messages"):
        device, text = _need(msg, "messages", "device"), _need(msg, "messages", "message")
        lines.append(f"dmsetup message {shlex.quote(str(device))} {int(msg.get('sector', 0))} {text}")
    for fault in _items(spec, "faults"):
        disk, kind = _need(fault, "faults", "disk"), _need(fault, "faults", "fault")
        lines.append(f"disk fault {shlex.quote(str(disk))} {kind}")
    for load in _items(spec, "workloads"):
        name, device = _need(load, "workloads", "name"), _need(load, "workloads", "device")
        line = f"io start {shlex.quote(str(name))} {shlex.quote(str(device))}"
        for key in ("pattern", "rw", "read-pct", "bs", "rate", "duration", "span", "qd"):
            value = load.get(key, load.get(key.replace("-", "_")))
            if value is not None:
                line += f" --{key} {shlex.quote(str(value))}"
        lines.append(line)
    for command in spec.get("commands") or []:
        lines.append(str(command))
    return lines


def _items(spec: dict, key: str) -> list[dict]:
    items = spec.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise StackError(f"{key}: must be a list of mappings")
    return items


def _need(item: dict, section: str, key: str) -> Any:
    if item.get(key) in (None, ""):
        raise StackError(f"{section}: an entry has no {key}: {item}")
    return item[key]


def read_stack_file(path: str | Path) -> list[str]:
    """The command lines of a YAML stack file (StackError when it cannot be read or is malformed)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise StackError(err.strerror or str(err)) from None
    except UnicodeDecodeError as err:
        raise StackError(f"not UTF-8 text: {err.reason} at byte {err.start}") from None
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise StackError(f"not valid YAML: {err}") from None
    return stack_lines(spec)
