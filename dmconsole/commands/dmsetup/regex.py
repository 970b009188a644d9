"""libdm's own regular expressions (``dm_regex``), as `-S 'field=~REGEX'` uses them.

libdm does not use POSIX regex. Its dialect has character sets ``[...]`` and
``[^...]`` (ranges, ``\\n \\r \\t`` escapes), ``.`` (anything but NUL, CR and
LF), ``* + ?``, ``|``, grouping, and ``^``/``$`` anchors; every other
character is literal (``{`` included). The pattern is wrapped as
``(.*(PATTERN)<NUL>)`` and parsed by a small recursive-descent parser whose
error messages (and quirks: an unbalanced ``)`` just ends the parse) are kept
here. Matching runs the pattern's position automaton over
``<HAT> bytes <DOLLAR>`` and succeeds as soon as the accepting NUL transition
is possible, so ``.`` and ``[^x]`` can match the start and end markers (``a.``
matches ``a``), as they do in libdm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

HAT_CHAR = 0x02  # fed before the string: what `^` matches
DOLLAR_CHAR = 0x03  # fed after it: what `$` matches
TARGET_TRANS = 0x00  # the accepting transition the wrapper appends
ALL_CHARS = frozenset(range(256))
SPECIAL = b"()*+?|"
ESCAPES = {ord("n"): ord("\n"), ord("r"): ord("\r"), ord("t"): ord("\t")}

Log = Callable[[str], None]


@dataclass(eq=False)
class RxNode:
    """A node of the parsed expression: a character set leaf, or an operator over its parts."""

    kind: str  # "set", "cat", "or", "star", "plus", "quest"
    chars: frozenset[int] = frozenset()
    parts: list[RxNode] = field(default_factory=list)


class _Parser:
    """rx_parse_tok(): tokens and the recursive descent over the wrapped pattern."""

    def __init__(self, data: bytes, log: Log):
        self.data = data
        self.cursor = 0
        self.type = -1  # -1 end or error, 0 a character set, else the special character
        self.charset: frozenset[int] = frozenset()
        self.log = log

    def _at(self, pos: int) -> int:
        return self.data[pos] if pos < len(self.data) else 0

    def next_token(self) -> int:
        """_rx_get_token(): 1 for a token, 0 at the end, -1 on an error."""
        pos = self.cursor
        if pos >= len(self.data):
            self.type = -1
            return 0
        ch = self.data[pos]
        if ch == ord("["):
            return self._charset_token(pos + 1)
        if ch in SPECIAL:
            self.type, self.cursor = ch, pos + 1
        elif ch == ord("\\"):
            return self._escape_token(pos + 1)
        else:
            self._single(self._plain_set(ch), pos + 1)
        return 1

    def _plain_set(self, ch: int) -> frozenset[int]:
        """`^` and `$` match the start and end markers, `.` all but NUL, CR and LF."""
        if ch == ord("^"):
            return frozenset({HAT_CHAR})
        if ch == ord("$"):
            return frozenset({DOLLAR_CHAR})
        if ch == ord("."):
            return ALL_CHARS - {0, ord("\n"), ord("\r")}
        return frozenset({ch})

    def _single(self, chars: frozenset[int], cursor: int) -> None:
        self.type, self.charset, self.cursor = 0, chars, cursor

    def _escape_token(self, pos: int) -> int:
        """`\\X`: the character X (`\\n`, `\\r`, `\\t` their control characters)."""
        if pos >= len(self.data):
            self.log("Badly quoted character at end of expression")
            self.type = -1
            return -1
        ch = self.data[pos]
        self._single(frozenset({ESCAPES.get(ch, ch)}), pos + 1)
        return 1

    def _charset_token(self, pos: int) -> int:
        """`[...]` or `[^...]` (the negated set never holds NUL)."""
        negate = self._at(pos) == ord("^")
        pos += 1 if negate else 0
        chars = set(ALL_CHARS - {0}) if negate else set()
        last = 0
        while pos < len(self.data) and self._at(pos) != ord("]"):
            ranged = False
            if self._at(pos) == ord("\\"):
                pos += 1
                ch = ESCAPES.get(self._at(pos), self._at(pos))
            elif self._at(pos) == ord("-") and last:
                ranged, pos = True, pos + 1
                if pos >= len(self.data):
                    self.log("Incomplete rangespecification")
                    self.type = -1
                    return -1
                ch = self._at(pos)
            else:
                ch = self._at(pos)
            members = range(min(last, ch), max(last, ch) + 1) if ranged else (ch,)
            (chars.difference_update if negate else chars.update)(members)
            pos += 1
            last = ch
        if pos >= len(self.data):
            self.type = -1
            return -1
        self._single(frozenset(chars), pos + 1)
        return 1

    def term(self) -> RxNode | None:
        """_term(): a character set, or a parenthesised expression (None, not an error, if empty)."""
        if self.type == 0:
            node = RxNode("set", self.charset)
            self.next_token()
            return node
        if self.type == ord("("):
            self.next_token()
            node = self.or_term()
            if self.type != ord(")"):
                self.log("missing ')' in regular expression")
                return None
            self.next_token()
            return node
        return None

    def closure_term(self) -> RxNode | None:
        """_closure_term(): a term and any `*`, `+`, `?` after it."""
        node = self.term()
        if node is None:
            return None
        kinds = {ord("*"): "star", ord("+"): "plus", ord("?"): "quest"}
        while self.type in kinds:
            node = RxNode(kinds[self.type], parts=[node])
            self.next_token()
        return node

    def cat_term(self) -> RxNode | None:
        """_cat_term(): closures in a row, up to a `|` or to what is not a term (libdm recurses)."""
        parts = [self.closure_term()]
        if parts[0] is None:
            return None
        while self.type != ord("|"):
            part = self.closure_term()
            if part is None:
                break
            parts.append(part)
        return parts[0] if len(parts) == 1 else RxNode("cat", parts=parts)  # type: ignore[arg-type]

    def or_term(self) -> RxNode | None:
        """_or_term(): a failed branch after the N-th `|` is reported N times, once per recursion level."""
        parts = [self.cat_term()]
        if parts[0] is None:
            return None
        while self.type == ord("|"):
            self.next_token()
            part = self.cat_term()
            if part is None:
                for _ in parts:
                    self.log("Badly formed 'or' expression")
                return None
            parts.append(part)
        return parts[0] if len(parts) == 1 else RxNode("or", parts=parts)  # type: ignore[arg-type]


def parse(pattern: bytes, log: Log) -> RxNode | None:
    """dm_regex_create()'s parse of one pattern: None (after libdm's messages) if it does not parse."""
    parser = _Parser(b"(.*(" + pattern + b")" + bytes([TARGET_TRANS]) + b")", log)
    parser.next_token()
    root = parser.or_term()
    if root is None:
        log("Parse error in regex")
        log("Couldn't parse regex")
    return root


@dataclass
class _Positions:
    """The position automaton: leaves, where matching starts, and what may follow each leaf."""

    leaves: list[frozenset[int]] = field(default_factory=list)
    follow: list[set[int]] = field(default_factory=list)


def _positions(node: RxNode, auto: _Positions) -> tuple[bool, set[int], set[int]]:
    """(nullable, firstpos, lastpos) of ``node``; fills in the leaves and followpos on the way."""
    if node.kind == "set":
        auto.leaves.append(node.chars)
        auto.follow.append(set())
        index = len(auto.leaves) - 1
        return False, {index}, {index}
    parts = [_positions(part, auto) for part in node.parts]
    if node.kind == "or":
        return any(p[0] for p in parts), set().union(*(p[1] for p in parts)), set().union(*(p[2] for p in parts))
    if node.kind == "cat":
        return _concatenation(parts, auto)
    nullable, first, last = parts[0]
    if node.kind in ("star", "plus"):
        for pos in last:
            auto.follow[pos] |= first
    return node.kind != "plus" or nullable, first, last


def _concatenation(parts: list[tuple[bool, set[int], set[int]]], auto: _Positions) -> tuple[bool, set[int], set[int]]:
    """A CAT node's functions, part after part; what ends one part may be followed by what starts the next."""
    nullable, first, last = parts[0]
    for rnull, rfirst, rlast in parts[1:]:
        for pos in last:
            auto.follow[pos] |= rfirst
        first = first | (rfirst if nullable else set())
        last = rlast | (last if rnull else set())
        nullable = nullable and rnull
    return nullable, first, last


class DmRegex:
    """A compiled pattern: ``matches(text)`` as dm_regex_match() >= 0."""

    def __init__(self, root: RxNode):
        self.auto = _Positions()
        _, self.start, _ = _positions(root, self.auto)

    @classmethod
    def create(cls, pattern: str, log: Log) -> DmRegex | None:
        """dm_regex_create() of one pattern: None (after libdm's messages) if it does not parse."""
        try:
            root = parse(pattern.encode("utf-8", "surrogateescape"), log)
            return None if root is None else cls(root)
        except RecursionError:  # parentheses nested deeper than Python recurses; libdm's C stack copes
            log("Parse error in regex")
            log("Couldn't parse regex")
            return None

    def matches(self, text: str) -> bool:
        """dm_regex_match() >= 0: as soon as, after some prefix, the accepting transition is possible."""
        state = self.start
        for ch in bytes([HAT_CHAR]) + text.encode("utf-8", "surrogateescape") + bytes([DOLLAR_CHAR]):
            state = self._step(state, ch)
            if not state:
                return False
            if any(TARGET_TRANS in self.auto.leaves[pos] for pos in state):
                return True
        return False

    def _step(self, state: set[int], ch: int) -> set[int]:
        """The positions that may come after reading ``ch``."""
        nxt: set[int] = set()
        for pos in state:
            if ch in self.auto.leaves[pos]:
                nxt |= self.auto.follow[pos]
        return nxt
