"""Every widget of the desk lives here; nothing outside ``desktop.ui`` and ``desktop.app``
imports QtWidgets."""
