"""Security issue 8, point 11: no admin URL answers with a server error, for any persona; and issue 11,
point 2 / issue 22, point 22: every page it answers speaks Japanese, in an office's words.

The URLs come from the admin registry, not from a list written here: every registered
ModelAdmin's get_urls() (changelist, add, change, history, delete, simple-history's past
version, import / export, unfold's action URLs and each admin's own views), with the path
converters filled from the database, and a POST of each admin action on one selected row.
A new admin, or a new URL on an existing one, is walked without touching this file; an admin
whose model has no row and no factory in tests/factories.py fails here until it gets one.

Each page answered (200, HTML) is read as tests/page_text.py reads it: no string of its ENGLISH in the text
(the browser reads each page once more after its scripts ran: tests/test_ui_japanese.py), and for the
administrator none of its NOT_OFFICE_WORDS, title included.

WALK_VERBOSE=1 pytest tests/test_admin_walk.py -s prints every request with its status.
"""

import inspect
import os
import re
import traceback

import factory
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import ActionLocation
from django.contrib.contenttypes.models import ContentType
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, reverse
from django.urls.converters import IntConverter
from django.utils.regex_helper import normalize

from crm import services
from crm.models import Customer
from tests import factories
from tests.factories import ContactHistoryFactory, PurchaseFactory, StaffFactory
from tests.page_text import english_in, not_office_words_in, server_texts
from tests.personas import build_world

pytestmark = pytest.mark.django_db

# tests/personas.py's users, plus a superuser (what only superusers reach: axes' screens …).
# test_personas_are_walked keeps this list in step with build_world().
PERSONAS = ["hq_admin", "branch_a", "branch_b", "no_export", "no_print", "read_only", "secretary", "superuser"]
ALLOWED = {200, 302, 403, 404}
MISSING_PK = 999999
# URL names left out, each with its reason. Only for URLs that cannot answer without a real upload body.
SKIP = {}


@pytest.fixture
def world(db):
    world = build_world()
    world.users["superuser"] = StaffFactory(username="walk_root", is_superuser=True, is_head_office=True)
    ensure_rows(world)
    return world


def test_personas_are_walked(db):
    assert set(PERSONAS) == set(build_world().users) | {"superuser"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_admin_url_answers_500_and_every_page_speaks_japanese(world, persona):
    user = world.users[persona]
    client = Client(HTTP_ACCEPT_LANGUAGE="ja", raise_request_exception=False)
    client.force_login(user)
    failures, pages = [], []

    def check(method, url, data=None):
        try:
            response = getattr(client, method)(url, data)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)  # a CSV export fails while it streams
        except Exception as exc:  # noqa: BLE001 - a failure of the view, reported with the others
            failures.append(f"{method.upper()} {url} [{persona}]: exception {summary(exc)}")
            return None
        if os.environ.get("WALK_VERBOSE"):
            print(response.status_code, method.upper(), url, data or "")
        if method == "get" and response.status_code == 405:
            return check("post", url, {})  # a POST-only view (the import confirmation): its empty form
        if response.status_code not in ALLOWED:
            failures.append(f"{method.upper()} {url} [{persona}]: {response.status_code}{exc_summary(response)}")
        elif method == "get" and response.status_code == 200 and is_page(response):
            pages.append(url)
            html = response.content.decode()
            if found := english_in(server_texts(html), user):
                failures.append(f"GET {url} [{persona}]: English {found}")
            if persona == "hq_admin" and (found := not_office_words_in(html)):
                failures.append(f"GET {url} [{persona}]: not an office's words {found}")
        return response

    requests = site_requests()
    for model, model_admin in admin.site._registry.items():
        requests += model_requests(model, model_admin, user)
    for method, url, data in requests:
        check(method, url, data)
    check("post", reverse("admin:logout"))  # last: the session ends
    assert len(requests) > 100 and len(pages) > 40, (len(requests), len(pages))
    assert not failures, f"{len(failures)} admin URLs failed:\n" + "\n".join(failures)


def is_page(response) -> bool:
    return not getattr(response, "streaming", False) and "text/html" in response.get("Content-Type", "")


def test_j1_pages_before_login_speak_japanese(world):
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="ja", raise_request_exception=False)
    for url in (reverse("admin:login"), "/no-such-page/"):
        response = anonymous.get(url)
        assert is_page(response) and server_texts(response.content.decode())
        assert not english_in(server_texts(response.content.decode()), world.users["hq_admin"]), url


# --- the URLs -----------------------------------------------------------------------------------
def model_requests(model, model_admin, user) -> list[tuple[str, str, dict | None]]:
    """(method, url, data) for one registered ModelAdmin: its URLs, a search, each action."""
    requests = [("get", url, None) for url in admin_urls(model, model_admin, user)]
    info = model._meta.app_label, model._meta.model_name
    changelist = reverse("admin:%s_%s_changelist" % info)
    if model_admin.search_fields:
        requests.append(("get", changelist, {"q": "田中 03"}))
    selected = first_visible(model, model_admin, user) or model._default_manager.order_by("pk").first()
    # Every action, offered to this user or not. Never post=yes: delete_selected shows its
    # confirmation page and deletes nothing.
    for action in model_admin._get_base_actions(ActionLocation.CHANGE_LIST):
        requests.append(("post", changelist, {"action": action.name, ACTION_CHECKBOX_NAME: [selected.pk], "index": "0"}))
    change = reverse("admin:%s_%s_change" % info, args=[selected.pk])
    # The card's editors (その他の電話番号, 家族, 前職・兼職) open on the card with ?edit=…
    requests += [("get", f"{change}?edit={editor}", None) for editor in getattr(model_admin, "INLINE_EDITORS", {})]
    prefix = ActionLocation.CHANGE_FORM.value
    for action in model_admin._get_base_actions(ActionLocation.CHANGE_FORM):
        requests.append(("post", change, {f"{prefix}-action": action.name, ACTION_CHECKBOX_NAME: [selected.pk]}))
    return requests


def site_requests() -> list[tuple[str, str, dict | None]]:
    """The admin site's own URLs (home screen, app pages, search, autocomplete …), logout aside."""
    index = reverse("admin:index")
    registry = admin.site._registry
    requests = []
    for pattern in admin.site.get_urls():
        if not isinstance(pattern, URLPattern) or pattern.name == "logout":
            continue  # the models' URLs are walked per ModelAdmin
        template, params = normalize(pattern.pattern.regex.pattern)[0]
        if pattern.name is None:  # the catch-all: an admin URL that does not exist
            requests.append(("get", index + "walk-no-such-page/", None))
        elif not params:
            requests.append(("get", index + template, None))
        elif params == ["app_label"]:
            for app_label in dict.fromkeys(m._meta.app_label for m in registry):
                requests.append(("get", index + template % {"app_label": app_label}, None))
        elif set(params) == {"content_type_id", "object_id"}:
            for model in registry:
                obj = model._default_manager.order_by("pk").first()
                ct = ContentType.objects.get_for_model(model)
                requests.append(("get", index + template % {"content_type_id": ct.pk, "object_id": obj.pk}, None))
        else:
            pytest.fail(f"the walk does not know how to fill {params} of the admin site's {pattern.name}")
    requests.append(("get", reverse("admin:search"), {"s": "田中"}))
    requests.append(("get", reverse("admin:search"), {"s": "田"}))
    for model, model_admin in registry.items():
        for field_name in model_admin.autocomplete_fields:
            requests.append(("get", reverse("admin:autocomplete"), {
                "app_label": model._meta.app_label, "model_name": model._meta.model_name,
                "field_name": field_name, "term": "田",
            }))
    return requests


# --- filling the path converters ---------------------------------------------------------------
def admin_urls(model, model_admin, user) -> list[str]:
    """Every URL model_admin.get_urls() offers, with its converters filled, once or more each."""
    opts = model._meta
    prefix = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    visible = first_visible(model, model_admin, user)
    objects = [visible or model._default_manager.order_by("pk").first()]
    if visible is not None:  # one the user may not see (another branch's customer): 404, not 500
        other = model._default_manager.exclude(pk=visible.pk).order_by("pk")
        other = other.exclude(pk__in=model_admin.get_queryset(request_for(user)).values("pk")).first()
        if other is not None:
            objects.append(other)
    urls = []
    for pattern in flat_patterns(model_admin.get_urls()):
        if pattern.name in SKIP:
            continue
        template, params = normalize(pattern.pattern.regex.pattern)[0]
        converters = getattr(pattern.pattern, "converters", {})
        if not params:
            urls.append(prefix + template)
            continue
        for obj in objects if any(is_object_param(p, converters) for p in params) else objects[:1]:
            for values in param_values(model, obj, template, params, converters):
                urls.append(prefix + template % values)
    return list(dict.fromkeys(urls))


def flat_patterns(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from flat_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


def is_object_param(name, converters) -> bool:
    return name in ("object_id", "_0", "id") or not isinstance(converters.get(name), IntConverter)


def param_values(model, obj, template, params, converters) -> list[dict]:
    """Fill each parameter: the object's id, its latest past version, or an id of the thing named."""
    choices = {}
    for index, name in enumerate(params):
        if name == "_1" and index == 1:  # simple-history's <object id>/history/<version id>/
            choices[name] = [latest_history_id(model, obj)]
        elif is_object_param(name, converters):
            choices[name] = [obj.pk]
        else:  # e.g. saved-searches/<int:pk>/: a row of the model the path names, and a missing one
            related = model_named_before(template, name)
            row = related._default_manager.order_by("pk").first() if related else None
            choices[name] = ([row.pk] if row else []) + [MISSING_PK]
    combos = [{}]
    for name, values in choices.items():
        combos = [{**combo, name: value} for combo in combos for value in values]
    return combos


def latest_history_id(model, obj):
    manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
    if manager_name is None:
        return MISSING_PK
    record = getattr(model, manager_name).filter(**{model._meta.pk.attname: obj.pk}).order_by("-history_id").first()
    return record.history_id if record else MISSING_PK


def model_named_before(template, name):
    """The model whose name the path segment before %(name)s spells (saved-searches → SavedSearch)."""
    before = template.split(f"%({name})s")[0].rstrip("/").rsplit("/", 1)[-1]
    segment = re.sub(r"[^a-z]", "", before.lower())
    candidates = [m for m in apps.get_models() if segment and segment.startswith(m._meta.model_name)]
    return max(candidates, key=lambda m: len(m._meta.model_name), default=None)


def request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def first_visible(model, model_admin, user):
    return model_admin.get_queryset(request_for(user)).order_by("pk").first()


# --- the rows they open -------------------------------------------------------------------------
def ensure_rows(world):
    """One row of every registered model, from tests/factories.py where the database has none."""
    customer = world.customer_a
    for owner in (world.customer_a, world.customer_b):  # the other branch's: out of a branch user's scope
        ContactHistoryFactory(customer=owner)
        PurchaseFactory(customer=owner)
    services.saved_search_create(owner=world.users["hq_admin"], name="渋谷", querystring="q=渋谷", shared=True)
    # A failed login: axes' attempt and failure log, and the audit log's event.
    Client().post(reverse("admin:login"), {"username": "walk_nobody", "password": "wrong"})
    by_model = {
        cls._meta.model: cls
        for cls in vars(factories).values()
        if inspect.isclass(cls) and issubclass(cls, factory.django.DjangoModelFactory) and cls._meta.model
    }
    missing = []
    for model in admin.site._registry:
        if model._default_manager.exists():
            continue
        maker = by_model.get(model)
        if maker is None:
            missing.append(model._meta.label)
            continue
        fields = {f.name for f in model._meta.get_fields()}
        maker(**({"customer": customer} if "customer" in fields else {}))
    assert not missing, f"no row and no factory in tests/factories.py for: {', '.join(missing)}"


def summary(exc) -> str:
    """The exception, the project's last frame and, when it is a library's, the innermost one."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "site-packages" not in f.filename and "/tests/" not in f.filename]
    where = [f for f in (ours[-1:] + frames[-1:]) if f]
    at = " via ".join(dict.fromkeys(f"{short_path(f.filename)}:{f.lineno} ({f.name})" for f in where))
    return f"{type(exc).__name__}: {exc}"[:300] + (f" at {at}" if at else "")


def short_path(filename: str) -> str:
    return filename.split("site-packages/", 1)[1] if "site-packages/" in filename else os.path.relpath(filename)


def exc_summary(response) -> str:
    exc_info = getattr(response, "exc_info", None)
    return f" {summary(exc_info[1])}" if exc_info else ""


# --- the import confirmation (crm/admin/imports.py, on the product master's import) -----------
def import_client(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja", raise_request_exception=False)
    client.force_login(world.users["hq_admin"])
    return client


def preview(client, csv_text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("admin:crm_product_import"), {
        "format": "0", "resource": "0", "import_file": SimpleUploadedFile("walk.csv", csv_text.encode("utf-8")),
    })
    assert response.status_code == 200
    return response.context["confirm_form"].initial


def product_csv() -> str:
    from django.utils import translation

    from crm.models import Product

    with translation.override("ja"):
        header = ",".join(str(Product._meta.get_field(n).verbose_name) for n in ("code", "name", "unit_price"))
    return f"{header}\nP-910001,取込商品,1200\n"


GONE = "アップロードしたファイルはもう残っていません。ファイルをもう一度選んでください。"


def imported_count() -> int:
    from crm.models import Product

    return Product.objects.filter(code="P-910001").count()


def assert_sent_back(client, response):
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("admin:crm_product_import")
    page = client.get(response["Location"]).content.decode()
    assert GONE in page
    assert not imported_count()


@pytest.fixture
def import_world(db):
    return build_world()


def test_stale_import_confirmation_sends_back_to_the_import_page(import_world):
    from import_export.tmp_storages import TempFolderStorage

    client = import_client(import_world)
    initial = preview(client, product_csv())
    os.remove(TempFolderStorage(name=os.path.basename(initial["import_file_name"])).get_full_path())
    assert_sent_back(client, client.post(reverse("admin:crm_product_process_import"), initial))


@pytest.mark.parametrize("name", ["tmp-walk-made-up", ".", "walk/"])
def test_made_up_import_file_name_sends_back_to_the_import_page(import_world, name):
    client = import_client(import_world)
    response = client.post(reverse("admin:crm_product_process_import"), {
        "import_file_name": name, "original_file_name": "x.csv", "format": "0", "resource": "0",
    })
    assert_sent_back(client, response)


def test_import_confirmed_twice_imports_once(import_world):
    client = import_client(import_world)
    initial = preview(client, product_csv())
    tampered = {**initial, "format": "99"}
    assert_sent_back(client, client.post(reverse("admin:crm_product_process_import"), tampered))
    response = client.post(reverse("admin:crm_product_process_import"), initial)
    assert response.status_code == 302 and imported_count() == 1
    again = client.post(reverse("admin:crm_product_process_import"), initial)
    assert again.status_code == 302 and again["Location"] == reverse("admin:crm_product_import")
    assert imported_count() == 1


def test_r1_admin_site_search_with_a_bad_page_is_not_found(admin_client):
    for page in ["abc", "99", "0"]:
        assert admin_client.get("/admin/search/", {"s": "a", "page": page}).status_code == 404
    assert admin_client.get("/admin/search/", {"s": "顧客"}).status_code == 200
