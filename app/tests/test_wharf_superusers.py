"""Wharf's superuser step (roles/wharf_django/files/wharf_superusers.py) on a real
Django and database: this project's, as the module runs on a deployed host."""

import importlib.util
import io
import json
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

MODULE = Path(__file__).resolve().parents[2] / "roles/wharf_django/files/wharf_superusers.py"


@pytest.fixture(scope="module")
def superusers():
    spec = importlib.util.spec_from_file_location("wharf_superusers", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(superusers, accounts: list[dict]) -> list[str]:
    out = io.StringIO()
    superusers.main(stdin=io.StringIO(json.dumps(accounts)), stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.django_db
def test_a_missing_account_is_made_a_superuser_with_its_password(superusers):
    account = {"username": "baker", "email": "baker@example.org", "password": "s3cret-Flour-42"}
    assert run(superusers, [account]) == ["created baker"]
    user = get_user_model().objects.get(username="baker")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.email == "baker@example.org"
    assert user.check_password("s3cret-Flour-42")


@pytest.mark.django_db
def test_an_existing_account_is_left_as_it_is(superusers):
    get_user_model().objects.create_user("miller", password="chosen-later-by-the-site")
    account = {"username": "miller", "password": "from-the-inventory"}
    assert run(superusers, [account]) == []
    user = get_user_model().objects.get(username="miller")
    assert user.check_password("chosen-later-by-the-site")
    assert not user.is_superuser


@pytest.mark.django_db
def test_only_the_missing_ones_of_several_are_made(superusers):
    get_user_model().objects.create_user("first")
    accounts = [{"username": "first", "password": "a"}, {"username": "second", "password": "b"}]
    assert run(superusers, accounts) == ["created second"]
    assert run(superusers, accounts) == []


@pytest.mark.django_db
def test_the_password_does_not_stay_in_the_environment(superusers, monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    run(superusers, [{"username": "third", "password": "transient"}])
    assert "DJANGO_SUPERUSER_PASSWORD" not in os.environ
