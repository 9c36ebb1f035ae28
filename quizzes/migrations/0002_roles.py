"""Roles as groups: students practise; instructors author and review; admins manage everything."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

INSTRUCTOR_WRITES = ("topic", "problemtemplate", "templateversion", "assignment")


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    quizzes_permissions = permission_model.objects.filter(content_type__app_label="quizzes")

    group_model.objects.get_or_create(name="students")

    instructors, _ = group_model.objects.get_or_create(name="instructors")
    instructor_permissions = [
        permission
        for permission in quizzes_permissions
        if permission.codename.startswith("view_")
        or permission.codename.split("_", 1)[1] in INSTRUCTOR_WRITES
    ]
    instructors.permissions.set(instructor_permissions)

    admins, _ = group_model.objects.get_or_create(name="admins")
    user_permissions = permission_model.objects.filter(
        content_type__app_label="auth",
        codename__in=["view_user", "change_user", "add_user", "view_group"],
    )
    admins.permissions.set([*quizzes_permissions, *user_permissions])


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["students", "instructors", "admins"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
