import sys

from adaptive.cli import main

sys.exit(main())
