"""SVG charts of suppressed findings: accessible markup, no hidden value by text or geometry,
deterministic bytes, WCAG contrast of the palette, nb/en number formats, speed.

Inputs are built with the real suppression functions; the SVG is parsed with ElementTree and
bars/segments are found by their ids ("bar-<index>", "seg-<row>-<column>").
"""

import gc
import itertools
import os
import re
import subprocess
import sys
import threading
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from research.findings import charts
from research.findings.suppression import (
    SuppressedTable,
    rule_text,
    suppress_counts,
    suppress_table,
)

SVG = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"
LIKERT = ["Svært uenig", "Uenig", "Nøytral", "Enig", "Svært enig"]
ROOT = Path(__file__).resolve().parents[2]


# -- helpers -----------------------------------------------------------------------------------


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def texts(root: ET.Element) -> list[str]:
    """Every drawn text node (not <title>/<desc>)."""
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def desc(root: ET.Element) -> str:
    element = root.find(f"{SVG}desc")
    assert element is not None
    return element.text or ""


def ids(root: ET.Element, prefix: str) -> dict[str, ET.Element]:
    return {e.get("id", ""): e for e in root.iter() if e.get("id", "").startswith(prefix)}


def x_range(group: ET.Element) -> tuple[float, float]:
    """Left and right edge of the (one) filled path in a bar/segment group."""
    paths = [p for p in group.iter(f"{SVG}path") if "fill:" in p.get("style", "")]
    assert len(paths) == 1
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", paths[0].get("d", ""))]
    xs = numbers[0::2]
    return min(xs), max(xs)


def ticks(root: ET.Element) -> list[str]:
    """The x-axis tick labels, left to right."""
    return [
        t.text or ""
        for group in root.iter()
        if group.get("id", "").startswith("tick-")
        for t in group.iter(f"{SVG}text")
    ]


def fill(group: ET.Element) -> str:
    path = next(p for p in group.iter(f"{SVG}path") if "fill:" in p.get("style", ""))
    match = re.search(r"fill: (#[0-9a-fA-F]{6})", path.get("style", ""))
    assert match
    return match.group(1).upper()


def has_number(text: str, number: int) -> bool:
    return re.search(rf"(?<![\d,.]){number}(?![\d,])", text) is not None


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance, written out independently of the module."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def library_use() -> list:
    # Wifi = 3 is hidden (primary), Lesesal = 7 too (secondary: the total is published).
    series = suppress_counts(
        {"Lån": 12, "Wifi": 3, "Arrangementer": 20, "Lesesal": 7, "Kafé": 0}, k=5
    )
    assert series.cells["Wifi"].suppressed and series.cells["Lesesal"].suppressed
    return list(series.cells.items())


def three_by_three() -> SuppressedTable:
    # The 3 and, by secondary suppression, 20, 15 and 16 are hidden: rows Sentrum and Nord.
    table = suppress_table(
        pd.DataFrame(
            [[20, 15, 25], [3, 16, 22], [30, 18, 24]],
            index=["Sentrum", "Nord", "Sør"],
            columns=["Ja", "Nei", "Vet ikke"],
        ),
        k=5,
    )
    assert table.hidden.to_numpy().tolist() == [
        [True, True, False],
        [True, True, False],
        [False, False, False],
    ]
    return table


def likert() -> SuppressedTable:
    # The last two rows hide each other's small cells (3, 2 / 2, 4); the others stay whole.
    table = suppress_table(
        pd.DataFrame(
            [
                [10, 20, 30, 25, 15],
                [6, 14, 20, 40, 20],
                [40, 30, 10, 12, 8],
                [3, 6, 0, 8, 2],
                [2, 7, 0, 9, 4],
            ],
            index=["Åpningstider", "Utvalg", "Wifi", "Parkering", "Kafé"],
            columns=LIKERT,
        ),
        k=5,
    )
    assert not table.hidden.iloc[:3].to_numpy().any()
    assert table.hidden.iloc[3].any() and table.hidden.iloc[4].any()
    return table


# -- markup and accessibility --------------------------------------------------------------


def test_root_is_an_img_labelled_by_title_and_desc_and_inlinable():
    svg = charts.bar_chart_svg("Hva bruker du <biblioteket> til?", library_use(), k=5)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg and "DOCTYPE" not in svg
    root = parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title, description = root[0], root[1]  # first children, before any drawing
    assert (title.tag, title.get("id"), title.text) == (
        f"{SVG}title",
        title_id,
        "Hva bruker du <biblioteket> til?",
    )
    assert (description.tag, description.get("id")) == (f"{SVG}desc", desc_id)
    # 16 cm wide (A4 with margins); text stays text in DejaVu Sans.
    assert root.get("width") == f"{16 / 2.54 * 72:.6f}pt"
    assert "DejaVu Sans" in svg
    assert texts(root)


def test_ids_differ_between_charts_so_they_can_share_a_page():
    first = parse(charts.bar_chart_svg("A", library_use(), k=5))
    second = parse(charts.bar_chart_svg("B", library_use(), k=5))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


# -- bar chart -------------------------------------------------------------------------------


def test_bar_chart_shows_every_visible_label_and_value_and_the_hidden_label():
    root = parse(charts.bar_chart_svg("Bruk", library_use(), k=5, language="nb"))
    drawn = texts(root)
    for label in ("Lån", "Wifi", "Arrangementer", "Lesesal", "Kafé"):
        assert label in drawn
    assert "12" in drawn and "20" in drawn and "0" in drawn
    assert drawn.count("< 5") == 2
    assert desc(root) == (
        "Lån: 12 (29\u00a0%); Wifi: < 5; Arrangementer: 20 (48\u00a0%); Lesesal: < 5; "
        "Kafé: 0 (0\u00a0%). " + rule_text(5, "nb")
    )


def test_a_suppressed_cell_has_no_bar_and_its_value_appears_nowhere():
    bars = library_use()
    for unit in ("count", "pct"):
        svg = charts.bar_chart_svg("Bruk", bars, k=5, unit=unit)
        root = parse(svg)
        found = ids(root, "bar-")
        visible = {f"bar-{i}" for i, (_label, cell) in enumerate(bars) if not cell.suppressed}
        assert set(found) == visible == {"bar-0", "bar-2", "bar-4"}
        for text in [*texts(root), desc(root)]:
            assert not has_number(text, 3)  # Wifi's true count
            assert not has_number(text, 7)  # Lesesal's, hidden by secondary suppression
        # The hidden label stands in the bar's place, muted but readable (>= 4.5:1).
        hidden = [t for t in root.iter(f"{SVG}text") if t.text == "< 5"]
        assert len(hidden) == 2
        for element in hidden:
            colour = re.search(r"fill: (#[0-9a-fA-F]{6})", element.get("style", ""))
            assert colour and contrast(colour.group(1), "#FFFFFF") >= 4.5
        # Lengths are proportional to the published values, starting at the same baseline.
        (l0, r0), (l2, r2), (l4, r4) = (x_range(found[i]) for i in ("bar-0", "bar-2", "bar-4"))
        assert l0 == pytest.approx(l2) == pytest.approx(l4)
        assert (r0 - l0) / (r2 - l2) == pytest.approx(12 / 20, abs=1e-4)
        assert r4 - l4 == pytest.approx(0)


def test_an_all_hidden_series_draws_no_bars():
    series = suppress_counts({"a": 1, "b": 2}, k=5)
    root = parse(charts.bar_chart_svg("Tiny", list(series.cells.items()), k=5, language="en"))
    assert ids(root, "bar-") == {}
    assert texts(root).count("< 5") == 2
    for text in [*texts(root), desc(root)]:
        assert not has_number(text, 1) and not has_number(text, 2)


def test_bar_value_formats_in_nb_and_en():
    bars = list(suppress_counts({"Bøker": 1234, "Film": 5678}, k=5).cells.items())
    nb = parse(charts.bar_chart_svg("Lån", bars, k=5, language="nb"))
    en = parse(charts.bar_chart_svg("Loans", bars, k=5, language="en"))
    assert f"1{NBSP}234" in texts(nb) and f"5{NBSP}678" in texts(nb)
    assert "1,234" in texts(en) and "5,678" in texts(en)
    assert desc(nb) == f"Bøker: 1{NBSP}234 (18{NBSP}%); Film: 5{NBSP}678 (82{NBSP}%)."
    assert desc(en) == "Bøker: 1,234 (18%); Film: 5,678 (82%)."
    nb_pct = texts(parse(charts.bar_chart_svg("Lån", bars, k=5, language="nb", unit="pct")))
    en_pct = texts(parse(charts.bar_chart_svg("Lån", bars, k=5, language="en", unit="pct")))
    assert f"18{NBSP}%" in nb_pct and f"82{NBSP}%" in nb_pct
    assert "18%" in en_pct and "82%" in en_pct


def test_pct_falls_back_to_counts_when_the_base_is_under_10():
    series = suppress_counts({"Ja": 6, "Nei": 0}, k=5)  # base 6: no percentages published
    assert series.cells["Ja"].pct is None
    root = parse(charts.bar_chart_svg("Svar", list(series.cells.items()), k=5, unit="pct"))
    drawn = texts(root)
    assert "6" in drawn and "0" in drawn
    assert not any("%" in text for text in drawn)
    assert set(ids(root, "bar-")) == {"bar-0", "bar-1"}


def test_long_labels_are_wrapped_not_cut_and_dollars_stay_text():
    label = "Arrangementer for barn og unge, inkludert lesestunder og språkkafé på lørdager"
    bars = list(suppress_counts({label: 30, "Pris $5 og $10": 20}, k=5).cells.items())
    drawn = texts(parse(charts.bar_chart_svg("Bruk", bars, k=5)))
    lines = [t for t in drawn if t and t in label]
    assert len(lines) >= 2 and all(len(line) <= 35 for line in lines)
    assert " ".join(lines) == label
    assert "Pris $5 og $10" in drawn


def test_bar_chart_grows_with_the_number_of_bars():
    def height(bars: list) -> float:
        return float(parse(charts.bar_chart_svg("A", bars, k=5)).get("height", "")[: -len("pt")])

    assert height(library_use() * 3) > 2 * height(library_use()[:2])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        charts.bar_chart_svg("A", library_use(), k=5, language="sv")
    with pytest.raises(ValueError):
        charts.bar_chart_svg("A", library_use(), k=5, unit="share")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        charts.bar_chart_svg("A", [], k=5)
    with pytest.raises(ValueError):
        charts.bar_chart_svg("A", library_use(), k=2)
    with pytest.raises(ValueError):
        charts.stacked_chart_svg("A", three_by_three(), language="de")
    with pytest.raises(ValueError, match="neutral"):
        charts.diverging_chart_svg("A", likert(), neutral="Vet ikke")


# -- stacked ---------------------------------------------------------------------------------


def test_stacked_rows_with_a_hidden_cell_have_no_segments_but_the_too_few_text():
    table = three_by_three()
    root = parse(charts.stacked_chart_svg("Svar", table, language="nb"))
    segments = ids(root, "seg-")
    assert set(segments) == {"seg-2-0", "seg-2-1", "seg-2-2"}
    drawn = texts(root)
    assert drawn.count("For få svar til å vise (< 5)") == 2
    for label in ("Sentrum", "Nord", "Sør", "Ja", "Nei", "Vet ikke"):  # rows and legend
        assert label in drawn
    # No hidden count shows anywhere, neither drawn nor in the description.
    for text in [*drawn, desc(root)]:
        for hidden in (3, 15, 16, 20):
            assert not has_number(text, hidden)
    # The drawn row: widths in proportion to row_pct, filling the axis, side by side.
    edges = [x_range(segments[f"seg-2-{j}"]) for j in range(3)]
    widths = [right - left for left, right in edges]
    pcts = table.row_pct.loc["Sør"].tolist()
    for width, pct in zip(widths, pcts, strict=True):
        assert width / sum(widths) == pytest.approx(pct / 100, abs=1e-4)
    for (_l, right), (left, _r) in itertools.pairwise(edges):
        assert right == pytest.approx(left, abs=1e-3)


def test_stacked_description_lists_every_published_value():
    text = desc(parse(charts.stacked_chart_svg("Svar", three_by_three(), language="en")))
    assert text.startswith("Sentrum (n = 60): Too few answers to show (< 5); Ja < 5, Nei < 5,")
    assert "Sør (n = 72): Ja 30 (42%), Nei 18 (25%), Vet ikke 24 (33%)." in text
    assert text.endswith(rule_text(5, "en"))


def test_a_row_whose_base_is_under_10_is_not_drawn_either():
    table = suppress_table(pd.DataFrame([[5, 0], [40, 20]], index=["Få", "Mange"]), k=5)
    assert not table.hidden.to_numpy().any()  # nothing hidden, but base 5 < 10
    root = parse(charts.stacked_chart_svg("Svar", table, language="nb"))
    assert set(ids(root, "seg-")) == {"seg-1-0", "seg-1-1"}
    assert "For få svar til å vise andeler" in texts(root)


def test_stacked_fills_come_from_the_palette_and_percent_labels_read_well():
    root = parse(charts.stacked_chart_svg("Svar", likert(), language="nb"))
    segments = ids(root, "seg-")
    assert {key.rsplit("-", 1)[0] for key in segments} == {"seg-0", "seg-1", "seg-2"}
    for key, group in segments.items():
        column = int(key.rsplit("-", 1)[1])
        assert fill(group) == charts.CATEGORICAL[column]
    assert f"25{NBSP}%" in texts(root) and f"100{NBSP}%" in texts(root)  # 25 % and the axis


# -- diverging -------------------------------------------------------------------------------


def test_diverging_neutral_is_split_across_zero_and_sides_diverge():
    table = likert()
    root = parse(charts.diverging_chart_svg("Enig?", table, neutral="Nøytral", language="nb"))
    segments = ids(root, "seg-")
    assert {key.rsplit("-", 1)[0] for key in segments} == {"seg-0", "seg-1", "seg-2"}
    assert texts(root).count("For få svar til å vise (< 5)") == 2

    centres = []
    for row in range(3):
        edges = [x_range(segments[f"seg-{row}-{j}"]) for j in range(5)]
        zero = (edges[2][0] + edges[2][1]) / 2
        centres.append(zero)
        assert edges[1][1] <= zero + 1e-3 and edges[3][0] >= zero - 1e-3
        scale = (edges[4][1] - edges[0][0]) / 100
        pcts = table.row_pct.iloc[row].tolist()
        assert zero - edges[0][0] == pytest.approx((pcts[0] + pcts[1] + pcts[2] / 2) * scale)
    assert centres[0] == pytest.approx(centres[1], abs=1e-3)
    assert centres[0] == pytest.approx(centres[2], abs=1e-3)

    # Ticks in % with absolute values on both sides; colours orange - grey - blue.
    labels = ticks(root)
    assert labels == labels[::-1] and labels.count(f"40{NBSP}%") == 2
    assert labels[len(labels) // 2] == f"0{NBSP}%"
    assert not any(t.startswith(("-", "\u2212")) for t in texts(root))
    expected = charts.diverging_colours(2, True, 2)
    assert [fill(segments[f"seg-0-{j}"]) for j in range(5)] == expected
    assert expected[2] == charts.NEUTRAL


def test_diverging_without_neutral_puts_the_first_half_left_of_zero():
    table = suppress_table(
        pd.DataFrame([[10, 20, 30, 40], [25, 25, 25, 25]], index=["A", "B"], columns=list("1234")),
        k=5,
    )
    root = parse(charts.diverging_chart_svg("Enig?", table, language="en"))
    segments = ids(root, "seg-")
    zeros = []
    for row in range(2):
        edges = [x_range(segments[f"seg-{row}-{j}"]) for j in range(4)]
        assert edges[1][1] == pytest.approx(edges[2][0], abs=1e-3)
        zeros.append(edges[1][1])
    assert zeros[0] == pytest.approx(zeros[1], abs=1e-3)
    # 30 % left, 70 % right: a symmetric axis to 70 % with absolute ticks.
    assert ticks(root) == ["60%", "40%", "20%", "0%", "20%", "40%", "60%"]


def test_diverging_limits_come_from_drawn_rows_only():
    # Drawn, rows B and C would need the axis to reach further left; hidden, they must not
    # change the scale.
    columns = list("1234")
    alone = pd.DataFrame([[10, 20, 60, 110]], index=["A"], columns=columns)
    hidden = pd.DataFrame([[90, 3, 0, 5], [80, 2, 0, 6]], index=["B", "C"], columns=columns)
    table = suppress_table(pd.concat([alone, hidden]), k=5)
    assert table.hidden.to_numpy().any(axis=1).tolist() == [False, True, True]
    first = parse(charts.diverging_chart_svg("X", suppress_table(alone, k=5)))
    second = parse(charts.diverging_chart_svg("X", table))
    assert ticks(first) == ticks(second)
    assert ticks(first)[0] == f"75{NBSP}%"  # 85 % right: axis to 90 %, ticks every 25 %


# -- determinism, palette, speed, purity -----------------------------------------------------


def test_same_input_gives_identical_bytes():
    bars, table = library_use(), likert()
    for render in (
        lambda: charts.bar_chart_svg("Bruk", bars, k=5, unit="pct"),
        lambda: charts.stacked_chart_svg("Enig?", table),
        lambda: charts.diverging_chart_svg("Enig?", table, neutral="Nøytral", language="en"),
    ):
        assert render() == render()


def test_renders_from_several_threads_match_sequential_ones():
    table = likert()
    expected = charts.diverging_chart_svg("Enig?", table, neutral="Nøytral")
    results: list[str] = []

    def work() -> None:
        results.append(charts.diverging_chart_svg("Enig?", table, neutral="Nøytral"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_every_fill_has_3_to_1_against_white_and_text_on_it_4_5_to_1():
    fills = {charts.BAR_COLOUR, charts.NEUTRAL, *charts.CATEGORICAL}
    for negative in range(7):
        for positive in range(7):
            for neutral in (False, True):
                fills.update(charts.diverging_colours(negative, neutral, positive))
    assert len(fills) > 20
    for colour in fills:
        assert contrast(colour, "#FFFFFF") >= 3.0, colour
        assert contrast(charts.text_colour_on(colour), colour) >= 4.5, colour
        assert charts.contrast_ratio(colour, "#FFFFFF") == pytest.approx(
            contrast(colour, "#FFFFFF")
        )
    for text in (charts.TEXT_COLOUR, charts.MUTED_TEXT):
        assert contrast(text, "#FFFFFF") >= 4.5


def test_charts_leave_nothing_behind():
    """No pyplot figure manager, no figure alive, no memory growth (how fast a chart
    renders is bench/findings.py's to measure, not a timed test's)."""
    from matplotlib._pylab_helpers import Gcf
    from matplotlib.figure import Figure

    bars, table = library_use(), likert()
    renders = [
        lambda: charts.bar_chart_svg("Bruk", bars, k=5, unit="pct"),
        lambda: charts.stacked_chart_svg("Enig?", table),
        lambda: charts.diverging_chart_svg("Enig?", table, neutral="Nøytral"),
    ]
    for render in renders:  # warm up: imports, font cache
        render()
    managers = Gcf.get_num_fig_managers()

    # 50 charts: no pyplot figure manager, no figure left alive afterwards. (type(), not
    # isinstance(): a lazy object left by an earlier request must not be evaluated.)
    for i in range(50):
        renders[i % 3]()
    assert Gcf.get_num_fig_managers() == managers
    gc.collect()
    assert not [o for o in gc.get_objects() if issubclass(type(o), Figure)]

    # And memory does not grow with the number of charts (tracemalloc is slow: fewer here).
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(9):
        renders[i % 3]()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 500_000, grown


def test_module_is_pure_no_models_and_no_pyplot():
    """Charts and suppression import no models and no database layer, so they import before
    Django is set up; their numbers and words come from Django's formats and catalogues
    (DESIGN C15), so a render needs the settings and the apps' catalogues, nothing more."""
    code = (
        "import sys, django, research.findings.charts as c, research.findings.suppression as s\n"
        "loaded = [m for m in sys.modules if m.startswith('django.db') or m.endswith('.models')]\n"
        "assert not loaded, loaded\n"
        "django.setup()\n"
        "svg = c.bar_chart_svg('T', list(s.suppress_counts({'a': 10}).cells.items()), k=5)\n"
        "assert svg.startswith('<svg')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.test"}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=120)
