from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Check every template in content/bank/: it loads, generates N distinct variants, its own "
        "answers grade correct and its listed mistakes grade wrong. Exits 1 on any failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seeds", type=int, default=20, help="Variants per template.")
        parser.add_argument("--json", action="store_true", help="Print a JSON report.")

    def handle(self, *args: Any, **options: Any) -> None:
        from content.validate import run_validation

        code = run_validation(options["seeds"], options["json"], self.stdout)
        if code:
            sys.exit(code)
