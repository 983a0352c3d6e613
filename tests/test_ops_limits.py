"""Issue 24 point 6: per-user rate limits on exports, prints and imports, and the request size limit."""

import pytest
from django.urls import reverse

from tests.helpers import ja_client
from tests.personas import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def low_limits(settings):
    settings.RATE_LIMITS = {action: {**rule, "limit": 2} for action, rule in settings.RATE_LIMITS.items()}


@pytest.mark.parametrize("url_name", ["admin:dataio_exportjob_add", "admin:crm_customer_print",
                                      "admin:dataio_importjob_add"])
def test_i24_6_third_post_in_the_window_is_refused_in_japanese_for_that_user_only(world, low_limits, url_name):
    # given a user who used up the allowance (2) of this kind of action
    mine, other = ja_client(world.users["hq_admin"]), ja_client(world.users["branch_a"])
    url = reverse(url_name)
    for _ in range(2):
        assert mine.post(url, {}).status_code != 429
    # when they ask a third time
    response = mine.post(url, {})
    # then they are refused with a Japanese page saying when to try again; another user is not
    body = response.content.decode()
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "回数が多すぎます" in body and "秒後" in body
    assert other.post(url, {}).status_code != 429
    assert mine.get(url).status_code != 429  # opening the screen does not count


def test_i24_6_limits_are_kept_in_the_shared_cache(world, low_limits, settings):
    import time

    from django.core.cache import cache

    # given another app server that counted two prints of this user in the shared cache
    user = world.users["hq_admin"]
    window = int(time.time()) // settings.RATE_LIMITS["print"]["per"]
    cache.set(f"ratelimit:print:{user.pk}:{window}", 2, 600)
    # when the user prints here, then this server refuses: one allowance across servers
    assert ja_client(user).post(reverse("admin:crm_customer_print"), {}).status_code == 429


def test_i24_6_too_large_a_request_is_refused_before_it_is_read(world, settings):
    settings.MAX_REQUEST_BYTES = 1024
    client = ja_client(world.users["hq_admin"])
    response = client.post(reverse("admin:dataio_importjob_add"), {"target": "customers", "notes": "x" * 5000})
    assert response.status_code == 413
    assert "大きすぎます" in response.content.decode()
