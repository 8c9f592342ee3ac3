"""Posko's shared core: what the desk and the central system both stand on.

Qt-free and server-free: the wire protocol, tracking IDs, the working-day calendar, the
catalog and its routing rules, translations, the bundle format, the status vocabulary, the
database column types and the migration runner. ``desktop`` (the Qt desk) and ``central``
(the FastAPI server) import from here and never from each other; ``tests/unit/test_architecture.py``
holds it so.
"""

__version__ = "0.1.0"
