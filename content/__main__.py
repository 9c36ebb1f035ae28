"""`python -m content validate [--seeds N] [--json]`, `show ID [--seed S]` and `functions`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from content.engine import generate
from content.errors import ContentError
from content.loader import load_bank
from content.validate import run_validation
from grading.functions import TEMPLATE_FUNCTIONS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m content", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check every template of the bank")
    validate.add_argument("--seeds", type=int, default=20, help="seeds per template (default 20)")
    validate.add_argument("--json", action="store_true", help="print a JSON report")
    validate.add_argument(
        "--skip-coverage",
        action="store_true",
        help="do not require two difficulty levels per topic (while a bank is being written)",
    )
    show = commands.add_parser("show", help="print one variant as a student and a grader see it")
    show.add_argument("template", help="template id")
    show.add_argument("--seed", type=int, default=0)
    commands.add_parser("functions", help="list the functions template expressions may call")
    args = parser.parse_args(argv)

    if args.command == "functions":
        for name in sorted(TEMPLATE_FUNCTIONS):
            print(f"{name:<16} {TEMPLATE_FUNCTIONS[name].doc}")
        return 0

    if args.command == "validate":
        if args.seeds < 1:
            parser.error("--seeds must be at least 1")
        return run_validation(args.seeds, args.json, sys.stdout, coverage=not args.skip_coverage)
    try:
        template = load_bank().by_id(args.template)
        variant = generate(template, args.seed)
    except KeyError:
        print(f"no template with id {args.template!r}", file=sys.stderr)
        return 1
    except ContentError as error:
        print(str(error), file=sys.stderr)
        return 1
    print(json.dumps(variant.to_dict(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
