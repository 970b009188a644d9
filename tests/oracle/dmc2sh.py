#!/usr/bin/env python3
"""Convert a .dmc scenario into a shell scenario for the oracle VM.

Usage: dmc2sh.py SCENARIO.dmc [OUT.sh]      (default output: stdout)

Rules (the .dmc language is a small shell subset, see tests/oracle/README.md):
  - the output starts with `. /oracle/lib.sh`;
  - `## TITLE`            -> section "TITLE"
  - `klog`                -> klog
  - `#...` comment lines and blank lines are dropped;
  - any other line L      -> xs 'L'   (single quotes escaped as '\\'')
xs (from the VM's lib.sh) prints "$ L", evals L in the current shell (so
`CMD &` and `wait` work as in a shell), then "[exit N]" when N != 0.
"""

import re
import sys


def sh_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


# Kernel messages that appear at a random moment, whatever the scenario does:
# dropped from `klog` so that transcripts are reproducible.
KLOG_NOISE = [
    "random: crng init done",
]

KLOG_FUNC = (
    "klog() {\n"
    "\tdmesg -c 2>/dev/null | sed -e 's/^\\[ *[0-9]*\\.[0-9]*\\] //' \\\n"
    + "".join("\t\t-e '/^{}$/d' \\\n".format(re.escape(n).replace("\\ ", " ")) for n in KLOG_NOISE)
    + "\t\t-e 's/^/[kmsg] /'\n"
    "}"
)


def convert(lines):
    out = [". /oracle/lib.sh", KLOG_FUNC]
    for raw in lines:
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if stripped.startswith("##"):
            title = stripped[2:].strip()
            out.append("section " + sh_quote(title))
        elif not stripped or stripped.startswith("#"):
            continue
        elif stripped == "klog":
            out.append("klog")
        else:
            out.append("xs " + sh_quote(stripped))
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: dmc2sh.py SCENARIO.dmc [OUT.sh]\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        text = convert(f)
    if len(argv) == 3:
        with open(argv[2], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
