"""The shell's builtins: echo, printf, wait, jobs, true and false."""

from __future__ import annotations

from .context import Context
from .registry import JOB, Arg, command


@command("echo", "Print the arguments", "echo [-n] [-e] WORDS...")
def echo(ctx: Context, argv: list[str]) -> int:
    newline = True
    while argv and argv[0] in ("-n", "-e", "-ne", "-en"):
        newline = newline and "n" not in argv[0]
        argv = argv[1:]
    ctx.write(" ".join(argv) + ("\n" if newline else ""))
    return 0


def _printf_escapes(text: str) -> str:
    out, i = [], 0
    simple = {"n": "\n", "t": "\t", "\\": "\\", "r": "\r", "a": "\a", "0": "\0", '"': '"'}
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in simple:
            out.append(simple[text[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@command("printf", "Format and print, as the shell's printf (%s %d %%, backslash escapes)", "printf FORMAT [ARGS...]")
def printf(ctx: Context, argv: list[str]) -> int:
    if not argv:
        ctx.err("printf: usage: printf format [arguments]")
        return 2
    fmt, args = _printf_escapes(argv[0]), argv[1:]
    out: list[str] = []
    while True:
        i = 0
        while i < len(fmt):
            ch = fmt[i]
            if ch == "%" and i + 1 < len(fmt):
                spec = fmt[i + 1]
                if spec == "%":
                    out.append("%")
                elif spec in "sdu":
                    value = args.pop(0) if args else ""
                    out.append(value if spec == "s" else str(int(value or 0)))
                else:
                    out.append(ch + spec)
                i += 2
            else:
                out.append(ch)
                i += 1
        if not args or "%" not in fmt:
            break
    ctx.write("".join(out))
    return 0


@command(
    "wait",
    "Wait for background jobs (`CMD &`); `wait DEV [N]` is dmsetup wait",
    "wait [%JOB]",
    args=(Arg("job", "job number", JOB, optional=True),),
)
def wait_jobs(ctx: Context, argv: list[str]):
    session = ctx.session
    jobs = list(session.running_jobs())
    for job in jobs:
        if not job.done:
            yield job.task.exit_wait("background jobs")
    status = 0
    for job in jobs:
        status = job.task.result if isinstance(job.task.result, int) else 0
    return status


@command("jobs", "List background jobs", "jobs")
def jobs(ctx: Context, argv: list[str]) -> int:
    running = ctx.session.running_jobs()
    for index, job in enumerate(running):
        mark = "+" if index == len(running) - 1 else "-" if index == len(running) - 2 else " "
        ctx.out(f"[{job.number}]{mark} Running                 {job.text} &")
    return 0


@command("true", "Do nothing, successfully", "true")
def true_(ctx: Context, argv: list[str]) -> int:
    return 0


@command("false", "Do nothing, unsuccessfully", "false")
def false_(ctx: Context, argv: list[str]) -> int:
    return 1
