from django.apps import AppConfig
from django.db.models.signals import post_migrate


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Gradient practice"

    def ready(self) -> None:
        from quizzes.roles import ensure_roles_after_migrate

        # Runs after the auth app has created this app's permissions (its handler connects first).
        post_migrate.connect(ensure_roles_after_migrate, sender=self, dispatch_uid="gradient-roles")
