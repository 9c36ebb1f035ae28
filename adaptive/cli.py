"""`python -m adaptive simulate|evaluate|diagnostic`: compare policies on simulated learners,
learner models on response logs, and the adaptive diagnostic against a fixed form."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from adaptive.datasets import LogFormatError, read_log, split_by_student
from adaptive.diagnostic import compare_with_fixed_form, format_comparison
from adaptive.evaluation import MODELS, evaluate_models, format_report
from adaptive.simulation import SimulationConfig, format_summary, simulate
from content.topics import load_topic_graph


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m adaptive", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sim = commands.add_parser("simulate", help="policies side by side on simulated learners")
    sim.add_argument("--learners", type=int, default=200)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--cap", type=int, default=SimulationConfig.cap, help="problems per learner")
    sim.add_argument("--policies", help="comma-separated subset of the policies")
    sim.add_argument("--json", action="store_true", help="print one JSON object")

    ev = commands.add_parser("evaluate", help="next-answer prediction on held-out students")
    ev.add_argument("--train", type=Path, help="training log (three lines per student)")
    ev.add_argument("--test", type=Path, help="test log, students not in --train")
    ev.add_argument("--split-from", type=Path, help="split this one log by student instead")
    ev.add_argument("--test-share", type=float, default=0.2)
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--models", help=f"comma-separated subset of {', '.join(MODELS)}")
    ev.add_argument("--em-iterations", type=int, default=10)
    ev.add_argument("--json", action="store_true", help="print one JSON object")

    diag = commands.add_parser("diagnostic", help="adaptive diagnostic against a fixed form")
    diag.add_argument("--students", type=int, default=200)
    diag.add_argument("--seed", type=int, default=0)
    diag.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _simulate(args: argparse.Namespace) -> int:
    if args.learners < 1 or args.cap < 1:
        print("--learners and --cap must be positive", file=sys.stderr)
        return 2
    config = SimulationConfig(learners=args.learners, seed=args.seed, cap=args.cap)
    policies = args.policies.split(",") if args.policies else None
    try:
        results = simulate(load_topic_graph(), config, policies=policies)
    except KeyError as exc:
        print(f"unknown policy: {exc}", file=sys.stderr)
        return 2
    if args.json:
        payload: dict[str, object] = {name: r.to_dict() for name, r in results.items()}
        payload["settings"] = {
            "learners": config.learners,
            "seed": config.seed,
            "cap": config.cap,
            "topics": len(load_topic_graph()),
        }
        if "ours" in results:
            ours = results["ours"].mean_problems
            payload["ours_fewer_problems_than"] = {
                name: round(1.0 - ours / r.mean_problems, 4)
                for name, r in results.items()
                if name != "ours" and r.mean_problems > 0
            }
        print(json.dumps(payload, indent=2))
    else:
        print(format_summary(results, config))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    try:
        if args.split_from is not None:
            train, test = split_by_student(
                read_log(args.split_from), test_share=args.test_share, seed=args.seed
            )
        elif args.train is not None and args.test is not None:
            train, test = read_log(args.train), read_log(args.test)
        else:
            print("give --train and --test, or --split-from", file=sys.stderr)
            return 2
    except (OSError, LogFormatError, ValueError) as exc:
        print(f"cannot read the logs: {exc}", file=sys.stderr)
        return 2
    models = tuple(args.models.split(",")) if args.models else MODELS
    try:
        report = evaluate_models(train, test, models=models, iterations=args.em_iterations)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report))
    return 0


def _diagnostic(args: argparse.Namespace) -> int:
    if args.students < 1:
        print("--students must be positive", file=sys.stderr)
        return 2
    graph = load_topic_graph()
    results = compare_with_fixed_form(graph, students=args.students, seed=args.seed)
    if not args.json:
        print(format_comparison(results, students=args.students, seed=args.seed))
        return 0
    ours, fixed = results["ours"], results["fixed-form"]
    payload: dict[str, object] = {name: r.to_dict() for name, r in results.items()}
    payload["settings"] = {"students": args.students, "seed": args.seed, "topics": len(graph)}
    payload["ours_share_of_fixed_form_questions"] = round(
        ours.questions_mean / fixed.questions_mean, 4
    )
    print(json.dumps(payload, indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "simulate":
        return _simulate(args)
    if args.command == "diagnostic":
        return _diagnostic(args)
    return _evaluate(args)
