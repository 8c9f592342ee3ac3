"""Unit tests: the Qt-free core and the desk's logic and storage, in-process."""
