"""Run a .dmc scenario the way tests/oracle/dmc2sh.py runs it in the oracle VM.

Each command line prints `$ LINE`, its output (stdout and stderr in order), and
`[exit N]` when it fails; `## TITLE` prints a section header; `klog` prints the
kernel messages logged since the last `klog` as `[kmsg] ...` lines.
"""

from __future__ import annotations

from pathlib import Path

from dmconsole.commands import Session
from dmconsole.lab import Lab

HERE = Path(__file__).parent
ORACLE_DM_MAJOR = 254  # Debian's kernel gives device-mapper major 254


def run_scenario(text: str, dm_major: int = ORACLE_DM_MAJOR) -> str:
    lab = Lab(dm_major=dm_major)
    engine = lab.engine
    out: list[bytes] = []
    session = Session(lab, out.append, out.append, block_bound=120.0)
    for raw in text.splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("##")):
            continue
        if line.startswith("##"):
            out.append(f"\n==== {line[2:].strip()} ====\n".encode())
            continue
        if line == "klog":
            for entry in engine.klog.lines():
                out.append(f"[kmsg] {entry.text}\n".encode())
            engine.klog.clear()
            continue
        out.append(f"$ {line}\n".encode())
        status = session.run_line(line)
        if status:
            out.append(f"[exit {status}]\n".encode())
    return b"".join(out).decode("utf-8", "replace")


def scenarios(suffix: str) -> list[Path]:
    return sorted(p for p in HERE.glob("*.dmc") if (HERE / (p.stem + suffix)).exists())
