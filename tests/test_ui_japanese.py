"""Issue 11, point 2: no English left on any admin page, for any role, in a Japanese browser.

The server's HTML of every admin page is read as every persona by the admin walk
(tests/test_admin_walk.py, with tests/page_text.py's list of ENGLISH). Here the browser (chromium,
locale ja-JP) opens each URL pattern of the admin once more (the site's own pages and every registered
ModelAdmin's get_urls(): changelists, add forms, one change form, delete and history pages, past versions,
the search, print, import and export screens, the card's editors), as the first persona of PERSONAS it
answers, and reads the page as it stands after its scripts ran (the selection counter, the calendar, the
time-zone note, the select boxes' placeholders: what scripts write is the same for every role).

UI_WALK_VERBOSE=1 prints every page walked in the browser.
"""

import os
import re
import time
import zlib

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils.regex_helper import normalize

from tests.page_text import english_in
from tests.personas import build_world
from tests.test_admin_walk import (
    ensure_rows, first_visible, flat_patterns, is_object_param, latest_history_id, model_named_before,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One persona per role of tests/personas.py (branch_b is branch_a's role in another branch) and
# the secretary, who sees the restricted fields.
PERSONAS = ["hq_admin", "branch_a", "no_export", "no_print", "read_only", "secretary"]

# Pages walked by URL name, besides every ModelAdmin's and the site's own: none needed so far.
SKIP_NAMES = {"logout", "view_on_site", "autocomplete", "jsi18n"}
# Text is all the walk reads: no fonts, images or style sheets to fetch and lay out.
BLOCKED = {"image", "font", "stylesheet", "media"}
TEXT_JS = """() => {
  const skip = 'script,style,template,noscript,.material-symbols-outlined';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    const text = node.nodeValue.trim();
    if (text && parent && !parent.closest(skip)) out.push(text);
  }
  document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach(e => out.push(e.placeholder));
  document.querySelectorAll('input[type=submit], input[type=button]').forEach(e => out.push(e.value));
  return out;
}"""


# --- the pages --------------------------------------------------------------------------------
def admin_pages(user) -> list[tuple[str, str]]:
    """(pattern, url): one URL per admin URL pattern, filled with an object this user may see."""
    index = reverse("admin:index")
    pages = [("admin:index", index), ("admin:search", reverse("admin:search") + "?s=" + "田")]
    for pattern in admin.site.get_urls():
        if isinstance(pattern, URLPattern) and pattern.name and pattern.name not in SKIP_NAMES:
            template, params = normalize(pattern.pattern.regex.pattern)[0]
            if not params and pattern.name != "index":
                pages.append((f"admin:{pattern.name}", index + template))
            elif params == ["app_label"]:
                pages.append((f"admin:{pattern.name}", index + template % {"app_label": "crm"}))
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        obj = first_visible(model, model_admin, user) or model._default_manager.order_by("pk").first()
        for pattern in flat_patterns(model_admin.get_urls()):
            template, params = normalize(pattern.pattern.regex.pattern)[0]
            converters = getattr(pattern.pattern, "converters", {})
            values = {}
            for position, name in enumerate(params):
                if name == "_1" and position == 1:  # simple-history's <object id>/history/<version id>/
                    values[name] = latest_history_id(model, obj)
                elif is_object_param(name, converters):
                    values[name] = obj.pk
                else:
                    related = model_named_before(template, name)
                    row = related._default_manager.order_by("pk").first() if related else None
                    values[name] = row.pk if row else 0
            pages.append((f"{opts.label}:{pattern.name or template}", prefix + template % values))
        # The card's editors (その他の電話番号, 家族, 前職・兼職) open on the card with ?edit=…
        for editor in getattr(model_admin, "INLINE_EDITORS", {}):
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            pages.append((f"{opts.label}:edit={editor}", f"{change}?edit={editor}"))
    return list(dict.fromkeys(pages))


@pytest.fixture
def world(db):
    from django.apps import apps

    from crm import roles

    roles.sync_roles(apps)  # a transactional test: earlier ones flushed the migration's groups
    world = build_world()
    ensure_rows(world)
    return world


# The walk (about a hundred pages in chromium) is split into shards of URL patterns, one test each, so that
# xdist spreads it over its workers; each pattern belongs to one shard (by a stable hash of its name).
SHARDS = 4


def shard_of(pattern: str) -> int:
    return zlib.crc32(pattern.encode()) % SHARDS


def test_j1_the_walk_covers_every_admin_page_of_every_role(world):
    patterns = {persona: [pattern for pattern, _url in admin_pages(world.users[persona])] for persona in PERSONAS}
    everyone = set().union(*patterns.values())
    assert sum(len(found) for found in patterns.values()) > 500 and len(everyone) > 90
    # every shard has its part, so none of the sharded tests below can pass on nothing
    assert {shard_of(pattern) for pattern in everyone} == set(range(SHARDS))


@pytest.mark.parametrize("shard", range(SHARDS))
def test_j1_no_english_on_any_admin_page_for_any_role(world, page, live_server, shard):  # noqa: F811
    started = time.monotonic()
    failures, browsed, browser_seconds = [], set(), 0.0
    context = page.context
    # the selection counter, which the list's script writes when a row is ticked: 「2件中1件を選択」
    client = Client()
    client.force_login(world.users["hq_admin"])
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    page.goto(live_server.url + reverse("admin:crm_contacthistory_changelist"))
    page.locator("input.action-select").first.check()
    counter = page.locator(".action-counter").inner_text().strip()
    assert re.fullmatch(r"\d+件中1件を選択", counter), counter

    # every page, once, as the first persona it answers with a page (the server's answer decides: a
    # download or a redirect is not a page)
    context.route("**/*", lambda route: route.abort() if route.request.resource_type in BLOCKED else route.continue_())
    done = set()
    for persona in PERSONAS:
        user = world.users[persona]
        client = Client(HTTP_ACCEPT_LANGUAGE="ja", raise_request_exception=False)
        client.force_login(user)
        context.clear_cookies()
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                              "url": live_server.url}])
        for pattern, url in admin_pages(user):
            if shard_of(pattern) != shard or pattern in done:
                continue
            response = client.get(url)
            if getattr(response, "streaming", False) or "text/html" not in response.get("Content-Type", ""):
                done.add(pattern)  # a download (CSV, PDF): not a page
                continue
            if response.status_code != 200:
                continue  # not this persona's page: the next persona may open it
            done.add(pattern)
            browsed.add(pattern)
            before = time.monotonic()
            page.goto(live_server.url + url, wait_until="load")
            if os.environ.get("UI_WALK_VERBOSE"):
                print(f"{time.monotonic() - before:.2f} s", persona, url)
            if found := english_in(page.evaluate(TEXT_JS), user):
                failures.append(f"{persona} {url} (browser): {found}")
            browser_seconds += time.monotonic() - before
    elapsed = time.monotonic() - started
    print(f"\nshard {shard}: {len(browsed)} pages in the browser, in {elapsed:.1f} s ({browser_seconds:.1f} s in the browser)")
    assert len(browsed) > 90 // SHARDS // 2, len(browsed)
    assert not failures, f"{len(failures)} pages show English:\n" + "\n".join(failures)
