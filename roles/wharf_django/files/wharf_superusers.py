"""Superuser accounts the inventory names (wharf_django_superusers), made once.

The deploy runs `manage shell -c "import wharf_superusers; wharf_superusers.main()"`
on the host that migrates, after the migrations, with the accounts as JSON on
stdin (never in argv or the environment of a long-lived process). Each
account missing from the project's user model is made with Django's own
`createsuperuser --noinput`, so the project's USERNAME_FIELD, its required
fields (DJANGO_SUPERUSER_<FIELD>) and its user manager apply. An account that
exists is left as it is, password included: after the first deploy it is the
site's to manage. Prints one "created <name>" line per account made.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO


def missing(accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The accounts whose user name the project's user model does not have yet."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    field = user_model.USERNAME_FIELD
    return [
        account
        for account in accounts
        if not user_model._default_manager.filter(**{field: account["username"]}).exists()
    ]


def create(account: dict[str, Any]) -> None:
    """One superuser through createsuperuser, its password from the account."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    user_model = get_user_model()
    options = {user_model.USERNAME_FIELD: account["username"]}
    if "email" in user_model.REQUIRED_FIELDS:
        options["email"] = account.get("email", "")
    previous = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
    os.environ["DJANGO_SUPERUSER_PASSWORD"] = account["password"]
    try:
        call_command("createsuperuser", interactive=False, verbosity=0, **options)
    finally:
        if previous is None:
            del os.environ["DJANGO_SUPERUSER_PASSWORD"]
        else:
            os.environ["DJANGO_SUPERUSER_PASSWORD"] = previous


def main(stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    for account in missing(json.load(stdin)):
        create(account)
        print(f"created {account['username']}", file=stdout)
