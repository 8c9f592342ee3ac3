"""What the command line may print of a value that came from outside (a USB bundle, a
desk's enrollment): ``shown`` is the one way such a value reaches a terminal or ``--json``.

A terminal obeys what it prints: ESC starts a CSI or OSC sequence (clear the screen,
re-title the window, plant a hyperlink), BEL, backspace and CR rewrite what the operator
sees, U+202E turns the rest of a line around. Such characters are shown escaped (``\\x1b``,
``\\u202e``), so the operator sees that they were there and the terminal sees nothing to
obey; a backslash is doubled, so an escape cannot be faked either. Long values are cut.
"""

from __future__ import annotations

import unicodedata

DEFAULT_LIMIT = 80
ELLIPSIS = "…"
# Unicode categories a terminal may act on, or that cannot be seen: controls (Cc: C0, DEL,
# C1 with CSI U+009B), format characters (Cf: bidi overrides and isolates, zero-width),
# surrogates, private use and unassigned code points, line and paragraph separators.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escaped(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if unicodedata.category(char) not in _HIDDEN:
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def shown(value: object, limit: int = DEFAULT_LIMIT) -> str:
    """``value`` as text safe to print: nothing a terminal acts on, at most ``limit``
    characters (an escape is never split; a cut value ends with "…")."""
    text = value if isinstance(value, str) else str(value)
    out: list[str] = []
    length = 0
    for char in text[: limit + 1]:
        piece = _escaped(char)
        if length + len(piece) > limit:
            out.append(ELLIPSIS)
            break
        out.append(piece)
        length += len(piece)
    return "".join(out)
