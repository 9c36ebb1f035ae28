"""Run the grading command line: ``python -m grading batch`` or ``python -m grading check``."""

import sys

from grading.cli import main

if __name__ == "__main__":
    sys.exit(main())
