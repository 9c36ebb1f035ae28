"""Forms behind the account pages. Creating the account is the accounts service's job."""

from __future__ import annotations

from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError

from quizzes.services.accounts import register_student


class SignupForm(UserCreationForm):
    """Django's sign-up checks (matching passwords, the password validators, a free user name);
    the account itself is made by `register_student`, which also puts it in the students group."""

    class Meta(UserCreationForm.Meta):
        fields = ("username",)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        )

    def register(self) -> AbstractUser | None:
        """Create the student; None (with the reason on the form) if the service refuses."""
        try:
            return register_student(
                username=self.cleaned_data["username"], password=self.cleaned_data["password1"]
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return None
