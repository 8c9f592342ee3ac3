"""The sections the main window lists: each module here registers its own
(``desktop.ui.sections.register``)."""
