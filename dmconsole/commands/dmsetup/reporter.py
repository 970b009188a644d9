"""libdm's report (libdm-report.c, 1.02.185) as dmsetup sets it up: fields, sort keys, selection, output.

``make_report`` is dmsetup's ``_report_init()`` followed by
``dm_report_init_with_selection()``: the ``-o`` fields (parsed twice, as libdm
does, so that ``all`` means the sections already named), the ``-O`` sort keys
(``-`` for descending; a key not shown becomes a hidden column), the layout
switches, then ``-S``. Each object becomes a row only if it passes the
selection (or if the ``selected`` field is shown, which then says 0). Rows
are buffered and printed, sorted, at the end (``--unbuffered`` prints each
at once unless sorting), in columns or, with ``--rows``, one line per field.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from .common import Run, info_of
from .report import (
    DEFAULT_FIELDS,
    NAME,
    SPECIAL,
    SPLITNAME_FIELDS,
    STATS,
    STATS_META,
    TREE,
    TYPE_BITS,
    TYPES,
    Field,
    ReportObject,
    field_help,
    get_field,
    match_word,
    split_name,
    tree_of,
    words,
)
from .select import Node, SelectionError, parse_selection, selection_help


@dataclass(eq=False)
class Column:
    """field_properties: a field in the report, shown or hidden, and whether (and how) it is a sort key."""

    field: Field
    hidden: bool = False
    sorted: bool = False
    descending: bool = False


@dataclass
class Cell:
    """dm_report_field: the text shown and the value sorted and compared (a number as uint64)."""

    text: str
    sort: int | str


@dataclass
class Row:
    """One object's cells, and whether it passed the selection."""

    cells: dict[Column, Cell]
    selected: bool = True


def sort_value(f: Field, text: str) -> int | str:
    """Numbers sort (and compare) as the uint64 libdm stores them: -1 is 2**64-1."""
    if not f.numeric:
        return text
    try:
        return int(text) % 2**64
    except ValueError:
        return 0


# ----------------------------------------------------------------------------- setting up
class _Setup:
    """dm_report_init(): the -o fields and -O keys, each parsed once for the report types, then for real."""

    def __init__(self, run: Run, report_types: int):
        self.run = run
        self.types = report_types
        self.prefix = next((p for t, (_, p) in TYPES.items() if TYPE_BITS[t] == report_types), "")
        self.columns: list[Column] = []
        self.keys: list[Column] = []

    def parse(self, spec: str, keys: str | None) -> bool:
        """Both passes over fields and keys; False after the field list and the error."""
        for types_only in (True, False):
            if not self._fields(spec, types_only) or not self._keys(keys or "", types_only):
                return False
        return True

    def _fields(self, spec: str, types_only: bool) -> bool:
        """_parse_fields(): each -o word; False after the field list if one matches nothing."""
        for start, end in words(spec):
            found = match_word(spec, start, end, self.types, self.prefix, self.run.err)
            if found is None:
                self._unrecognised(f"Unrecognised field: {spec[start:end]}")
                return False
            for f in found:
                if types_only:
                    self.types |= TYPE_BITS[f.type]
                else:
                    self.columns.append(Column(f))
        return True

    def _keys(self, keys: str, types_only: bool) -> bool:
        """_parse_keys(): each -O word; False after the field list if one is not a field."""
        for start, end in words(keys):
            if not self._key(keys, start, end, types_only):
                self._unrecognised(f"dm_report: Unrecognised field: {keys[start:end]}")
                return False
        return True

    def _key(self, keys: str, start: int, end: int, types_only: bool) -> bool:
        """_key_match(): `+FIELD` or `FIELD` ascending, `-FIELD` descending."""
        if start == end:
            return False
        descending = keys[start] == "-"
        start += 1 if keys[start] in "+-" else 0
        if start == end:
            self.run.err("dm_report: Missing sort field name")
            return False
        f = get_field(keys[start:], end - start, self.run.err)
        if f is None:
            return False
        self._add_key(f, descending, types_only)
        return True

    def _add_key(self, f: Field, descending: bool, types_only: bool) -> None:
        """_add_sort_key(): the key's column (added hidden if not shown); a repeated key is ignored."""
        column = self.column_of(f)
        if column is None:
            if types_only:
                self.types |= TYPE_BITS[f.type]
                return
            column = self.add_hidden(f)
        if types_only:
            return
        if column.sorted:
            self.run.err(f"dm_report: Ignoring duplicate sort field: {f.id}.")
            return
        column.sorted, column.descending = True, descending
        self.keys.append(column)

    def column_of(self, f: Field) -> Column | None:
        return next((c for c in self.columns if c.field is f), None)

    def add_hidden(self, f: Field) -> Column:
        """Hidden columns go first, as libdm adds them at the head of its list."""
        column = Column(f, hidden=True)
        self.columns.insert(0, column)
        return column

    def _unrecognised(self, message: str) -> None:
        for line in field_help() + [" "]:
            self.run.err(line)
        self.run.err(message)


class _SelectionHooks:
    """What the selection parser asks of the report being set up."""

    def __init__(self, setup: _Setup):
        self.setup = setup

    def find_field(self, text: str, length: int) -> Field | None:
        return get_field(text, length, self.setup.run.err)

    def column_for(self, fld: Any) -> Column:
        """A field not in the report is added as a hidden column, so that its value is there to compare."""
        column = self.setup.column_of(fld)
        if column is None:
            column = self.setup.add_hidden(fld)
            self.setup.types |= TYPE_BITS[fld.type]
        return column

    def field_help(self) -> None:
        for line in field_help(all_items=False, types=True) + [" "]:
            self.setup.run.err(line)

    def err(self, text: str) -> None:
        self.setup.run.err(text)


# ----------------------------------------------------------------------------- the report
@dataclass
class Report:
    """A report set up for one invocation: its columns, keys, selection, layout and buffered rows."""

    columns: list[Column]
    keys: list[Column] = field(default_factory=list)
    report_types: int = 0
    selection: Node | None = None
    aligned: bool = True
    headings: bool = True
    separator: str = " "
    prefixes: bool = False
    quoted: bool = True
    buffered: bool = True
    as_rows: bool = False
    already_reported: bool = False  # help was shown: no rows
    headings_printed: bool = False
    rows: list[Row] = field(default_factory=list)

    @property
    def statistics(self) -> bool:
        """A statistics report: rows only for stats regions, of which the lab has none."""
        return bool(self.report_types & (TYPE_BITS[STATS] | TYPE_BITS[STATS_META]))

    def add(self, run: Run, found: Any, name: str | None = None) -> bool:
        """_display_info_cols(): one row, unless a field fails (then no row, and a failure)."""
        if self.statistics:
            return True
        return self.add_object(self.object_for(run, found, name))

    def object_for(self, run: Run, found: Any, name: str | None = None) -> ReportObject:
        """The row's object: the device, its info and its name's components."""
        info = info_of(run, found, name)
        return ReportObject(run, found, info, split_name(info.uuid, info.name, "-"))

    def add_object(self, obj: ReportObject) -> bool:
        """dm_report_object(): the row, kept if it passes the selection; printed now if unbuffered."""
        if self.already_reported:
            return True
        row = self._make_row(obj)
        if row is None:
            return False
        if row.selected or self._status_column(shown=True) is not None:
            self.rows.append(row)
            if not self.buffered:
                self.output(obj.run)
        return True

    def is_selected(self, obj: ReportObject) -> bool | None:
        """dm_report_object_is_selected() without output: None if a field fails."""
        if self.already_reported or self.statistics:
            return False
        row = self._make_row(obj)
        return None if row is None else row.selected

    def _make_row(self, obj: ReportObject) -> Row | None:
        """_do_report_object(): every field's value (hidden ones too), then the selection."""
        cells: dict[Column, Cell] = {}
        for column in self.columns:
            text = self._value(obj, column.field)
            if text is None:
                return None
            cells[column] = Cell(text, sort_value(column.field, text))
        row = Row(cells)
        if self.selection is not None and not self.selection.matches(lambda c: cells[c]):
            row.selected = False
            status = self._status_column()
            if status is not None:
                cells[status] = Cell("0", 0)
        return row

    def _value(self, obj: ReportObject, f: Field) -> str | None:
        """A field's text: None (said) if its object part is missing or its value cannot be had."""
        if f.type == SPECIAL and f.id != "selected" or obj.info is None and f.type not in (NAME, SPECIAL):
            obj.run.err(f"_do_report_object: no data assigned to field {f.id}")
            return None
        value = f.value(obj) if f.value is not None else None
        if value is None:
            obj.run.err(f"_do_report_object: report function failed for field {f.id}")
        return value

    def _status_column(self, shown: bool = False) -> Column | None:
        """The `selected` column (the last one, as libdm remembers), if any (and, if asked, if shown)."""
        found = [c for c in self.columns if c.field.type == SPECIAL and c.field.id == "selected"]
        if not found or (shown and found[-1].hidden):
            return None
        return found[-1]

    # ------------------------------------------------------------------------- output
    def column_headings(self, run: Run) -> None:
        """dm_report_column_headings(): the headings now (with --rows, never on a line of their own)."""
        if self.as_rows:
            return
        self._print_headings(run, self._widths())

    def output(self, run: Run) -> None:
        """dm_report_output(): nothing at all when there are no rows; sorted when buffered."""
        if not self.rows:
            return
        widths = self._widths()
        if self.buffered and self.keys:
            self.rows.sort(key=functools.cmp_to_key(self._compare))
        if self.as_rows:
            self._output_as_rows(run)
        else:
            self._output_as_columns(run, widths)
        self.rows.clear()

    def _widths(self) -> dict[Column, int]:
        return {c: max([c.field.width] + [len(r.cells[c].text) for r in self.rows]) for c in self.columns}

    def _shown(self) -> list[Column]:
        return [c for c in self.columns if not c.hidden]

    def _print_headings(self, run: Run, widths: dict[Column, int]) -> None:
        self.headings_printed = True
        if self.headings:
            run.out(self.separator.join(self._heading(c.field, widths[c]) for c in self._shown()))

    def _heading(self, f: Field, width: int) -> str:
        return f.heading[:width].ljust(width) if self.aligned else f.heading

    def _output_as_columns(self, run: Run, widths: dict[Column, int]) -> None:
        """_output_as_columns(): the headings if not yet printed, then a line per row."""
        if not self.headings_printed:
            self._print_headings(run, widths)
        for row in self.rows:
            run.out(self.separator.join(self._cell(c.field, row.cells[c].text, widths[c]) for c in self._shown()))

    def _output_as_rows(self, run: Run) -> None:
        """_output_as_rows(): per field, its heading (unless --noheadings) and its value in every row."""
        for column in self._shown():
            head = column.field.heading + self.separator if self.headings else ""
            run.out(head + self.separator.join(self._cell(column.field, r.cells[column].text, 0) for r in self.rows))

    def _cell(self, f: Field, value: str, width: int) -> str:
        """_output_field(): DM_FIELD='value' with --nameprefixes, else aligned (numbers right) or as is."""
        if self.prefixes:
            quote = "'" if self.quoted else ""
            return f"DM_{f.id.upper()}={quote}{value}{quote}"
        if not self.aligned:
            return value
        return value.rjust(width) if f.numeric else value.ljust(width)

    def _compare(self, a: Row, b: Row) -> int:
        """_row_compare(): key by key, numbers as numbers and strings byte by byte."""
        for column in self.keys:
            x, y = a.cells[column].sort, b.cells[column].sort
            if isinstance(x, str) and isinstance(y, str):
                x, y = x.encode("utf-8", "surrogateescape"), y.encode("utf-8", "surrogateescape")  # type: ignore[assignment]
            if x == y:
                continue
            before = x < y  # type: ignore[operator]
            return (1 if before else -1) if column.descending else (-1 if before else 1)
        return 0


# ----------------------------------------------------------------------------- _report_init()
def make_report(run: Run, command: str) -> Report | None:
    """The report for this invocation; None (after saying why) if the fields, keys or selection are wrong."""
    opts = run.opts
    spec, headings = _field_spec(run, command)
    keys = opts.get("sort")
    if keys is not None and command in ("status", "table"):
        run.err("--sort is not yet supported with status and table.")
        return None
    setup = _Setup(run, TYPE_BITS[NAME] if command == "splitname" else 0)
    if not setup.parse(spec, keys):
        return None
    report = Report(setup.columns, setup.keys, headings=headings)
    _layout(run, report)
    if any(c.field.type == SPECIAL and c.field.id in ("help", "?") for c in report.columns):
        for line in field_help() + [" "]:
            run.err(line)
        report.already_reported = True
    if not _set_selection(run, setup, report, opts.get("select") or ""):
        return None
    report.columns, report.report_types = setup.columns, setup.types
    if report.report_types & TYPE_BITS[TREE]:
        tree_of(run)
    return report


def _field_spec(run: Run, command: str) -> tuple[str, bool]:
    """The -o fields (`+FIELDS` adds to the default) and whether there are headings."""
    spec = SPLITNAME_FIELDS if command == "splitname" else DEFAULT_FIELDS
    given = run.opts.get("options")
    headings = not run.has("noheadings")
    if given is not None:
        if "help" in given:  # no headings, and no --count or --interval
            headings = False
            run.opts.values.pop("count", None)
            run.opts.values.pop("interval", None)
        spec = spec + "," + given[1:] if given.startswith("+") else given
    return spec, headings


def _layout(run: Run, report: Report) -> None:
    """The layout switches, as _report_init() and dm_report_init() apply them."""
    opts = run.opts
    if opts.has("noheadings"):
        report.separator, report.aligned = ":", False
    report.buffered = not opts.has("unbuffered") or opts.get("sort") is not None
    report.quoted = not opts.has("unquoted")
    if opts.has("nameprefixes"):
        report.aligned, report.prefixes = False, True
    if opts.get("separator") is not None:
        report.separator, report.aligned = opts.get("separator") or "", False
    if opts.has("rows"):
        report.as_rows, report.buffered, report.aligned = True, True, False


def _set_selection(run: Run, setup: _Setup, report: Report, selection: str) -> bool:
    """dm_report_init_with_selection(): `help` (or `?`) shows the fields and operators; `all` selects all."""
    if not selection:
        return True
    if selection.lower() == "help" or selection == "?":
        for line in field_help(all_items=False, types=True) + [" "]:
            run.err(line)
        selection_help(run.err)
        report.already_reported = True
        return True
    if selection.lower() == "all":
        return True
    try:
        report.selection = parse_selection(_SelectionHooks(setup), selection)
    except SelectionError:
        return False
    return True
