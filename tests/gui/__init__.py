"""GUI tests: real widgets and painting through Qt (pytest-qt, offscreen)."""
