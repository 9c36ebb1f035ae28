from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes.services.accounts import create_demo_accounts


class Command(BaseCommand):
    help = "Create (or reset) the student, instructor and admin demo accounts and print them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Also run when DEBUG is off (not recommended)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo accounts are for the quickstart; DEBUG is off (use --force).")
        accounts = create_demo_accounts()
        self.stdout.write("Demo accounts (passwords are new each time this runs):")
        for account in accounts:
            self.stdout.write(
                f"  {account.role:<12} username: {account.username:<11} "
                f"password: {account.password}"
            )
