"""Unexpected errors described without the data they carry, for logs and crash reports.

An exception's message can hold what the code was working on: PostgreSQL puts the failing
row in its ``DETAIL`` ("Failing row contains (…, Budi Santoso, +62812…)"), a validation
error repeats its input, a ``KeyError`` shows the key. No reporter data and no report text
ever goes to a log, so a description here names the exception's type, its SQLSTATE when
there is one, and where it happened (file, line, function, the line of code): enough to find
the bug. The message itself is kept only for the built-in types whose messages Python
composes from code, never from values.

Qt-free: the desk's crash hook and the central system's error shield both use it.
"""

from __future__ import annotations

import traceback

# Messages Python writes about the code ("'NoneType' object has no attribute 'x'"), not
# about the data it handles.
_CODE_MESSAGES: tuple[type[BaseException], ...] = (
    AttributeError,
    ImportError,
    NameError,
    NotImplementedError,
    RecursionError,
    TypeError,
    ZeroDivisionError,
)
MAX_FRAMES = 12


def _name(exc: BaseException) -> str:
    kind = type(exc)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    sqlstate = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if isinstance(sqlstate, str) and len(sqlstate) == 5 and sqlstate.isalnum():
        name += f" [SQLSTATE {sqlstate}]"
    if type(exc) in _CODE_MESSAGES and exc.args:
        message = str(exc).splitlines()[0][:200] if str(exc) else ""
        if message:
            return f"{name}: {message}"
    return f"{name} (message withheld: it may hold report data)"


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what caused it, outermost first, each once."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def describe(exc: BaseException) -> str:
    """One line: ``psycopg.errors.CheckViolation [SQLSTATE 23514] (message withheld…) at
    store.py:510 in ingest ← app.py:88 in push | caused by …``, innermost frame first."""
    parts = []
    for current in _chain(exc):
        frames = traceback.extract_tb(current.__traceback__)[-6:]
        where = " ← ".join(
            f"{frame.filename.replace(chr(92), '/').rsplit('/', 1)[-1]}:{frame.lineno} "
            f"in {frame.name}"
            for frame in reversed(frames)
        )
        parts.append(f"{_name(current)} at {where}" if where else _name(current))
    return " | caused by ".join(parts)


def report(exc: BaseException) -> str:
    """Several lines, like Python's own traceback (oldest call first, with each line of
    code), but with messages withheld as in ``describe``."""
    sections = []
    for current in reversed(_chain(exc)):
        lines = ["Stack (most recent call last):"]
        for frame in traceback.extract_tb(current.__traceback__)[-MAX_FRAMES:]:
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line.strip()}")
        lines.append(_name(current))
        sections.append("\n".join(lines))
    return "\n\nwhich led to:\n\n".join(sections) + "\n"
