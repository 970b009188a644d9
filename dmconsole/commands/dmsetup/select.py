"""`-S|--select`: libdm's selection language (libdm-report.c, 1.02.185), parsed and evaluated.

A selection is ``FIELD OP VALUE`` items joined by ``&&`` (or ``,``) and
``||`` (or ``#``), grouped with ``( )`` and negated with ``!( )``. Number
fields take ``= != < <= > >=`` and a non-negative decimal (a fraction is cut
off); size fields a number with an optional unit (``m`` by default); string
fields ``= !=`` and a quoted or unquoted string; string fields also take
``=~ !~`` and a regular expression in libdm's dialect (``regex``),
which may be quoted by ``"``, ``'``, or by brackets (so ``[cd]`` is the regex
``cd``). Errors are libdm's, word for word, including the help texts it
prints first and the ``Selection syntax error at '...'`` that follows most of
them; some errors (an incompatible comparison, a value out of range, a bad
regex) end the parse without that line, as in libdm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .regex import DmRegex

SPACE = " \t\n\v\f\r"
ULLONG_MAX = 2**64 - 1

STRING, NUMBER, SIZE = "string", "number", "size"

# Comparison flags (FLD_CMP_*).
EQUAL, NOT, GT, LT, REGEX, NUMERIC, TIME = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40
CMP_OPS: list[tuple[str, int, str]] = [
    ("=~", REGEX, "Matching regular expression. [regex]"),
    ("!~", REGEX | NOT, "Not matching regular expression. [regex]"),
    ("=", EQUAL, "Equal to. [number, size, percent, string, string list, time]"),
    ("!=", NOT | EQUAL, "Not equal to. [number, size, percent, string, string_list, time]"),
    (">=", NUMERIC | TIME | GT | EQUAL, "Greater than or equal to. [number, size, percent, time]"),
    (">", NUMERIC | TIME | GT, "Greater than. [number, size, percent, time]"),
    ("<=", NUMERIC | TIME | LT | EQUAL, "Less than or equal to. [number, size, percent, time]"),
    ("<", NUMERIC | TIME | LT, "Less than. [number, size, percent, time]"),
    ("since", TIME | GT | EQUAL, "Since specified time (same as '>='). [time]"),
    ("after", TIME | GT, "After specified time (same as '>'). [time]"),
    ("until", TIME | LT | EQUAL, "Until specified time (same as '<='). [time]"),
    ("before", TIME | LT, "Before specified time (same as '<'). [time]"),
]

# Logical and grouping operators (SEL_*).
AND, OR, NEGATE, OPEN, CLOSE = 0x1, 0x2, 0x4, 0x8, 0x10
LOG_OPS: list[tuple[str, int, str]] = [
    ("&&", AND, "All fields must match"),
    (",", AND, "All fields must match"),
    ("||", OR, "At least one field must match"),
    ("#", OR, "At least one field must match"),
    ("!", NEGATE, "Logical negation"),
    ("(", OPEN, "Left parenthesis"),
    (")", CLOSE, "Right parenthesis"),
    ("[", 0x20, "List start"),
    ("]", 0x40, "List end"),
    ("{", 0x80, "List subset start"),
    ("}", 0x100, "List subset end"),
]
VALUE_END = AND | OR | CLOSE  # what ends an unquoted value

# dm_units_to_factor(): the unit letters and their factors.
UNITS = {"h": 1, "H": 1, "r": 1, "R": 1, "b": 1, "B": 1, "s": 512, "S": 512}
UNITS.update({ch: 1024 ** (i + 1) for i, ch in enumerate("kmgtpe")})
UNITS.update({ch: 1000 ** (i + 1) for i, ch in enumerate("KMGTPE")})

SYNTAX_ERROR = "Selection syntax error at '{}'."
HELP_REF = "Use 'help' for selection to get more help."


class SelField(Protocol):
    """What the parser needs to know of a report field."""

    id: str
    kind: str
    uncomparable: bool


class Hooks(Protocol):
    """What the parser asks of the report: fields, the columns it compares, and where messages go."""

    def find_field(self, text: str, length: int) -> SelField | None: ...

    def column_for(self, fld: SelField) -> Any: ...

    def field_help(self) -> None: ...

    def err(self, text: str) -> None: ...


class SelectionError(Exception):
    """The selection does not parse (libdm's messages have been printed)."""


@dataclass(eq=False)
class Item:
    """FIELD OP VALUE, against the report column that holds the field."""

    column: Any
    kind: str
    flags: int
    value: Any
    negate: bool = False

    def matches(self, cell_of: Callable[[Any], Any]) -> bool:
        result = _compare(self, cell_of(self.column))
        return not result if self.negate else result


@dataclass(eq=False)
class Group:
    """Items (or groups) joined by && or ||."""

    kind: int  # AND or OR
    parts: list[Item | Group] = field(default_factory=list)
    negate: bool = False

    def matches(self, cell_of: Callable[[Any], Any]) -> bool:
        check = all if self.kind == AND else any
        result = check(part.matches(cell_of) for part in self.parts)
        return not result if self.negate else result


Node = Item | Group
Parsed = tuple[Node | None, int]  # a node (None if it did not parse) and where parsing goes on


# ----------------------------------------------------------------------------- evaluation
def _compare(item: Item, cell: Any) -> bool:
    """_compare_selection_field(): a regex on the text, else by the field's type."""
    if item.flags & REGEX:
        return item.value.matches(cell.text) != bool(item.flags & NOT)
    if item.kind == NUMBER:
        return _compare_number(item.flags, cell.sort, item.value)
    if item.kind == SIZE:
        return _compare_size(item.flags, float(cell.sort), item.value)
    return (cell.text == item.value) != bool(item.flags & NOT)


def _compare_number(flags: int, value: int, wanted: int) -> bool:
    """_cmp_field_int(): uint64 against uint64."""
    ops: dict[int, Callable[[int, int], bool]] = {
        EQUAL: lambda a, b: a == b,
        NOT | EQUAL: lambda a, b: a != b,
        GT: lambda a, b: a > b,
        GT | EQUAL: lambda a, b: a >= b,
        LT: lambda a, b: a < b,
        LT | EQUAL: lambda a, b: a <= b,
    }
    return ops[flags & (EQUAL | NOT | GT | LT)](value, wanted)


def _compare_size(flags: int, value: float, wanted: float) -> bool:
    """_cmp_field_double(): equal within DBL_EPSILON."""
    eps = 2.220446049250313e-16
    equal = abs(value - wanted) < eps
    ops = {
        EQUAL: equal,
        NOT | EQUAL: not equal,
        GT: value > wanted and not equal,
        GT | EQUAL: value > wanted or equal,
        LT: value < wanted and not equal,
        LT | EQUAL: value < wanted or equal,
    }
    return ops[flags & (EQUAL | NOT | GT | LT)]


# ----------------------------------------------------------------------------- tokens
def skip_space(text: str, pos: int) -> int:
    """_skip_space(): past C's isspace() characters."""
    while pos < len(text) and text[pos] in SPACE:
        pos += 1
    return pos


def tok_op(table: list[tuple[str, int, str]], text: str, pos: int, expect: int = 0) -> tuple[int, int]:
    """_tok_op(): (flags, end) of the first operator (of those expected) after blanks; (0, blanks skipped)."""
    pos = skip_space(text, pos)
    for op, flags, _ in table:
        if (not expect or flags & expect) and text.startswith(op, pos):
            return flags, pos + len(op)
    return 0, pos


def _value_string(hooks: Hooks, text: str, pos: int, quote: str) -> tuple[str, int] | None:
    """_tok_value_string(): up to the closing quote, or (unquoted) up to a blank or a value-ending operator."""
    if quote:
        end = text.find(quote, pos)
        if end < 0:
            hooks.err("Missing end quote.")
            return None
        return text[pos:end], end + 1
    end = pos
    while end < len(text) and text[end] != " " and not tok_op(LOG_OPS, text, end, VALUE_END)[0]:
        end += 1
    return text[pos:end], end


def _name_char(ch: str) -> bool:
    """_tok_field_name(): letters, digits, `_` and `-`."""
    return ch.isascii() and ch.isalnum() or ch in "_-"


def _quote_at(text: str, pos: int) -> str:
    return text[pos] if pos < len(text) and text[pos] in "\"'" else ""


def _number_token(text: str, pos: int) -> tuple[str, int]:
    """_tok_value_number(): digits with at most one `.` among them."""
    end, dot = pos, False
    while end < len(text) and (text[end].isascii() and text[end].isdigit() or (text[end] == "." and not dot)):
        dot = dot or text[end] == "."
        end += 1
    return text[pos:end], end


def strtoull(token: str) -> int | None:
    """strtoull(token, NULL, 10) of a number token; None where it saturates (ERANGE)."""
    digits = token.split(".", 1)[0]
    value = int(digits) if digits else 0
    return None if value > ULLONG_MAX else value


# ----------------------------------------------------------------------------- the parser
class Parser:
    """_report_set_selection() and the _parse_* functions it calls."""

    def __init__(self, hooks: Hooks, text: str):
        self.hooks = hooks
        self.text = text

    def parse(self) -> Node:
        """The whole selection; SelectionError (messages printed) if it does not parse."""
        try:
            node, end = self.or_ex(0)
        except RecursionError:
            self.hooks.err(SYNTAX_ERROR.format(self.text))
            self.hooks.err(HELP_REF)
            raise SelectionError from None
        if node is None:
            raise SelectionError
        end = skip_space(self.text, end)
        if end < len(self.text):
            self.hooks.err("Expecting logical operator")
            self.hooks.err(SYNTAX_ERROR.format(self.text[end:]))
            self.hooks.err(HELP_REF)
            raise SelectionError
        return node

    def or_ex(self, pos: int) -> tuple[Node | None, int]:
        return self._joined(pos, OR, self.and_ex)

    def and_ex(self, pos: int) -> tuple[Node | None, int]:
        return self._joined(pos, AND, self.ex)

    def _joined(self, pos: int, op: int, parse_part: Callable[[int], Parsed]) -> Parsed:
        """_parse_or_ex() / _parse_and_ex(): parts joined by the operator (one part needs no group)."""
        parts: list[Node] = []
        while True:
            part, nxt = parse_part(pos)
            if part is None:
                return None, pos
            parts.append(part)
            flags, after = tok_op(LOG_OPS, self.text, nxt, op)
            if not flags:
                return (parts[0] if len(parts) == 1 else Group(op, parts)), nxt
            pos = after

    def ex(self, pos: int) -> tuple[Node | None, int]:
        """_parse_ex(): `!( ... )`, `( ... )`, or one item."""
        flags, nxt = tok_op(LOG_OPS, self.text, pos, NEGATE | OPEN)
        if flags == NEGATE:
            return self._negated(pos, nxt)
        if flags == OPEN:
            node, inner_end = self.or_ex(nxt)
            if node is None:
                return None, pos
            closed, after = tok_op(LOG_OPS, self.text, inner_end, CLOSE)
            if not closed:
                self.hooks.err(f"Syntax error: right parenthesis expected at '{self.text[after:]}'")
                return None, pos
            return node, after
        return self.item(skip_space(self.text, pos))

    def _negated(self, pos: int, nxt: int) -> tuple[Node | None, int]:
        """`!` must be followed by a parenthesis; negating twice still negates (libdm sets a flag)."""
        opened, inner = tok_op(LOG_OPS, self.text, nxt, OPEN)
        if not opened:
            self.hooks.err(f"Syntax error: left parenthesis expected at '{self.text[nxt:]}'")
            return None, pos
        node, inner_end = self.or_ex(inner)
        if node is None:
            return None, pos
        node.negate = True
        closed, after = tok_op(LOG_OPS, self.text, inner_end, CLOSE)
        if not closed:
            self.hooks.err(f"Syntax error: right parenthesis expected at '{self.text[inner_end:]}'")
            return None, pos
        return node, after

    def item(self, start: int) -> tuple[Node | None, int]:
        """_parse_selection(): FIELD OP VALUE."""
        try:
            return self._item(start)
        except _Bad:
            self.hooks.err(SYNTAX_ERROR.format(self.text[start:]))
            self.hooks.err(HELP_REF)
            return None, start
        except _Failed:
            return None, start

    def _item(self, start: int) -> tuple[Node, int]:
        """The item itself; _Bad or _Failed (messages said) if it is wrong."""
        text, hooks = self.text, self.hooks
        name_end = start
        while name_end < len(text) and _name_char(text[name_end]):
            name_end += 1
        if name_end == start:
            hooks.err("Expecting field name")
            raise _Bad
        fld = self._field(start, name_end)
        flags, value_start = tok_op(CMP_OPS, text, name_end)
        if not flags:
            self._selection_help()
            hooks.err(f"Unrecognised comparison operator: {text[name_end:]}")
            raise _Bad
        self._check_operator(fld, flags, start)
        value, kind, end = self._value(fld, flags, value_start)
        return self._create(fld, flags, value, kind), skip_space(text, end)

    def _field(self, start: int, end: int) -> SelField:
        """_get_field() on the item's field name: a field that may be compared."""
        fld = self.hooks.find_field(self.text[start:], end - start)
        name = self.text[start:end]
        if fld is None:
            self.hooks.field_help()
            self.hooks.err(f"Unrecognised selection field: {name}")
            raise _Bad
        if fld.uncomparable:
            self.hooks.field_help()
            self.hooks.err(f"Selection field is uncomparable: {name}.")
            raise _Bad
        return fld

    def _check_operator(self, fld: SelField, flags: int, start: int) -> None:
        """Ordering operators only on numbers and sizes; time operators on no dmsetup field."""
        if flags & REGEX:
            return
        if flags & NUMERIC and fld.kind not in (NUMBER, SIZE):
            self._selection_help()
            self.hooks.err(f"Operator can be used only with number, size, time or percent fields: {self.text[start:]}")
            raise _Bad
        if flags & TIME and not flags & NUMERIC:
            self._selection_help()
            self.hooks.err(f"Operator can be used only with time fields: {self.text[start:]}")
            raise _Bad

    def _value(self, fld: SelField, flags: int, pos: int) -> tuple[Any, str, int]:
        """The value's text (or number and unit factor), the type it was read as, and where it ends."""
        pos = skip_space(self.text, pos)
        if flags & REGEX:
            return self._regex_value(fld, pos)
        if fld.kind == STRING:
            quote = _quote_at(self.text, pos)
            found = _value_string(self.hooks, self.text, pos + len(quote), quote)
            if found is None:
                self.hooks.err(f"Failed to parse string value for selection field {fld.id}.")
                raise _Bad
            return found[0], STRING, found[1]
        return self._number_value(fld, pos)

    def _regex_value(self, fld: SelField, pos: int) -> tuple[Any, str, int]:
        """_tok_value_regex(): quoted by " ' ( { [ (closed by the matching character), or unquoted."""
        if pos >= len(self.text):
            self.hooks.err(f"Regular expression expected for selection field {fld.id}")
            raise _Bad
        closing = {"(": ")", "{": "}", "[": "]", '"': '"', "'": "'"}.get(self.text[pos], "")
        found = _value_string(self.hooks, self.text, pos + (1 if closing else 0), closing)
        if found is None:
            self.hooks.err(f"Failed to parse regex value for selection field {fld.id}.")
            raise _Bad
        return found[0], STRING, found[1]

    def _number_value(self, fld: SelField, pos: int) -> tuple[Any, str, int]:
        """_tok_value() for number and size fields: digits, then no `%`, and a unit only for a size."""
        token, end = _number_token(self.text, pos)
        if not token:
            self.hooks.err(f"Failed to parse numeric value for selection field {fld.id}.")
            raise _Bad
        expected = "numeric" if fld.kind == NUMBER else "size"
        if end < len(self.text) and self.text[end] == "%":
            self.hooks.err(f"Found percent value but {expected} value expected for selection field {fld.id}.")
            raise _Bad
        factor = UNITS.get(self.text[end]) if end < len(self.text) else None
        if factor is not None and fld.kind == NUMBER:
            self.hooks.err(f"Found size unit specifier but numeric value expected for selection field {fld.id}.")
            raise _Bad
        if fld.kind == SIZE:
            end += 1 if factor is not None else 0
            return (token, factor or 1024 * 1024), SIZE, end
        return token, NUMBER, end

    def _create(self, fld: SelField, flags: int, value: Any, kind: str) -> Item:
        """_create_field_selection(): the column (added, hidden, if not in the report), then the operand."""
        hooks = self.hooks
        column = hooks.column_for(fld)
        if kind != fld.kind:
            hooks.err(f"dm_report: incompatible comparison type for selection field {fld.id}")
            raise _Failed
        if flags & REGEX:
            regex = DmRegex.create(value, hooks.err)
            if regex is None:
                hooks.err(f"dm_report: failed to create regex matcher for selection field {fld.id}")
                raise _Failed
            return Item(column, kind, flags, regex)
        if kind == NUMBER:
            number = strtoull(value)
            if number is None:
                hooks.err(f"Field selection value {value} out of supported range for field {fld.id}.")
                raise _Failed
            return Item(column, kind, flags, number)
        if kind == SIZE:
            return Item(column, kind, flags, self._size(fld, value))
        return Item(column, kind, flags, value)

    def _size(self, fld: SelField, value: tuple[str, int]) -> float:
        """strtod(token) * unit factor, in 512-byte sectors."""
        token, factor = value
        number = float(token if token != "." else "0")
        if number == float("inf"):
            self.hooks.err(f"Field selection value {token} out of supported range for field {fld.id}.")
            raise _Failed
        return number * factor / 512

    def _selection_help(self) -> None:
        selection_help(self.hooks.err)


class _Bad(Exception):
    """An item does not parse: libdm adds `Selection syntax error at ...` and the help reference."""


class _Failed(Exception):
    """An item parses but cannot be set up: libdm says why and nothing more."""


def selection_help(err: Callable[[str], None]) -> None:
    """_display_selection_help(): the operands and operators (dmsetup has no reserved values)."""
    for line in (
        "Selection operands",
        "------------------",
        "  field               - Reporting field.",
        "  number              - Non-negative integer value.",
        "  size                - Floating point value with units, 'm' unit used by default if not specified.",
        "  percent             - Non-negative integer with or without % suffix.",
        "  string              - Characters quoted by ' or \" or unquoted.",
        "  string list         - Strings enclosed by [ ] or { } and elements delimited by either",
        '                        "all items must match" or "at least one item must match" operator.',
        "  regular expression  - Characters quoted by ' or \" or unquoted.",
        " ",
        "Selection operators",
        "-------------------",
        "  Comparison operators:",
        *(f"    {op:>6}  - {desc}" for op, _, desc in CMP_OPS),
        " ",
        "  Logical and grouping operators:",
        *(f"    {op:>4}  - {desc}" for op, _, desc in LOG_OPS),
        " ",
    ):
        err(line)


def parse_selection(hooks: Hooks, text: str) -> Node:
    """The selection tree of ``text``; SelectionError (after libdm's messages) if it does not parse."""
    return Parser(hooks, text).parse()
