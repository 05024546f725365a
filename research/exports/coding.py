"""The export's coding done by PostgreSQL: each response becomes one CSV line in SQL, and
Python touches only the free-text cells (scrubbing), the ranks, and the rare value SQL
cannot code exactly as research/exports/columns.py does.

research/exports/columns.py is the reference: `export_cells` decodes each raw value in
Python, one decoder per column, and research.exports.writers.write_csv writes the cells with
`csv.writer`. This module builds a query that produces the same bytes for the same data:

- every column that is neither free text nor a rank is coded in SQL — choice codes by one
  lookup in a JSON object, ticks by the same text search in the list's JSON text as
  Python's, meta fields, numbers as they are when every number of the row is a plain
  integer (one regular expression per row), text cells defused against spreadsheet
  formulas and quoted as `csv.writer` quotes (``,``, ``"``, CR or LF in the field);
- consecutive SQL-coded cells come as one text ("run"), so a row is a few fields: run,
  raw value, run, raw value, …, run, joined by ","; Python scrubs and quotes the free text
  and ranks the options of a ranking question's list (counting the commas before each
  option took PostgreSQL twice Python's time, and the two now take about as long);
- what SQL cannot code exactly (a number that is not a plain integer such as ``4.50``,
  text holding the marker character) is handed over as a marker
  ``\\x01 first:count \\x02 JSON \\x01`` carrying the raw value, and decoded by the
  column's own Python decoder.

A worker streams the rows over a connection of its own
(research.exports.selectors.survey_export_lines): PostgreSQL codes the next rows while Python
joins the current ones. tests/research/test_export_coding.py exports the same answers both
ways and compares the files byte for byte.
"""

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..findings.formulas import FORMULA_START, safe
from .columns import META_COLUMNS, SCRUBBED_KINDS, Column, column_decoder

# int(v) written back is v itself (below Python's 4,300 digits for int(); no bounded
# repetition: PostgreSQL's regex engine is slow with it).
PLAIN_INTEGER = r"^(0|-?[1-9][0-9]*)$"
# Every number of the row (",", NULL skipped) a plain integer or "": one test per row.
PLAIN_INTEGERS = r"^((0|-?[1-9][0-9]*)?,)*$"
MARK, SEP = "\x01", "\x02"  # never in a coded cell: text holding MARK is handed to Python


def csv_field(value: Any) -> str:
    """One cell as `csv.writer` writes it (None empty, minimal quoting)."""
    if value is None:
        return ""
    text = value if value.__class__ is str else str(value)
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


class _Sql:
    """Named query parameters (``%(qN)s``): a placeholder may be used more than once and
    the text built in any order."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}

    def p(self, value: Any) -> str:
        name = f"q{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"


@dataclass(frozen=True)
class CsvPlan:
    """The query over one response (its answers ``s.a`` and meta fields ``s.channel``,
    ``s.language``, ``s.version``, ``s.submitted_on``), and how its fields become a line."""

    lateral: list[str]  # raw values computed once per row, as x.r0, x.r1, …
    computed: list[str]  # SQL over those (y.rN), once per row: x.plain, x.k0, x.k1, …
    fields: list[str]  # what is fetched: runs of coded cells, raw free text and rank lists
    params: dict[str, Any]  # for the %(qN)s placeholders
    python_at: list[tuple[int, Callable[[Any], str]]]  # field index → its cells, coded by Python
    runs_at: list[int]  # field indexes of the runs
    decoders: list[Callable[[Any], Any]]  # per column, for the cells handed over
    numeric: list[bool]  # per column


# Cells coded in SQL. Constants are written with chr(), never as quoted literals.
_FORMULA_SQL = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)


def _text_cell(v: str, marker: str, once: Callable[[str], str]) -> str:
    """A text cell: empty for NULL or "", else defused and quoted as csv.writer does; text
    holding MARK goes to Python."""
    d = once(f"(CASE WHEN left({v}, 1) IN ({_FORMULA_SQL}) THEN chr(39) || {v} ELSE {v} END)")
    quoted = " OR ".join(f"strpos({d}, {c}) > 0" for c in ("','", "'\"'", "chr(10)", "chr(13)"))
    quote = f"(CASE WHEN {quoted} THEN '\"' || replace({d}, '\"', '\"\"') || '\"' ELSE {d} END)"
    return (
        f"(CASE WHEN {v} IS NULL OR {v} = '' THEN '' "
        f"WHEN strpos({v}, chr(1)) > 0 THEN {marker} ELSE {quote} END)"
    )


def _scalar_cell(sql: _Sql, column: Column, v: str, marker: str, once: Callable[[str], str]) -> str:
    """A column read from one text value ``v`` (->> text: lists as JSON text), coded as
    research.exports.columns.column_decoder codes it."""
    if column.kind == "multiple_choice":  # the option as a JSON string in the list's text
        empty = once(f"({v} IS NULL OR {v} = '' OR {v} = '[]')")
        token = sql.p(f'"{column.sub}"')
        return f"(CASE WHEN {empty} THEN '' WHEN strpos({v}, {token}) > 0 THEN '1' ELSE '0' END)"
    if column.codes:  # one lookup in {answer key: code}
        codes = sql.p(json.dumps({key: str(code) for key, code in column.codes.items()}))
        return f"coalesce({codes}::jsonb ->> {v}, '')"
    if column.kind == "consent":
        return f"(CASE WHEN {v} IS NULL OR {v} = '' THEN '' ELSE '1' END)"
    if column.numeric:  # a plain integer as it is, anything else by Python
        return (
            f"(CASE WHEN x.plain THEN coalesce({v}, '') WHEN {v} IS NULL OR {v} = '' THEN '' "
            f"WHEN length({v}) < 4000 AND {v} ~ {sql.p(PLAIN_INTEGER)} THEN {v} ELSE {marker} END)"
        )
    return _text_cell(v, marker, once)


def _free_text(clean_text: Callable[[str], str]) -> Callable[[Any], str]:
    """A free-text cell's CSV text (as the column's decoder codes the text the database
    returns): scrubbed, defused, quoted."""

    def cell(value: str | None) -> str:
        return "" if not value else csv_field(safe(clean_text(value)))

    return cell


def _ranks(tokens: list[str]) -> Callable[[Any], str]:
    """The CSV text of a ranking question's columns (one per option's ``"key"`` token)
    from its list's JSON text: research.exports.columns.column_decoder's ranks (the commas before
    the token, + 1), in one loop — PostgreSQL needs twice Python's time for them."""
    empty = ",".join([""] * len(tokens))
    # A ranking of n options has at most n! orders, and answers repeat them: each order's
    # cells are worked out once (up to RANKS_KEPT orders; the rest every time).
    known: dict[str, str] = {}

    def cells(value: Any) -> str:
        if value is None or value == "":
            return empty
        text = value if value.__class__ is str else str(value)
        if (hit := known.get(text)) is not None:
            return hit
        out = []
        for token in tokens:
            at = text.find(token)
            out.append("" if at < 0 else str(text.count(",", 0, at) + 1))
        line = ",".join(out)
        if len(known) < RANKS_KEPT:
            known[text] = line
        return line

    return cells


RANKS_KEPT = 5040  # the orders of 7 options


def _marker(sql: _Sql, first: int, count: int, v: str) -> str:
    """The raw value ``v`` handed to Python for ``count`` columns from ``first``."""
    head = sql.p(f"{first}:{count}")
    return f"(chr(1) || {head} || chr(2) || to_jsonb({v})::text || chr(1))"


META_SQL = {
    "channel": "s.channel",
    "language": "s.language",
    "version": "s.version::text",
    "submitted_on": "s.submitted_on::text",  # ISO (DateStyle is set: survey_export_lines)
}


def export_csv_plan(
    columns: list[Column],
    channel_labels: Mapping[Any, str],
    clean_text: Callable[[str], str],
) -> CsvPlan | None:
    """The query parts for the CSV lines of ``columns``; None when the channel labels
    cannot be coded in SQL (a name holding the marker character)."""
    link = csv_field(safe(channel_labels.get(None, "link")))
    other = csv_field(safe("link"))
    labels = {k: csv_field(safe(v)) for k, v in channel_labels.items() if k is not None}
    if any(MARK in text for text in [link, other, *labels.values()]):
        return None
    sql = _Sql()
    decoders = [column_decoder(c, channel_labels, clean_text) for c in columns]
    lateral: list[str] = []
    raw_of: dict[tuple[str, ...], str] = {}

    def raw(path: tuple[str, ...]) -> str:
        """The value at ``path`` as research.exports.selectors reads it (->> text): a meta field or
        an answer computed once per row; a matrix row read from its answer's object,
        which is taken out of the answers once per row (not once per matrix row)."""
        if path not in raw_of:
            if path[0] != "answers":
                expr = META_SQL[path[0]]
            elif len(path) == 3:
                whole = ("answers", path[1], "")
                if whole not in raw_of:
                    raw_of[whole] = f"r{len(lateral)}"
                    lateral.append(f"s.a -> {sql.p(path[1])} AS {raw_of[whole]}")
                raw_of[path] = f"(x.{raw_of[whole]} ->> {sql.p(path[2])})"
                return raw_of[path]
            else:
                expr = f"s.a ->> {sql.p(path[1])}"
            raw_of[path] = f"x.r{len(lateral)}"
            lateral.append(f"{expr} AS r{len(lateral)}")
        return raw_of[path]

    computed: list[str] = []

    named: dict[str, str] = {}

    def once(expr: str) -> str:
        """``expr`` over the raw values (x.rN), computed once per row in the level above."""
        if expr not in named:
            named[expr] = f"x.k{len(computed)}"
            computed.append(f"{expr.replace('x.r', 'y.r')} AS k{len(computed)}")
        return named[expr]

    groups: list[list[int]] = []  # consecutive columns reading one value
    for i, column in enumerate(columns):
        if groups and column.path == columns[groups[-1][0]].path:
            groups[-1].append(i)
        else:
            groups.append([i])
    fields: list[str] = []
    python_at: list[tuple[int, Callable[[Any], str]]] = []
    runs_at: list[int] = []
    run: list[str] = []  # SQL cells of the current run

    def close_run() -> None:
        if run:  # the cells joined by ","; every cell is a non-NULL text
            runs_at.append(len(fields))
            fields.append(f"concat_ws(',', {', '.join(run)})")
            run.clear()

    for group in groups:
        first = columns[group[0]]
        if first.kind in SCRUBBED_KINDS:  # free text: fetched raw, scrubbed by Python
            for i in group:
                close_run()
                python_at.append((len(fields), _free_text(clean_text)))
                fields.append(raw(columns[i].path))
            continue
        if first.kind == "ranking":  # the list fetched raw, ranked by Python
            close_run()
            python_at.append((len(fields), _ranks([f'"{columns[i].sub}"' for i in group])))
            fields.append(raw(first.path))
            continue
        if first.kind == "meta" and first.key == "channel":
            v = raw(first.path)
            whens = " ".join(f"WHEN {v} = {sql.p(k)} THEN {sql.p(t)}" for k, t in labels.items())
            run.append(
                f"(CASE WHEN {v} IS NULL THEN {sql.p(link)} {whens} ELSE {sql.p(other)} END)"
            )
        elif first.kind == "meta" and first.key in ("version", "submitted_on"):
            run.append(f"coalesce({raw(first.path)}, '')")
        else:
            v = raw(first.path)
            for i in group:
                run.append(_scalar_cell(sql, columns[i], v, _marker(sql, i, 1, v), once))
    close_run()
    numbers = ["y." + raw(c.path)[2:] for c in columns if c.is_number]  # x.rN over y
    # Every number shorter than int()'s limit (greatest skips NULL), then one regex test.
    longest = f"coalesce(greatest({', '.join(f'octet_length({n})' for n in numbers)}), 0)"
    joined = f"concat_ws(',', {', '.join(numbers)}, '')"
    plain = f"({longest} < 4000 AND {joined} ~ {sql.p(PLAIN_INTEGERS)})" if numbers else "true"
    return CsvPlan(
        lateral=lateral,
        computed=[f"{plain} AS plain", *computed],
        fields=fields,
        params=sql.params,
        python_at=python_at,
        runs_at=runs_at,
        decoders=decoders,
        numeric=[c.numeric for c in columns],
    )


def csv_select_query(plan: CsvPlan, responses_sql: str) -> str:
    """The query of the plan's fields over ``responses_sql`` (selecting the
    answers, channel id, language, version number and date). Each level is an ``OFFSET 0``
    subquery, so the raw values and the number test are computed once per row."""
    # Only this module's templates and Django's SQL: every value is a query parameter.
    meta = ", ".join(key for key, _label in META_COLUMNS)  # the order of META_FIELDS
    source = f"({responses_sql}) AS s(a, {meta})"
    values = f"SELECT {', '.join(plan.lateral)} FROM {source} OFFSET 0"  # noqa: S608
    computed = ", ".join(plan.computed)
    tested = f"SELECT y.*, {computed} FROM ({values}) AS y OFFSET 0"  # noqa: S608
    return f"SELECT {', '.join(plan.fields)} FROM ({tested}) AS x"  # noqa: S608


def _unmark(run: str, plan: CsvPlan) -> str:
    """The cells SQL handed over, decoded by their columns' Python decoders."""
    parts = run.split(MARK)
    for k in range(1, len(parts), 2):
        head, literal = parts[k].split(SEP, 1)
        first, count = (int(x) for x in head.split(":"))
        value = json.loads(literal)
        cells = []
        for i in range(first, first + count):
            cell = plan.decoders[i](value)
            cells.append(csv_field(cell if plan.numeric[i] else safe(cell)))
        parts[k] = ",".join(cells)
    return "".join(parts)


def csv_chunks(
    plan: CsvPlan, rows: Iterable[Sequence[Any]], size: int = 2000
) -> Iterator[tuple[int, str]]:
    """(rows, text) per ``size`` rows: the CSV lines of the fetched rows, CRLF-terminated."""
    python_at, runs_at = plan.python_at, plan.runs_at
    lines: list[str] = []
    for row in rows:
        parts = list(row)
        for at in runs_at:
            if MARK in parts[at]:
                parts[at] = _unmark(parts[at], plan)
        for at, encode in python_at:
            parts[at] = encode(parts[at])
        lines.append(",".join(parts))
        if len(lines) == size:
            yield size, "\r\n".join(lines) + "\r\n"
            lines = []
    if lines:
        yield len(lines), "\r\n".join(lines) + "\r\n"
