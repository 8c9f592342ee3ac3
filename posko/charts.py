"""The coordinators' charts, drawn by matplotlib from ``posko.statistics.Statistics``. No Qt:
the desk's Statistik section shows them (drawn on a worker thread into pixels), the PDF
export embeds them, the central statistics page serves them as SVG, all from this one
drawing code, so a chart looks and counts the same wherever it is seen.

Why matplotlib (and not QtCharts): it draws without Qt (``posko export`` from the command
line, and the central server, which has no Qt at all), to pixels, PNG, SVG or PDF; it is
well kept (NumFOCUS, a release every six months); and QtCharts would need PySide6-Addons,
whose wheel brings Qt WebEngine and 3D along (hundreds of MB) to every desk install.
Only ``matplotlib.figure.Figure`` with the Agg canvas is used, never ``pyplot``: no global
state, so a worker thread can draw while the GUI thread runs.

Every bar carries its number, so a chart can be read without hovering, and ``describe``
gives each chart's figures as text (the screen reader's version, and the tests')."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from posko.i18n import N_, _, current_language
from posko.statistics import Count, Deadline, Statistics

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Okabe and Ito's palette: told apart by people with any common colour blindness.
BLUE, ORANGE, GREEN, VERMILION, GREY, SKY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#999999",
    "#56B4E9",
)
DEADLINE_COLOURS = {
    Deadline.CLOSED: GREY,
    Deadline.ON_TIME: GREEN,
    Deadline.DUE_SOON: ORANGE,
    Deadline.OVERDUE: VERMILION,
}
# Longest lists drawn bar by bar; the rest add up to one "Others" bar.
MOST_BARS = 8


@dataclass(frozen=True)
class Style:
    """How big and how stark: the desk passes its text size and theme."""

    font_size: float = 9.0
    high_contrast: bool = False

    @property
    def ink(self) -> str:
        return "#000000" if self.high_contrast else "#222222"


@dataclass(frozen=True)
class Chart:
    name: str
    title: str  # untranslated (N_)
    draw: Callable[[Axes, Statistics, Style], None]
    describe: Callable[[Statistics], list[str]]


# -- each chart -------------------------------------------------------------------------------


def _short_day(day: Any) -> str:
    from babel.dates import format_date

    return str(format_date(day, "d MMM", locale=current_language()))


def _draw_people(axes: Axes, stats: Statistics, style: Style) -> None:
    days = stats.people
    if not days:
        _empty(axes, style)
        return
    x = range(len(days))
    bars = axes.bar(x, [d.people for d in days], color=BLUE, label=_("People reached"))
    if len(days) <= 14:
        axes.bar_label(bars, fontsize=style.font_size * 0.85, color=style.ink)
    targets = [d.target if d.target is not None else float("nan") for d in days]
    if any(d.target is not None for d in days):
        axes.step(x, targets, where="mid", color=VERMILION, linewidth=2.2, label=_("Target"))
        _legend(axes, style)
    axes.margins(y=0.12)
    root = axes.get_figure(root=True)
    inches = root.get_figwidth() if root is not None else 6.0
    fits = max(2, int(inches * 72 / (style.font_size * 5)))
    step = -(-len(days) // fits)
    axes.set_xticks(list(x)[::step], [_short_day(d.day) for d in days][::step])
    axes.set_ylabel(_("People"), fontsize=style.font_size)


def _describe_people(stats: Statistics) -> list[str]:
    lines = []
    for d in stats.people:
        target = "" if d.target is None else " / " + _("target {n}").format(n=d.target)
        lines.append(f"{d.day.isoformat()}: {d.people}{target}")
    return lines


def _top(counts: Sequence[Count]) -> list[Count]:
    """At most ``MOST_BARS`` bars: the largest, then one for the rest."""
    if len(counts) <= MOST_BARS:
        return list(counts)
    kept = list(counts[: MOST_BARS - 1])
    rest = sum(c.count for c in counts[MOST_BARS - 1 :])
    return [*kept, Count("*", _("Others"), rest)]


def _horizontal(
    axes: Axes, counts: Sequence[Count], style: Style, colours: Sequence[str] | None = None
) -> None:
    if not counts or not any(c.count for c in counts):
        _empty(axes, style)
        return
    y = range(len(counts))
    bars = axes.barh(
        y, [c.count for c in counts], color=list(colours) if colours else BLUE, height=0.65
    )
    axes.set_yticks(list(y), [_wrapped(c.label) for c in counts])
    axes.invert_yaxis()
    axes.bar_label(bars, padding=3, fontsize=style.font_size * 0.85, color=style.ink)
    axes.margins(x=0.15)


def _wrapped(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _describe_counts(counts: Sequence[Count]) -> list[str]:
    return [f"{c.label}: {c.count}" for c in counts]


def _draw_deadlines(axes: Axes, stats: Statistics, style: Style) -> None:
    colours = [DEADLINE_COLOURS[Deadline(c.key)] for c in stats.deadlines]
    _horizontal(axes, stats.deadlines, style, colours)


def _draw_ikm(axes: Axes, stats: Statistics, style: Style) -> None:
    score = stats.survey
    survey = stats.survey_definition
    codes = [code for code in survey.codes if code in score.nrr]
    if not codes:
        _empty(axes, style)
        return
    values = [float(score.nrr[code]) * 25 for code in codes]
    y = range(len(codes))
    bars = axes.barh(y, values, color=GREEN, height=0.65)
    names = []
    for code in codes:
        element = survey.element(code)
        names.append(_wrapped(element.name() if element else code, 30))
    axes.set_yticks(list(y), names)
    axes.invert_yaxis()
    axes.set_xlim(0, 110)  # room for the label of a bar at 100
    axes.set_xticks([0, 20, 40, 60, 80, 100])
    axes.bar_label(bars, fmt="%.1f", padding=3, fontsize=style.font_size * 0.85)
    if score.ikm is not None:
        axes.axvline(float(score.ikm), color=VERMILION, linewidth=1.6)
        grade = score.grade.letter if score.grade else "-"
        axes.set_xlabel(
            _("IKM {ikm} (grade {grade}), {n} respondents").format(
                ikm=f"{score.ikm:.2f}", grade=grade, n=score.respondents
            ),
            fontsize=style.font_size,
        )


def _describe_ikm(stats: Statistics) -> list[str]:
    score = stats.survey
    if score.ikm is None:
        return [_("No survey answers.")]
    grade = score.grade.letter if score.grade else "-"
    lines = [f"IKM {score.ikm:.2f} ({grade}), {score.respondents}"]
    for code in stats.survey_definition.codes:
        if code in score.nrr:
            element = stats.survey_definition.element(code)
            name = element.name() if element else code
            lines.append(f"{name}: {float(score.nrr[code]) * 25:.1f}")
    return lines


def _draw_merchandise(axes: Axes, stats: Statistics, style: Style) -> None:
    rows = stats.merchandise
    if not rows:
        _empty(axes, style)
        return
    y = range(len(rows))
    given = axes.barh(
        [i - 0.2 for i in y],
        [m.handed_out for m in rows],
        0.4,
        color=BLUE,
        label=_("Handed out"),
    )
    left = axes.barh(
        [i + 0.2 for i in y], [m.in_stock for m in rows], 0.4, color=SKY, label=_("In stock")
    )
    axes.set_yticks(list(y), [_wrapped(m.label) for m in rows])
    axes.invert_yaxis()
    for bars in (given, left):
        axes.bar_label(bars, padding=3, fontsize=style.font_size * 0.85)
    axes.margins(x=0.15)
    _legend(axes, style)


def _describe_merchandise(stats: Statistics) -> list[str]:
    return [
        _("{item}: {handed} handed out, {stock} in stock").format(
            item=m.label, handed=m.handed_out, stock=m.in_stock
        )
        for m in stats.merchandise
    ]


def _legend(axes: Axes, style: Style) -> None:
    """In the title's row, on the right: never over a bar."""
    axes.legend(
        fontsize=style.font_size * 0.85,
        frameon=False,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=2,
        borderaxespad=0.1,
    )


def _empty(axes: Axes, style: Style) -> None:
    axes.text(
        0.5,
        0.5,
        _("Nothing recorded yet"),
        ha="center",
        va="center",
        transform=axes.transAxes,
        fontsize=style.font_size,
        color=GREY,
    )
    axes.set_xticks([])
    axes.set_yticks([])


CHARTS: tuple[Chart, ...] = (
    Chart("people", N_("People reached per day"), _draw_people, _describe_people),
    Chart(
        "categories",
        N_("Complaints per category"),
        lambda a, s, st: _horizontal(a, _top(s.categories), st),
        lambda s: _describe_counts(s.categories),
    ),
    Chart(
        "agencies",
        N_("Complaints per agency"),
        lambda a, s, st: _horizontal(a, _top(s.agencies), st),
        lambda s: _describe_counts(s.agencies),
    ),
    Chart(
        "deadlines",
        N_("Answer deadlines"),
        _draw_deadlines,
        lambda s: _describe_counts(s.deadlines),
    ),
    Chart("ikm", N_("Satisfaction (IKM) per element"), _draw_ikm, _describe_ikm),
    Chart(
        "merchandise",
        N_("Merchandise handed out and in stock"),
        _draw_merchandise,
        _describe_merchandise,
    ),
)
NAMES = tuple(chart.name for chart in CHARTS)


def chart(name: str) -> Chart:
    return next(c for c in CHARTS if c.name == name)


# -- drawing ----------------------------------------------------------------------------------


def figure(
    name: str,
    stats: Statistics,
    width: float,
    height: float,
    dpi: float,
    style: Style | None = None,
) -> Figure:
    """Chart ``name`` drawn on a new figure of ``width`` × ``height`` inches."""
    import matplotlib
    from matplotlib.figure import Figure

    # Ids in SVG files from a fixed salt: the same figures give the same file. No
    # mathtext: a "$" in an agency's or a category's name stays a dollar sign.
    matplotlib.rcParams["svg.hashsalt"] = "posko"
    matplotlib.rcParams["text.parse_math"] = False
    chosen = style or Style()
    shown = chart(name)
    fig = Figure(figsize=(width, height), dpi=dpi)
    axes = fig.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=chosen.font_size * 0.9, colors=chosen.ink)
    axes.set_title(
        _(shown.title),
        fontsize=chosen.font_size * 1.15,
        loc="left",
        color=chosen.ink,
        fontweight="bold",
    )
    shown.draw(axes, stats, chosen)
    if chosen.high_contrast:  # the desk's theme for sun on the screen: outlined, thicker
        for patch in axes.patches:
            patch.set_edgecolor("#000000")
            patch.set_linewidth(1.2)
        for spine in axes.spines.values():
            spine.set_linewidth(1.6)
    _margins(fig, axes, chosen, width, height)
    return fig


def _margins(fig: Figure, axes: Axes, style: Style, width: float, height: float) -> None:
    """Room for the tick labels, estimated from their length (matplotlib's constrained
    layout measures every text and would double the drawing time)."""
    labels = [t.get_text() for t in axes.get_yticklabels()]
    longest = max((len(text) for text in labels), default=3)
    points = style.font_size * 0.9
    label_room = points * 2.2 if axes.get_ylabel() else 0.0
    left = (longest * points * 0.6 + points * 1.5 + label_room) / 72 / width
    line = points * 1.4 / 72 / height
    bottom = line * (3.4 if axes.get_xlabel() else 2.2)
    fig.subplots_adjust(
        left=min(max(left, 0.08), 0.5), right=0.96, top=1 - line * 1.9, bottom=bottom
    )


def pixels(
    name: str,
    stats: Statistics,
    width_px: int,
    height_px: int,
    scale: float = 1.0,
    style: Style | None = None,
) -> tuple[bytes, int, int]:
    """Chart ``name`` as RGBA pixels, ``width_px`` × ``height_px`` logical pixels at
    device pixel ratio ``scale``: (bytes, width, height) in device pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    dpi = 96 * scale
    fig = figure(name, stats, width_px / 96, height_px / 96, dpi, style)
    canvas: Any = FigureCanvasAgg(fig)  # draw and buffer_rgba are untyped upstream
    canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    return bytes(canvas.buffer_rgba()), width, height


def image(
    name: str,
    stats: Statistics,
    fmt: str,
    width_in: float,
    height_in: float,
    dpi: float = 150,
    style: Style | None = None,
) -> bytes:
    """Chart ``name`` as a ``png`` or ``svg`` file's bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = figure(name, stats, width_in, height_in, dpi, style)
    out = io.BytesIO()
    FigureCanvasAgg(fig).print_figure(out, format=fmt, dpi=dpi, metadata=_metadata(fmt))
    return out.getvalue()


def _metadata(fmt: str) -> dict[str, Any]:
    # No creation date: the same figures give the same file.
    return {"Date": None} if fmt == "svg" else {}


def describe(name: str, stats: Statistics) -> str:
    """Chart ``name``'s figures as text, a line each."""
    shown = chart(name)
    return "\n".join([_(shown.title), *shown.describe(stats)])


__all__ = ["CHARTS", "NAMES", "Style", "chart", "describe", "figure", "image", "pixels"]
