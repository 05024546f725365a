"""Accessible, deterministic SVG charts of suppressed findings, for the web and the PDF.

Every number drawn here has passed research/findings/suppression.py; these functions only take care
that the *picture* reveals nothing more than the published numbers do:

* Bar chart: a hidden cell gets no bar at all (its length would be its count); the hidden
  label (``"< 5"``) stands in the bar's place, in a muted colour that still has 7:1 contrast.
* Stacked and diverging charts (the hidden-row rule): a row is drawn as proportions only when
  *every* one of its percentages is published, i.e. no cell of the row is hidden and the row's
  base is published and at least 10 (``SuppressedTable.row_pct`` is NaN otherwise). With one
  hidden cell the other segments' widths would add up to 100 % minus the hidden share, so a
  row with any hidden cell - zero or not, a hidden zero cannot be told from a hidden count -
  gets no segments, only the text "For få svar til å vise (< 5)" / "Too few answers to show
  (< 5)" (or "... andeler" / "... shares" when the base is merely under 10). Axis limits are
  worked out from the drawn rows only.

Output: one ``<svg>`` string with no XML prolog or DOCTYPE (ready to inline, or to wrap in a
data: URI); the root has ``role="img"`` and ``aria-labelledby`` pointing at a ``<title>`` (the
chart title) and a ``<desc>`` listing every published value in the chart's language, so a
screen reader, the ``alt`` text and the PDF text layer carry the same data as the picture.
Text stays text (``svg.fonttype = "none"``, DejaVu Sans). The same input gives the same bytes:
the hash salt is derived from the content, dates are left out, and matplotlib's global style
is reset to its defaults for the duration of a render.

Palette (colour-blind safe; every fill has at least 3:1 contrast against white, WCAG 1.4.11,
and white separators between segments so neighbours never rely on colour alone):

* bars: Okabe-Ito blue ``#0072B2``;
* stacked: Okabe-Ito, with its three light colours (orange, sky blue, yellow) darkened to
  3:1 - see ``CATEGORICAL``; cycled when a table has more columns than colours;
* diverging: orange (negative) - grey (neutral) - blue (positive), see ``NEGATIVE_RAMP``,
  ``NEUTRAL`` and ``POSITIVE_RAMP``; the stronger the answer, the darker the colour.

Text on a fill is white or black, whichever has the higher contrast; a fill with 3:1 against
white always has at least 4.5:1 with one of them. Values that do not fit inside their segment
are left to the ``<desc>`` (and the table under the chart).

Pure: no models, no network, no files (numbers and words in the chart's language come from
cms/formatting.py and the message catalogues, so Django's settings are needed). matplotlib
is imported lazily, the pyplot state machine
is never used (a ``Figure`` is built directly and dropped after saving), and renders are
serialised by a lock because rcParams are process-global.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import textwrap
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import escape

from django.utils.translation import gettext

from cms.formatting import check_language, number_text, per_language, percent_text

from .suppression import Cell, SuppressedTable, check_k, hidden_label, rule_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

Unit = Literal["count", "pct"]

# -- palette ---------------------------------------------------------------------------------

#: The single colour of a bar chart (Okabe-Ito blue, 5.2:1 on white).
BAR_COLOUR = "#0072B2"
#: Stacked bars: Okabe-Ito blue, vermillion, bluish green, reddish purple, then orange, sky
#: blue and yellow darkened to >= 3:1 on white (ochre, steel blue, olive), then grey.
CATEGORICAL: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#A07000",
    "#3B8CC2",
    "#7F7F2A",
    "#6B6B6B",
)
#: Diverging, negative side from the strongest to the mildest answer (dark to light orange).
NEGATIVE_RAMP: tuple[str, str] = ("#A04A00", "#D4741A")
#: Diverging, positive side from the mildest to the strongest answer (light to dark blue).
POSITIVE_RAMP: tuple[str, str] = ("#4393C3", "#2166AC")
#: The neutral answer of a diverging chart (4.5:1 on white).
NEUTRAL = "#767676"
#: Labels and values (16:1 on white).
TEXT_COLOUR = "#222222"
#: The hidden label and the "too few answers" text: muted, but 7:1 on white.
MUTED_TEXT = "#595959"
BACKGROUND = "#FFFFFF"
SEPARATOR = "#FFFFFF"

# -- text and layout -------------------------------------------------------------------------

FONT_FAMILY = "DejaVu Sans"
_WIDTH_IN = 16 / 2.54  # fits an A4 page with 2.5 cm margins
_FONT = 9.0  # category labels
_SMALL = 8.0  # values, legend, ticks
_WRAP = 30  # characters per line of a category label
_LEGEND_WRAP = 24

# rcParams for a render, applied on top of matplotlib's defaults inside an rc_context.
_RC: dict[RcKeyType, Any] = {
    "font.family": [FONT_FAMILY],
    "font.size": _FONT,
    "text.color": TEXT_COLOUR,
    "text.parse_math": False,  # "$" in a label is a dollar sign, not mathtext
    "axes.unicode_minus": False,
    "svg.fonttype": "none",  # text stays text: selectable, readable by pdftotext
    "svg.image_inline": True,
    "figure.dpi": 72,
    "savefig.dpi": 72,
    "savefig.facecolor": BACKGROUND,
    "savefig.edgecolor": BACKGROUND,
    "savefig.transparent": False,
}

_LOCK = threading.Lock()


# -- public ----------------------------------------------------------------------------------


def bar_chart_svg(
    title: str,
    bars: Sequence[tuple[str, Cell]],
    *,
    k: int,
    language: str = "nb",
    unit: Unit = "count",
) -> str:
    """Horizontal bars, one per ``(label, cell)`` in the given order, as an SVG string.

    The value is printed at the end of each bar: the count ("1 234" in nb, "1,234" in en), or
    with ``unit="pct"`` the percentage ("34 %" with a no-break space in nb, "34%" in en). A
    suppressed cell gets no bar (its length would give it away), only ``hidden_label(k)`` in
    the bar's place in a muted colour. ``unit="pct"`` falls back to counts for the whole chart
    when any visible cell has no published percentage (``suppress_counts`` publishes them for
    all visible cells or for none: the base is hidden or under 10). Bars get the ids
    ``bar-<index>`` (index into ``bars``), so hidden ones can be seen to be missing.

    Raises ``ValueError`` for no bars, an unknown ``unit`` or ``language``, or ``k`` below 3.
    """
    k = check_k(k)
    check_language(language)
    if unit not in ("count", "pct"):
        raise ValueError(f"unit must be 'count' or 'pct', got {unit!r}")
    if not bars:
        raise ValueError("a bar chart needs at least one bar")
    visible = [cell for _label, cell in bars if not cell.suppressed]
    use_pct = unit == "pct" and all(cell.pct is not None for cell in visible)

    items: list[str] = []
    for label, cell in bars:
        if cell.suppressed:
            items.append(f"{label}: {hidden_label(k)}")
        elif cell.pct is not None:
            share = percent_text(cell.pct, language)
            items.append(f"{label}: {_count(cell, k, language)} ({share})")
        else:
            items.append(f"{label}: {_count(cell, k, language)}")
    desc = "; ".join(items) + "."
    if any(cell.suppressed for _label, cell in bars):
        desc += " " + rule_text(k, language)

    def value(cell: Cell) -> float:
        if use_pct:
            return float(cell.pct or 0.0)
        return float(cell.count or 0)

    def value_text(cell: Cell) -> str:
        if use_pct:
            return percent_text(float(cell.pct or 0.0), language)
        return _count(cell, k, language)

    def draw() -> Figure:
        labels = [_wrap(label, _WRAP) for label, _cell in bars]
        texts = [hidden_label(k) if cell.suppressed else value_text(cell) for _label, cell in bars]
        lines = max(label.count("\n") + 1 for label in labels)
        slot = max(0.30, lines * _line_height(_FONT) + 0.10)
        label_w = max(_text_width(label, _FONT) for label in labels)
        value_w = max(_text_width(text, _SMALL) for text in texts)
        pad = 0.08
        left = label_w + 0.12 + pad
        right = value_w + 0.12 + pad
        top = bottom = 0.08
        height = top + slot * len(bars) + bottom
        fig, ax = _figure(height, left=left, right=right, top=top, bottom=bottom)

        top_value = max((value(cell) for cell in visible), default=0.0)
        ax.set_xlim(0, top_value if top_value > 0 else 1.0)
        ax.set_ylim(len(bars) - 0.5, -0.5)
        thickness = min(0.7, 0.22 / slot)
        ax.yaxis.set_visible(False)
        for index, (_label, cell) in enumerate(bars):
            _row_label(ax, index, labels[index])  # label, then value: the PDF's reading order
            if cell.suppressed:
                _annotate(ax, 0.0, index, hidden_label(k), colour=MUTED_TEXT)
                continue
            _bar(ax, index, 0.0, value(cell), thickness, BAR_COLOUR, f"bar-{index}")
            _annotate(ax, value(cell), index, texts[index], colour=TEXT_COLOUR)

        ax.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.spines["left"].set_color(TEXT_COLOUR)
        return fig

    return _render(draw, f"bar-{use_pct}", title, desc)


def stacked_chart_svg(title: str, table: SuppressedTable, *, language: str = "nb") -> str:
    """One 100 %-stacked horizontal bar per row of ``table``, one segment per column, from
    ``table.row_pct``; a legend names the columns.

    A row is drawn only when every one of its percentages is published (no hidden cell, base
    published and at least 10); otherwise it shows "For få svar til å vise (< k)" / "Too few
    answers to show (< k)" (a hidden cell) or "... andeler" / "... shares" (a small base)
    instead, because the widths of the other segments would give the hidden share away.
    Segments get the ids ``seg-<row>-<column>`` (positions in the table). Percentages are
    printed inside segments wide enough for them; all of them are in the ``<desc>``.

    Raises ``ValueError`` for a table without rows or columns or an unknown ``language``.
    """
    rows = _table_rows(table, language)
    ticks = [0, 25, 50, 75, 100]
    axis = _Axis(
        limits=(0.0, 100.0),
        ticks=[float(t) for t in ticks],
        labels=[percent_text(t, language) for t in ticks],
        offset=lambda _row: 0.0,
    )
    colours = [CATEGORICAL[i % len(CATEGORICAL)] for i in range(len(table.values.columns))]
    return _render(
        lambda: _draw_table(rows, table, colours, language, axis),
        "stacked",
        title,
        _table_desc(rows, table, language),
    )


def diverging_chart_svg(
    title: str,
    table: SuppressedTable,
    *,
    neutral: str | None = None,
    language: str = "nb",
) -> str:
    """The Likert diverging stacked bar: per row, the columns (ordered from the most negative
    to the most positive answer) are laid out so that the negative ones extend left of a zero
    line and the positive ones right of it.

    ``neutral`` names a column (compared as ``str(column)``) that is split half and half
    across zero; the columns before it are negative, those after it positive. Without a
    neutral column the first half of the columns (``len // 2``) is negative, the rest
    positive. The axis is in percent with absolute tick labels ("40 %" on both sides), its
    limits symmetric and worked out from the drawn rows only. The hidden-row rule, the ids
    ``seg-<row>-<column>`` and the ``<desc>`` are as in ``stacked_chart_svg``.

    Raises ``ValueError`` for a table without rows or columns, a ``neutral`` that is not a
    column, or an unknown ``language``.
    """
    rows = _table_rows(table, language)
    names = [str(column) for column in table.values.columns]
    if neutral is not None:
        if neutral not in names:
            raise ValueError(f"neutral column {neutral!r} is not one of {names}")
        middle = names.index(neutral)
        negative, positive = middle, len(names) - middle - 1
    else:
        middle = -1
        negative = len(names) // 2
        positive = len(names) - negative
    colours = diverging_colours(negative, neutral is not None, positive)

    def offset(row: _Row) -> float:
        pcts = row.pcts
        left = sum(pcts[:negative])
        if middle >= 0:
            left += pcts[middle] / 2
        return -left

    reach = max(
        (max(-offset(row), sum(row.pcts) + offset(row)) for row in rows if row.drawn),
        default=50.0,
    )
    limit = min(100, max(10, math.ceil(reach / 10 - 1e-9) * 10))
    step = 10 if limit <= 40 else 20 if limit <= 80 else 25
    ticks = list(range(-(limit // step) * step, limit + 1, step))

    axis = _Axis(
        limits=(-float(limit), float(limit)),
        ticks=[float(t) for t in ticks],
        labels=[percent_text(abs(t), language) for t in ticks],
        offset=offset,
        zero_line=True,
    )
    return _render(
        lambda: _draw_table(rows, table, colours, language, axis),
        f"diverging-{neutral}",
        title,
        _table_desc(rows, table, language),
    )


def diverging_colours(negative: int, neutral: bool, positive: int) -> list[str]:
    """Fills for a diverging chart, in column order: ``negative`` colours from the strongest
    to the mildest orange, the neutral grey if ``neutral``, ``positive`` colours from the
    mildest to the strongest blue. Interpolated in sRGB between the ramp ends; relative
    luminance is convex along such a line, so no colour is lighter than the lighter end and
    every one keeps at least the ends' 3:1 contrast against white."""
    colours = _ramp(NEGATIVE_RAMP, negative)
    if neutral:
        colours.append(NEUTRAL)
    return colours + _ramp(POSITIVE_RAMP, positive)


def text_colour_on(fill: str) -> str:
    """White or black, whichever contrasts more with ``fill`` (a "#RRGGBB" colour)."""
    white = contrast_ratio(fill, "#FFFFFF")
    black = contrast_ratio(fill, "#000000")
    return "#FFFFFF" if white >= black else "#000000"


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two "#RRGGBB" colours (1 to 21)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# -- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    label: str
    drawn: bool
    reason: str  # the "too few" text of a row that is not drawn
    pcts: list[float]  # per column; only meaningful when drawn
    counts: list[str]  # per column: the published count or the hidden label
    n: str  # the row total's label


def _table_rows(table: SuppressedTable, language: str) -> list[_Row]:
    words = _words(language)
    if table.values.shape[0] == 0 or table.values.shape[1] == 0:
        raise ValueError("a chart needs a table with at least one row and one column")
    k = table.k
    totals = list(table.row_totals.values())  # by position: an index may repeat a label
    rows: list[_Row] = []
    for position, label in enumerate(table.values.index):
        hidden = [bool(h) for h in table.hidden.iloc[position]]
        pcts = [float(p) for p in table.row_pct.iloc[position]]
        values = list(table.values.iloc[position])
        counts = [
            hidden_label(k) if gone else number_text(int(value), language, 0)
            for value, gone in zip(values, hidden, strict=True)
        ]
        drawn = not any(hidden) and all(math.isfinite(p) for p in pcts)
        if drawn:
            reason = ""
        elif any(hidden):
            reason = words["too_few"] % {"hidden": hidden_label(k)}
        else:
            reason = words["too_few_pct"]
        total = totals[position]
        n = hidden_label(k) if total.suppressed else number_text(int(total.count or 0), language, 0)
        rows.append(
            _Row(label=str(label), drawn=drawn, reason=reason, pcts=pcts, counts=counts, n=n)
        )
    return rows


def _table_desc(rows: list[_Row], table: SuppressedTable, language: str) -> str:
    words = _words(language)
    names = [str(column) for column in table.values.columns]
    sentences = []
    for row in rows:
        head = f"{row.label} ({words['n'] % {'n': row.n}})"
        if row.drawn:
            parts = [
                f"{name} {count} ({percent_text(pct, language)})"
                for name, count, pct in zip(names, row.counts, row.pcts, strict=True)
            ]
            sentences.append(f"{head}: {', '.join(parts)}.")
        else:
            parts = [f"{name} {count}" for name, count in zip(names, row.counts, strict=True)]
            sentences.append(f"{head}: {row.reason}; {', '.join(parts)}.")
    desc = " ".join(sentences)
    if bool(table.hidden.to_numpy().any()) or any(c.suppressed for c in table.row_totals.values()):
        desc += " " + rule_text(table.k, language)
    return desc


@dataclass(frozen=True)
class _Axis:
    """The x-axis of a stacked or diverging chart, and where each drawn row starts."""

    limits: tuple[float, float]
    ticks: list[float]
    labels: list[str]
    offset: Callable[[_Row], float]
    zero_line: bool = False


def _draw_table(
    rows: list[_Row],
    table: SuppressedTable,
    colours: list[str],
    language: str,
    axis: _Axis,
) -> Figure:
    names = [str(column) for column in table.values.columns]
    labels = [_wrap(row.label, _WRAP) for row in rows]
    legend_labels = [_wrap(name, _LEGEND_WRAP) for name in names]

    lines = max(label.count("\n") + 1 for label in labels)
    slot = max(0.36, lines * _line_height(_FONT) + 0.12)
    pad = 0.08
    left = max(_text_width(label, _FONT) for label in labels) + 0.12 + pad
    right = 0.25
    plot_w = _WIDTH_IN - left - right

    # Legend above the bars, row by row in column order, as many columns as fit.
    legend_widths = [_text_width(text, _SMALL) for text in legend_labels]
    legend_lines = max(text.count("\n") + 1 for text in legend_labels)
    legend_row_h = legend_lines * _line_height(_SMALL) + 0.06
    ncols = _legend_columns(legend_widths, plot_w + right)
    legend_h = math.ceil(len(names) / ncols) * legend_row_h

    top = 0.08 + legend_h + 0.14
    bottom = 0.32  # tick labels
    height = top + slot * len(rows) + bottom
    fig, ax = _figure(height, left=left, right=right, top=top, bottom=bottom)
    ax.set_xlim(*axis.limits)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    thickness = min(0.7, 0.26 / slot)
    points_per_pct = plot_w * 72 / (axis.limits[1] - axis.limits[0])

    ax.yaxis.set_visible(False)
    for index, row in enumerate(rows):
        _row_label(ax, index, labels[index])  # label, then values: the PDF's reading order
        if not row.drawn:
            _annotate(ax, axis.limits[0], index, row.reason, colour=MUTED_TEXT)
            continue
        start = axis.offset(row)
        for column, pct in enumerate(row.pcts):
            fill = colours[column]
            _bar(ax, index, start, pct, thickness, fill, f"seg-{index}-{column}", edge=True)
            text = percent_text(pct, language)
            if pct > 0 and _text_width(text, _SMALL) * 72 + 4 <= pct * points_per_pct:
                ax.text(
                    start + pct / 2,
                    index,
                    text,
                    ha="center",
                    va="center",
                    fontsize=_SMALL,
                    color=text_colour_on(fill),
                )
            start += pct
        if axis.zero_line:  # behind the segments, so it never crosses a printed value
            ax.plot(
                [0, 0],
                [index - 0.5, index + 0.5],
                color=TEXT_COLOUR,
                linewidth=1.0,
                solid_capstyle="butt",
                zorder=0.5,
            )

    _x_axis(ax, axis.ticks, axis.labels, plot_h=slot * len(rows))
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(TEXT_COLOUR)
    _legend(
        fig,
        colours,
        legend_labels,
        legend_widths,
        ncols,
        x=left,
        top=height - 0.08,
        row_h=legend_row_h,
    )
    return fig


# Legend geometry, in inches.
_KEY_W, _KEY_H, _KEY_GAP, _COLUMN_GAP = 0.16, 0.11, 0.06, 0.16


def _legend_columns(widths: list[float], available: float) -> int:
    """The most legend columns (entries placed row by row) that fit ``available`` inches."""
    for ncols in range(len(widths), 1, -1):
        total = sum(
            _KEY_W + _KEY_GAP + max(widths[column::ncols]) for column in range(ncols)
        ) + _COLUMN_GAP * (ncols - 1)
        if total <= available:
            return ncols
    return 1


def _legend(
    fig: Figure,
    colours: list[str],
    labels: list[str],
    widths: list[float],
    ncols: int,
    *,
    x: float,
    top: float,
    row_h: float,
) -> None:
    """A colour key per column, row by row in column order, from (x, top) in inches (drawn
    directly: matplotlib's Legend lays out column by column and costs more)."""
    # heavy: matplotlib loads when the first chart is drawn
    from matplotlib.patches import Rectangle

    inches = fig.dpi_scale_trans
    starts = [x]
    for column in range(ncols - 1):
        starts.append(starts[-1] + _KEY_W + _KEY_GAP + max(widths[column::ncols]) + _COLUMN_GAP)
    for index, (colour, label) in enumerate(zip(colours, labels, strict=False)):
        left = starts[index % ncols]
        middle = top - (index // ncols + 0.5) * row_h
        fig.add_artist(
            Rectangle(
                (left, middle - _KEY_H / 2),
                _KEY_W,
                _KEY_H,
                facecolor=colour,
                edgecolor="none",
                transform=inches,
                gid=f"key-{index}",
                zorder=-1,  # drawn before the axes: the key comes first in the text layer
            )
        )
        fig.text(
            left + _KEY_W + _KEY_GAP,
            middle,
            label,
            transform=inches,
            ha="left",
            va="center",
            fontsize=_SMALL,
            color=TEXT_COLOUR,
            zorder=-1,
        )


def _x_axis(ax: Axes, ticks: list[float], labels: list[str], *, plot_h: float) -> None:
    """Tick marks and labels under the axes (drawn directly: cheaper than matplotlib's)."""
    ax.xaxis.set_visible(False)
    length = 3 / 72 / plot_h  # 3 pt in axes fraction
    xs: list[float] = []
    ys: list[float] = []
    for tick in ticks:
        xs += [tick, tick, math.nan]
        ys += [0.0, -length, math.nan]
    ax.plot(
        xs,
        ys,
        color=TEXT_COLOUR,
        linewidth=0.8,
        transform=ax.get_xaxis_transform(),
        clip_on=False,
        solid_capstyle="butt",
    )
    for index, (tick, label) in enumerate(zip(ticks, labels, strict=True)):
        ax.annotate(
            label,
            xy=(tick, 0),
            xycoords=ax.get_xaxis_transform(),
            xytext=(0, -5),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=_SMALL,
            color=TEXT_COLOUR,
            annotation_clip=False,
            gid=f"tick-{index}",
        )


# -- rendering -------------------------------------------------------------------------------


def _figure(
    height: float, *, left: float, right: float, top: float, bottom: float
) -> tuple[Figure, Axes]:
    # heavy: matplotlib loads when the first chart is drawn
    from matplotlib.figure import Figure

    fig = Figure(figsize=(_WIDTH_IN, height), dpi=72, facecolor=BACKGROUND)
    width = max(_WIDTH_IN - left - right, 0.5)
    ax = fig.add_axes(
        (left / _WIDTH_IN, bottom / height, width / _WIDTH_IN, (height - top - bottom) / height)
    )
    ax.set_facecolor("none")
    return fig, ax


def _render(draw: Callable[[], Figure], kind: str, title: str, desc: str) -> str:
    """Build the figure with ``draw`` under a fixed style and save it as inline-ready SVG."""
    # heavy: matplotlib loads when the first chart is drawn
    import matplotlib

    digest = hashlib.sha256("\x1f".join((kind, title, desc)).encode()).hexdigest()[:12]
    chart_id = f"chart-{digest}"
    with _LOCK, matplotlib.rc_context():
        matplotlib.rcdefaults()  # another module's style must not change our bytes
        matplotlib.rcParams.update({**_RC, "svg.hashsalt": digest, "svg.id": chart_id})
        fig = draw()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML prolog or DOCTYPE: inlinable
    end = svg.index(">")
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = f'<svg role="img" aria-labelledby="{title_id} {desc_id}"' + svg[4:end] + ">"
    return (
        f'{head}\n <title id="{title_id}">{escape(title)}</title>'
        f'\n <desc id="{desc_id}">{escape(desc)}</desc>'
        f"{svg[end + 1 :]}"
    )


def _bar(
    ax: Axes,
    y: float,
    left: float,
    width: float,
    thickness: float,
    colour: str,
    gid: str,
    *,
    edge: bool = False,
) -> None:
    """A horizontal bar (or segment) centred on row ``y``, with the id ``gid``."""
    # heavy: matplotlib loads when the first chart is drawn
    from matplotlib.patches import Rectangle

    bar = Rectangle(
        (left, y - thickness / 2),
        width,
        thickness,
        facecolor=colour,
        edgecolor=SEPARATOR if edge else "none",
        linewidth=1.0 if edge else 0.0,
        gid=gid,
    )
    ax.add_artist(bar)  # limits are set explicitly, so no data-limit bookkeeping is needed


def _row_label(ax: Axes, index: int, label: str) -> None:
    """A category label right-aligned left of the axes (cheaper than y ticks)."""
    ax.annotate(
        label,
        xy=(0, index),
        xycoords=("axes fraction", "data"),
        xytext=(-6, 0),
        textcoords="offset points",
        ha="right",
        va="center",
        multialignment="right",
        fontsize=_FONT,
        color=TEXT_COLOUR,
        annotation_clip=False,
    )


def _annotate(ax: Axes, x: float, y: float, text: str, *, colour: str) -> None:
    """``text`` just right of data point (x, y), vertically centred."""
    ax.annotate(
        text,
        xy=(x, y),
        xytext=(4, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=_SMALL,
        color=colour,
        annotation_clip=False,
    )


@functools.lru_cache(maxsize=4096)
def _text_width(text: str, size: float) -> float:
    """Width in inches of (multi-line) ``text`` in DejaVu Sans at ``size`` points."""
    # heavy: matplotlib loads when the first chart is drawn
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=FONT_FAMILY, size=size)
    return (
        max(
            text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0]
            for line in text.split("\n")
        )
        / 72
    )


def _line_height(size: float) -> float:
    return size * 1.25 / 72


def _wrap(text: str, width: int) -> str:
    """Wrapped onto lines of about ``width`` characters; never shortened."""
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=True)) or text


# -- numbers and words -----------------------------------------------------------------------


@per_language
def _words(language: str) -> dict[str, str]:
    """The chart's own words in ``language`` (a shared dict: do not change it)."""
    return {
        # Translators: shown instead of a chart row; %(hidden)s is "< 5".
        "too_few": gettext("Too few answers to show (%(hidden)s)"),
        "too_few_pct": gettext("Too few answers to show shares"),
        # Translators: answers in a chart row; %(n)s is a count or "< 5".
        "n": gettext("n = %(n)s"),
    }


def _count(cell: Cell, k: int, language: str) -> str:
    if cell.suppressed or cell.count is None:
        return hidden_label(k)
    return number_text(cell.count, language, 0)


# -- colour ----------------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"expected a #RRGGBB colour, got {colour!r}")
    red, green, blue = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def linear(channel: float) -> float:
        if channel <= 0.04045:
            return channel / 12.92
        return float(((channel + 0.055) / 1.055) ** 2.4)

    red, green, blue = (linear(c) for c in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _ramp(ends: tuple[str, str], count: int) -> list[str]:
    if count <= 0:
        return []
    steps = [0.5] if count == 1 else [i / (count - 1) for i in range(count)]
    first, last = _rgb(ends[0]), _rgb(ends[1])
    return [
        "#"
        + "".join(f"{round(255 * (a + (b - a) * t)):02X}" for a, b in zip(first, last, strict=True))
        for t in steps
    ]
