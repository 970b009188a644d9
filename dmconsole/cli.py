"""The `dmconsole` command: the console, `run`, `repl` and `load-stack`."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dmconsole", description="device-mapper laboratory and console")
    sub = parser.add_subparsers(dest="cmd")
    tui = sub.add_parser("console", help="the Textual console (the default)")
    tui.add_argument("--stack", help="a YAML stack file instead of the built-in demo")
    tui.add_argument("--speed", type=float, default=1.0, help="lab clock speed factor")
    tui.add_argument("--theme", default=None, help="theme name (a YAML file in themes/)")
    run = sub.add_parser("run", help="run a script on a stepped clock ('-' for stdin)")
    run.add_argument("file")
    run.add_argument(
        "--keep-going", action="store_true", help="go on after a failing command (exit status: the first failure's)"
    )
    run.add_argument("--stack", help="load this YAML stack file first")
    run.add_argument("--echo", action="store_true", help="print each command as '$ CMD' before its output")
    repl = sub.add_parser("repl", help="an interactive prompt (a script when stdin is not a terminal)")
    repl.add_argument("--keep-going", action="store_true")
    repl.add_argument("--stack", help="load this YAML stack file first")
    load = sub.add_parser("load-stack", help="build a YAML stack and print its dmsetup view")
    load.add_argument("file")
    load.add_argument("--advance", type=float, default=0.0, help="lab seconds to let pass afterwards")
    args = parser.parse_args(argv)

    if args.cmd in ("run", "load-stack", "repl"):
        from .commands.build import StackError, build_lab

        stack = args.file if args.cmd == "load-stack" else args.stack
        try:
            lab = build_lab(stack)
        except StackError as err:
            print(f"dmconsole: {stack}: {err}", file=sys.stderr)
            return 2
    if args.cmd == "run":
        from .commands.runner import run_script

        text = sys.stdin.read() if args.file == "-" else _read(args.file)
        if text is None:
            return 2
        return run_script(text.splitlines(), lab, keep_going=args.keep_going, echo=args.echo)
    if args.cmd == "repl":
        from .repl import main as repl_main

        return repl_main(lab, keep_going=args.keep_going)
    if args.cmd == "load-stack":
        if args.advance:
            lab.engine.advance(args.advance)
        from .commands.runner import run_script

        return run_script(["dmsetup ls --tree", "dmsetup table", "dmsetup status"], lab)
    from .tui import run_console

    return run_console(stack=getattr(args, "stack", None), speed=getattr(args, "speed", 1.0),
                       theme=getattr(args, "theme", None))


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as err:
        print(f"dmconsole: {path}: {err.strerror}", file=sys.stderr)
        return None
