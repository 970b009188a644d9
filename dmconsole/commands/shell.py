"""The shell subset scripts are written in: quoting, comments, pipelines, redirections, `&`."""

from __future__ import annotations

from dataclasses import dataclass, field


class ShellSyntaxError(Exception):
    pass


@dataclass
class Stage:
    """One command of a pipeline, with where its output goes."""

    argv: list[str]
    stdout: str | None = None  # None: onward; "/dev/null"
    stderr: str | None = None  # None: the session's stderr; "/dev/null"; "&1" (to stdout)


@dataclass
class Pipeline:
    stages: list[Stage] = field(default_factory=list)
    background: bool = False
    text: str = ""


_OPERATORS = ("2>&1", "2>", ">>", ">", "|", "&", ";")


def tokenize(line: str) -> list[tuple[str, bool]]:
    """Split into (token, is_operator) the way sh would: quotes, backslashes, # comments."""
    tokens: list[tuple[str, bool]] = []
    word: list[str] = []
    in_word = False
    i, n = 0, len(line)

    def flush():
        nonlocal word, in_word
        if in_word:
            tokens.append(("".join(word), False))
        word, in_word = [], False

    while i < n:
        ch = line[i]
        if ch in " \t\r\n":
            flush()
            i += 1
        elif ch == "#" and not in_word:
            break
        elif ch == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("unterminated quoted string")
            word.append(line[i + 1 : end])
            in_word = True
            i = end + 1
        elif ch == '"':
            i += 1
            while True:
                if i >= n:
                    raise ShellSyntaxError("unterminated quoted string")
                c = line[i]
                if c == '"':
                    break
                if c == "\\" and i + 1 < n and line[i + 1] in '"\\$`':
                    word.append(line[i + 1])
                    i += 2
                    continue
                word.append(c)
                i += 1
            in_word = True
            i += 1
        elif ch == "\\":
            if i + 1 < n:
                word.append(line[i + 1])
            in_word = True
            i += 2
        else:
            op = next((o for o in _OPERATORS if line.startswith(o, i)), None)
            if op and (op[0] != "2" or not in_word):
                flush()
                tokens.append((op, True))
                i += len(op)
            else:
                word.append(ch)
                in_word = True
                i += 1
    flush()
    return tokens


def parse(line: str) -> Pipeline | None:
    """One line into a pipeline; None for a blank or comment line."""
    tokens = tokenize(line)
    if not tokens:
        return None
    pipeline = Pipeline(text=line.strip())
    stage = Stage([])
    i = 0
    while i < len(tokens):
        tok, is_op = tokens[i]
        if not is_op:
            stage.argv.append(tok)
        elif tok == "|":
            if not stage.argv:
                raise ShellSyntaxError("syntax error near unexpected token `|'")
            pipeline.stages.append(stage)
            stage = Stage([])
        elif tok == "&":
            if i != len(tokens) - 1:
                raise ShellSyntaxError("only one command per line: `&' must end the line")
            pipeline.background = True
            pipeline.text = pipeline.text.removesuffix("&").rstrip()
        elif tok == ";":
            raise ShellSyntaxError("only one command per line: `;' is not supported")
        elif tok == "2>&1":
            stage.stderr = "&1"
        elif tok in (">", ">>", "2>"):
            if i + 1 >= len(tokens) or tokens[i + 1][1]:
                raise ShellSyntaxError("syntax error near unexpected token `newline'")
            target = tokens[i + 1][0]
            if target != "/dev/null":
                raise ShellSyntaxError(f"{target}: redirection to files is not supported (only /dev/null)")
            if tok == "2>":
                stage.stderr = "/dev/null"
            else:
                stage.stdout = "/dev/null"
            i += 1
        i += 1
    if not stage.argv:
        raise ShellSyntaxError("syntax error: missing command")
    pipeline.stages.append(stage)
    return pipeline


def quote(word: str) -> str:
    """Quote a word for display the way the oracle's transcripts do."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,+@%^-")
    if word and all(c in safe for c in word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"
