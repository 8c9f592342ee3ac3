"""How the desk looks: the text size and the theme the operator chose, and the colours of
each theme, checked against WCAG's contrast rule (no Qt here; ``desktop.ui.appearance``
applies them).

The desk is read standing, outdoors, often in sun: text can be made 125 % or 150 % of the
system's size, and a high-contrast theme (black on pure white, thicker borders) is one menu
item away. In both themes hint text and disabled fields reach WCAG AA (4.5:1) against what
they are drawn on, and the keyboard focus is a thick ring of its own colour.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

TEXT_SIZES = (100, 125, 150)  # per cent of the system's text size
STANDARD = "standard"
CONTRAST = "contrast"
THEMES = (STANDARD, CONTRAST)
AA_TEXT = 4.5  # WCAG 2.x AA, normal text
AA_NON_TEXT = 3.0  # WCAG 2.x AA, focus rings, borders and other non-text marks


@dataclass(frozen=True)
class Appearance:
    text_size: int = 100
    theme: str = STANDARD

    def larger(self) -> Appearance:
        bigger = [size for size in TEXT_SIZES if size > self.text_size]
        return replace(self, text_size=bigger[0]) if bigger else self

    def smaller(self) -> Appearance:
        less = [size for size in TEXT_SIZES if size < self.text_size]
        return replace(self, text_size=less[-1]) if less else self

    @property
    def scale(self) -> float:
        return self.text_size / 100


@dataclass(frozen=True)
class Colours:
    """A theme: every colour the desk's widgets are drawn with (``#rrggbb``)."""

    window: str  # the window's and the buttons' background
    base: str  # the background of fields and lists
    text: str
    hint: str  # placeholder and hint text
    disabled_text: str
    disabled_base: str
    border: str  # a field's or a button's outline
    focus: str  # the keyboard focus ring
    focus_fill: str  # a focused field's or button's background
    error: str
    error_fill: str  # an invalid field's background
    highlight: str  # selected rows
    highlighted_text: str
    button_hover: str
    warning: str  # text that asks for a second look (a date long ago)
    banner_fill: str  # a notice across the form (an unsaved report to restore)
    banner_border: str
    border_width: int  # px, outlines at rest
    focus_width: int  # px, the focus ring and an invalid field's outline


THEME_COLOURS = {
    STANDARD: Colours(
        window="#efefef",
        base="#ffffff",
        text="#000000",
        hint="#595959",
        disabled_text="#5e5e5e",
        disabled_base="#f4f4f4",
        border="#767676",
        focus="#0b57d0",
        focus_fill="#eef4ff",
        error="#b00020",
        error_fill="#fdecee",
        highlight="#0b57d0",
        highlighted_text="#ffffff",
        button_hover="#e2e2e2",
        warning="#7a4f00",
        banner_fill="#fff4ce",
        banner_border="#a07800",
        border_width=1,
        focus_width=3,
    ),
    # For glare: no grey backgrounds, black outlines twice as thick, a deep blue focus ring
    # on a yellow fill that shows even when the screen washes out.
    CONTRAST: Colours(
        window="#ffffff",
        base="#ffffff",
        text="#000000",
        hint="#2e2e2e",
        disabled_text="#454545",
        disabled_base="#f0f0f0",
        border="#000000",
        focus="#0000c8",
        focus_fill="#fff3a0",
        error="#a0001c",
        error_fill="#ffe0e5",
        highlight="#000080",
        highlighted_text="#ffffff",
        button_hover="#e6e6e6",
        warning="#4d3200",
        banner_fill="#fff3a0",
        banner_border="#000000",
        border_width=2,
        focus_width=4,
    ),
}


def colours(appearance: Appearance) -> Colours:
    return THEME_COLOURS.get(appearance.theme, THEME_COLOURS[STANDARD])


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    text = colour.lstrip("#")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
