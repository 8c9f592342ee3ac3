"""``python -m desktop.cli``: the ``posko`` command."""

from desktop.cli import main

if __name__ == "__main__":  # not on a plain import (tests walk every module)
    raise SystemExit(main())
