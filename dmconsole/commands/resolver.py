"""The one command resolver: which registry command a command line's words run.

The session runs what ``resolve()`` finds; the console (its command line, its
suggester, its confirmation of destructive commands), the REPL's completer and
``help`` ask the same functions, so a word offered anywhere runs.

The lab's shell knows:

- every registry command (``disk create``, ``io start``, ``dd`` …);
- dmsetup's commands with ``dmsetup`` left out (``suspend vg0``), except where a
  shell command has the word: ``help`` is the lab's, and ``wait`` is the shell's
  for jobs (``wait``, ``wait %1``) and dmsetup's for a device (``wait vg0 3``);
- ``ls`` alone or with dmsetup's options is ``dmsetup ls``; with a path or a
  file-listing option (``ls -l /dev/ram0``) it is the shell's ``ls``, and the lab,
  which has no files to list, says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import registry
from .dmsetup.cli import UsageError, parse_options

DMSETUP = "dmsetup"


@dataclass(frozen=True)
class Resolved:
    """What a command's words run: a registry command and the arguments its handler gets."""

    command: registry.Command | None
    args: list[str]


_bare: tuple[int, frozenset[str]] = (-1, frozenset())


def bare_dmsetup_words() -> frozenset[str]:
    """dmsetup's commands that may be typed without `dmsetup` (those no shell or lab command has)."""
    global _bare
    if _bare[0] != len(registry.REGISTRY):  # computed again only if commands were registered since
        taken = {cmd.words[0] for cmd in registry.commands() if cmd.words[0] != DMSETUP}
        words = {cmd.words[1] for cmd in registry.commands() if len(cmd.words) == 2 and cmd.words[0] == DMSETUP}
        _bare = (len(registry.REGISTRY), frozenset(words - taken))
    return _bare[1]


def _is_dmsetup_ls(args: list[str]) -> bool:
    """`ls` with nothing, or with dmsetup's own options and no operand, is `dmsetup ls`."""
    try:
        _opts, rest = parse_options(args)
    except UsageError:
        return False
    return not rest


def _is_job_wait(args: list[str]) -> bool:
    return not args or all(arg.startswith("%") for arg in args)


def dmsetup_argv(argv: list[str]) -> list[str] | None:
    """The dmsetup arguments a command line stands for (``suspend x`` → ``suspend x``), or None if it is not
    dmsetup's."""
    if not argv:
        return None
    head, args = argv[0], argv[1:]
    if head == DMSETUP:
        return args
    if head == "wait":
        return None if _is_job_wait(args) else argv
    if head == "ls":
        return argv if _is_dmsetup_ls(args) else None
    if head in bare_dmsetup_words():
        return argv
    return None


def resolve(argv: list[str]) -> Resolved:
    """The command the words run, and its handler's arguments (command None: not found)."""
    dmsetup_args = dmsetup_argv(argv)
    if dmsetup_args is not None:
        return Resolved(registry.REGISTRY[DMSETUP], dmsetup_args)
    cmd, rest = registry.longest_match(argv)
    return Resolved(cmd, rest)


def command_for(argv: list[str]) -> registry.Command | None:
    """The registry entry that describes what the words do: ``dmsetup SUB`` for dmsetup (after its options),
    the command under ``timeout``; for help, completion and the console's confirmation."""
    dmsetup_args = dmsetup_argv(argv)
    if dmsetup_args is not None:
        try:
            _opts, rest = parse_options(dmsetup_args)
        except UsageError:
            return registry.REGISTRY[DMSETUP]
        if rest:
            return registry.REGISTRY.get(f"{DMSETUP} {rest[0]}", registry.REGISTRY[DMSETUP])
        return registry.REGISTRY[DMSETUP]
    if argv and argv[0] == "timeout" and len(argv) > 2:
        return command_for(argv[2:])
    return registry.longest_match(argv)[0]


def first_words() -> list[str]:
    """Every word a command line may start with."""
    words = {cmd.words[0] for cmd in registry.commands()}
    return sorted(words | bare_dmsetup_words())


def sub_words(head: str) -> list[str]:
    """The words that may follow a group word: ``disk`` → create, ls…; ``dmsetup`` → its commands."""
    return sorted({cmd.words[1] for cmd in registry.commands() if len(cmd.words) > 1 and cmd.words[0] == head})
