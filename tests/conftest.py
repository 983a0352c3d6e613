import pytest
from django.test import Client

from tests.factories import BranchFactory, StaffFactory


@pytest.fixture
def hq_branch(db):
    return BranchFactory(code="HQ", name="本店")


@pytest.fixture
def admin_user(db):
    """Head-office administrator (管理者)."""
    return StaffFactory(username="kanri", is_superuser=True, is_head_office=True)


@pytest.fixture
def admin_client(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(admin_user)
    return client


@pytest.fixture
def ja(settings):
    settings.LANGUAGE_CODE = "ja"
    from django.utils import translation

    with translation.override("ja"):
        yield
