"""Issue 11, point 2: no English left on any admin page, for any role, in a Japanese browser.

Every URL pattern of the admin (the site's own pages and every registered ModelAdmin's
get_urls(): changelists, add forms, one change form, delete and history pages, past versions,
the search, print, import and export screens) is opened once per persona of tests/personas.py.
The server's HTML is read through the test client for every persona; the browser (chromium,
locale ja-JP) opens each pattern once more, as the first persona it answers, and reads the page
as it stands after its scripts ran (the selection counter, the calendar, the time-zone note,
the select boxes' placeholders: what scripts write is the same for every role). A page fails on any string of ENGLISH below in its text
(text nodes, placeholders and button values; not other attributes, icons or scripts).

UI_WALK_VERBOSE=1 prints every page walked in the browser; UI_WALK_PERSONAS=hq_admin,read_only
walks only those (while fixing; the count assertion then fails).
"""

import os
import re
import time
import zlib
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils.regex_helper import normalize

from tests.test_admin_walk import (
    ensure_rows, first_visible, flat_patterns, is_object_param, latest_history_id, model_named_before,
)
from tests.personas import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One persona per role of tests/personas.py (branch_b is branch_a's role in another branch) and
# the secretary, who sees the restricted fields.
PERSONAS = ["hq_admin", "branch_a", "no_export", "no_print", "read_only", "secretary"]

# English UI strings that must not show in the Japanese UI: Django's, unfold's and the
# libraries' own words. Matched as whole words, case-sensitive, in the page's text.
ENGLISH = [
    "- Select an option -", "Select an option", "---------", "Select action", "Run the selected action",
    "Can add", "Can change", "Can delete", "Can view", "historical",
    "Save", "Save and", "Save as new", "Delete", "Add", "Add another", "Change", "View", "Edit", "Close", "Cancel",
    "Submit", "Remove", "Revert", "Restore", "History", "Change history", "Filter", "Filters", "Search",
    "Type to search", "Show all", "Clear all", "Clear", "Actions", "Action", "selected", "Go", "Yes", "No",
    "Unknown", "None", "True", "False", "Today", "Now", "Yesterday", "Tomorrow", "Previous", "Next",
    "Choose", "Choose a Date", "Choose a Time", "Midnight", "Noon", "Calendar",
    "Upload", "Download", "Export", "Import", "Print", "page:", "Page", "Loading", "Home", "Dashboard",
    "Log out", "Log in", "Password", "Username", "Reset password", "Set password", "Algorithm", "algorithm",
    "Iterations", "Salt", "Hash", "pbkdf2_sha256",
    "Please correct", "This field is required", "Enter a valid", "Note:", "hours behind", "hours ahead",
    "Summary", "Objects", "object", "entries", "results", "Results", "Welcome", "Recent actions",
    "Language", "Theme", "Dark", "Light", "Sort", "Ascending", "Descending", "Toggle", "Navigation",
    "Empty", "Required", "Error", "Warning", "Date", "Time", "User", "Name", "Reason", "Changed", "Added",
    "Deleted", "Successfully", "successfully", "Are you sure",
    "Axes", "Access Log for", "Failed access", "Attempted Access", "Staff-group", "object permission",
]
_ENGLISH = re.compile("|".join(
    rf"(?<![A-Za-z]){re.escape(s)}(?![A-Za-z])" for s in sorted(ENGLISH, key=len, reverse=True)
))
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


class PageText(HTMLParser):
    """What the browser's TEXT_JS reads, from the server's HTML (no JavaScript run)."""

    SKIP_TAGS = {"script", "style", "template", "noscript"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: does it hide its text?
        self.texts: list[str] = []
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.in_body = True
        if tag in ("input", "textarea"):
            if attrs.get("placeholder"):
                self.texts.append(attrs["placeholder"])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag in self.VOID:
            return
        hides = tag in self.SKIP_TAGS or "material-symbols-outlined" in (attrs.get("class") or "")
        self.stack.append(hides or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        text = data.strip()
        if text and self.in_body and not (self.stack and self.stack[-1]):
            self.texts.append(text)


def server_texts(html: str) -> list[str]:
    parser = PageText()
    parser.feed(html)
    return parser.texts


def own_names(user) -> set[str]:
    return {user.username, user.email, getattr(user, "display_name", "")} - {""}


def english_in(texts, user) -> list[str]:
    """The ENGLISH strings in these texts; the user's own name and email are user data."""
    own = own_names(user)
    found = []
    for text in texts:
        for name in own:
            text = text.replace(name, "")
        found += [f"{m.group(0)!r} in {text[:80]!r}" for m in _ENGLISH.finditer(text)]
    return sorted(set(found))


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


# The walk (about a thousand requests and a hundred pages in chromium) is split into shards of URL
# patterns, one test each, so that xdist spreads it over its workers; each pattern belongs to one shard
# (by a stable hash of its name), is walked by every persona and browsed once, as before.
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
    failures, walked, browsed, browser_seconds = [], 0, set(), 0.0
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

    # the login page and a page that does not exist, before anyone logs in
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="ja", raise_request_exception=False)
    for url in (reverse("admin:login"), "/no-such-page/"):
        if found := english_in(server_texts(anonymous.get(url).content.decode()), world.users["hq_admin"]):
            failures.append(f"anonymous {url}: {found}")

    # every page, as each role
    context.route("**/*", lambda route: route.abort() if route.request.resource_type in BLOCKED else route.continue_())
    personas = os.environ.get("UI_WALK_PERSONAS", "").split(",") if os.environ.get("UI_WALK_PERSONAS") else PERSONAS
    for persona in personas:
        user = world.users[persona]
        client = Client(HTTP_ACCEPT_LANGUAGE="ja", raise_request_exception=False)
        client.force_login(user)
        context.clear_cookies()
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                              "url": live_server.url}])
        for pattern, url in admin_pages(user):
            if shard_of(pattern) != shard:
                continue
            response = client.get(url)
            if getattr(response, "streaming", False) or "text/html" not in response.get("Content-Type", ""):
                continue  # a download (CSV, PDF): not a page
            if response.status_code in (301, 302, 405):
                continue
            texts = server_texts(response.content.decode())
            walked += 1
            if found := english_in(texts, user):
                failures.append(f"{persona} {url} (server): {found}")
            if pattern in browsed or response.status_code != 200:
                continue
            browsed.add(pattern)
            before = time.monotonic()
            page.goto(live_server.url + url, wait_until="load")
            if os.environ.get("UI_WALK_VERBOSE"):
                print(f"{time.monotonic() - before:.2f} s", persona, url)
            if found := english_in(page.evaluate(TEXT_JS), user):
                failures.append(f"{persona} {url} (browser): {found}")
            browser_seconds += time.monotonic() - before
    elapsed = time.monotonic() - started
    print(f"\nshard {shard}: walked {walked} pages for {len(personas)} personas, {len(browsed)} in the browser, in {elapsed:.1f} s "
          f"({browser_seconds:.1f} s in the browser)")
    assert walked > 500 // SHARDS // 2 and len(browsed) > 90 // SHARDS // 2, (walked, len(browsed))
    assert not failures, f"{len(failures)} pages show English:\n" + "\n".join(failures)
