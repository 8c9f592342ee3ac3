"""``python -m central.cli``: the same as ``posko-central``."""

import sys

from central.cli import main

if __name__ == "__main__":  # importing the module (as the architecture test does) runs nothing
    sys.exit(main())
