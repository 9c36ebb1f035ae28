from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from quizzes.services.content_sync import sync_content


class Command(BaseCommand):
    help = "Load content/bank/ into the database: upsert templates, new version on change."

    def handle(self, *args: Any, **options: Any) -> None:
        from content.errors import ContentError

        try:
            report = sync_content()
        except ContentError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Content bank: {report.topics} topics; {len(report.created)} templates added, "
            f"{len(report.updated)} updated, {report.unchanged} unchanged, "
            f"{len(report.deactivated)} retired."
        )
        for key in report.updated:
            self.stdout.write(f"  new version: {key}")
        for key in report.deactivated:
            self.stdout.write(f"  retired (no longer in the bank): {key}")
