"""Issue 23: one core, features plugged in. The layering read from the code, the core's registry,
and (point 2) every customer write path leaving history, search keys and event copies right."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layers_tool():
    spec = importlib.util.spec_from_file_location("kokyaku_layers_tool_project", ROOT / "tools" / "layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_issue23_p1_no_upward_import_and_no_circle():
    # given: the project's own modules, imports at module level and inside functions
    layers = _layers_tool()
    graph = layers.module_graph(ROOT)
    # when
    upward = layers.upward_imports(layers.app_graph(graph))
    loops = layers.circles(graph)
    # then: the core imports no feature, no layer imports one above it, and no modules import each other
    assert [(app, other, sorted(importers)) for app, other, importers in upward] == []
    assert loops == []


def test_issue23_p1_the_tool_says_so_and_exits_0():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "layers.py")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout
    assert "upward imports: 0, circles: 0" in result.stdout


def test_issue23_p1_crm_imports_no_feature_app():
    # the rule in its plainest words: no module of crm names a feature app
    layers = _layers_tool()
    features = {"dataio", "printouts", "events", "scheduling", "orders"}
    graph = layers.module_graph(ROOT)
    offending = {module: sorted(t for t in targets if t.split(".")[0] in features)
                 for module, targets in graph.items() if module.split(".")[0] == "crm"}
    assert {m: t for m, t in offending.items() if t} == {}


# --- point 2: one write path ----------------------------------------------------------------------------
import datetime  # noqa: E402

import pytest  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.urls import reverse  # noqa: E402

from crm import dates, extensions  # noqa: E402
from crm.models import Customer  # noqa: E402
from events import mourning  # noqa: E402
from events.models import Event, EventLink  # noqa: E402
from jobs.models import Job  # noqa: E402
from tests.factories import CustomerFactory, EventFactory, EventLinkFactory  # noqa: E402
from tests.helpers import card_post_data, ja_client, run_worker  # noqa: E402
from tests.personas import build_world  # noqa: E402

NEW_NAME, NEW_KANA, NEW_ADDRESS = "恵比寿", "エビス", "東京都渋谷区恵比寿1-1"


def _form(world, customer):
    client = ja_client(world.users["hq_admin"])
    data = card_post_data(customer, last_name=NEW_NAME, last_name_kana=NEW_KANA, address=NEW_ADDRESS,
                          change_reason="改姓")
    response = client.post(reverse("admin:crm_customer_change", args=[customer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:1000]
    return "改姓"


def _toggle(world, customer):
    client = ja_client(world.users["hq_admin"])
    response = client.post(reverse("admin:crm_customer_toggle_check", args=[customer.pk]),
                           {"field": "check1", "value": "1"})
    assert response.status_code == 200
    assert Customer.objects.get(pk=customer.pk).check1
    return "一覧から変更"


def _import(world, customer):
    client = ja_client(world.users["hq_admin"])
    data = (f"顧客コード,氏名（姓）,フリガナ（姓）,住所\r\n{customer.code},{NEW_NAME},{NEW_KANA},{NEW_ADDRESS}\r\n"
            .encode("cp932"))
    response = client.post(reverse("admin:dataio_importjob_add"), {
        "target": "customers", "encoding": "", "file": SimpleUploadedFile("c.csv", data, content_type="text/csv")})
    assert response.status_code == 302
    run_worker()
    check = Job.objects.order_by("-id").first()
    assert client.post(reverse("admin:dataio_importjob_write", args=[check.pk])).status_code == 302
    run_worker()
    assert Job.objects.order_by("-id").first().result["updated"] == 1
    return "CSV取込"


def _bulk(world, customer):
    from dataio import bulk

    bulk.bulk_update(user=world.users["hq_admin"], queryset=Customer.objects.filter(pk=customer.pk),
                     values={"last_name": NEW_NAME, "last_name_kana": NEW_KANA, "address": NEW_ADDRESS},
                     reason="一括変更", action="test")
    return "一括変更"


def _merge_and_undo(world, customer):
    from dataio import merging

    twin = CustomerFactory(branch=customer.branch, last_name=NEW_NAME, last_name_kana=NEW_KANA,
                           first_name=customer.first_name, address=NEW_ADDRESS)
    record = merging.merge(user=world.users["hq_admin"], survivor_id=customer.pk, ids=[customer.pk, twin.pk],
                           choices={"last_name": twin.pk, "last_name_kana": twin.pk, "address": twin.pk})
    _assert_written_right(customer.pk, reason=merging.MERGE_REASON)
    assert not Customer.objects.filter(pk=twin.pk).exists()
    merging.undo(user=world.users["hq_admin"], record=record)
    _assert_written_right(twin.pk, reason=merging.UNDO_REASON)
    return merging.UNDO_REASON


def _scheduled(world, customer):
    from scheduling import services as scheduling

    day = dates.today() + datetime.timedelta(days=30)
    scheduling.schedule_change(customer=customer, user=world.users["hq_admin"], effective_date=day, reason="移転",
                               changes={"last_name": NEW_NAME, "last_name_kana": NEW_KANA, "address": NEW_ADDRESS})
    call_command("run_scheduled", date=day.isoformat(), stdout=open("/dev/null", "w"))
    return "移転"


def _restore(world, customer):
    client = ja_client(world.users["hq_admin"])
    first = customer.history.earliest()
    _form(world, Customer.objects.get(pk=customer.pk))  # the name changes …
    response = client.post(reverse("admin:crm_customer_simple_history", args=[customer.pk, first.history_id]),
                           {"change_reason": ""})
    assert response.status_code == 302  # … and the first version comes back
    assert Customer.objects.get(pk=customer.pk).last_name == first.last_name
    return "復元"


WRITE_PATHS = {"form": _form, "list_toggle": _toggle, "import": _import, "bulk_update": _bulk,
               "merge_and_undo": _merge_and_undo, "scheduled_change": _scheduled, "restore": _restore}


def _assert_written_right(pk: int, *, reason: str) -> None:
    customer = Customer.objects.get(pk=pk)
    # history: the last record is this write's, saying why
    latest = customer.history.order_by("-history_id").first()
    assert reason in (latest.history_change_reason or ""), latest.history_change_reason
    assert latest.last_name == customer.last_name and latest.address == customer.address
    # search keys: what save() would compute from the stored values
    fresh = Customer.objects.get(pk=pk)
    fresh.apply_invariants()
    assert fresh.search_text == customer.search_text
    # the event rows' copies (name + address key, reading) follow the customer
    for link in EventLink.objects.filter(customer_id=pk):
        target = (pk, link.family_member_id)
        expected = mourning.people([target])[target].copies()
        assert {name: getattr(link, name) for name in mourning.COPIES} == expected


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(WRITE_PATHS))
def test_issue23_p2_every_write_path_leaves_history_search_keys_and_event_copies_right(path):
    # given: a customer on a new-year-card list, and a reaction registered as a feature would
    world = build_world()
    customer = world.customer_a
    event = EventFactory(kind=Event.Kind.NEW_YEAR_CARD, year=dates.today().year)
    EventLinkFactory(event=event, customer=customer)
    heard = []
    reaction = extensions.on_customers_written(lambda written: heard.append(written.ids))
    try:
        # when
        reason = WRITE_PATHS[path](world, Customer.objects.get(pk=customer.pk))
    finally:
        extensions._WRITTEN.remove(reaction)
    # then
    _assert_written_right(customer.pk, reason=reason)
    if path != "list_toggle":
        stored = Customer.objects.get(pk=customer.pk)
        assert (stored.last_name, stored.address) == ((world.customer_a.last_name, world.customer_a.address)
                                                      if path in ("restore", "merge_and_undo") else (NEW_NAME, NEW_ADDRESS))
    assert any(customer.pk in ids for ids in heard), "the registered reactions ran"


@pytest.mark.django_db
def test_issue23_p1_a_feature_plugs_into_the_card_and_the_list_without_touching_crm(admin_client, hq_branch):
    # given: a feature (as the coming orders app would) registers a list tool, a list action and a card panel
    # (URLs under the customer admin are read once, when the URLconf loads: a feature adds them in ready())
    from django.contrib import admin

    @admin.action(description="注文に追加", permissions=["view"])
    def add_to_order(modeladmin, request, queryset):
        return None

    customer = CustomerFactory(branch=hq_branch)
    tool = extensions.ListTool("orders-link", "注文", lambda request, qs: "/orders/?" + qs, order=99)
    action = extensions.ListAction("add_to_order", add_to_order, order=99)
    panel = extensions.CardPanel("orders", "crm/customer/records_pager.html",
                                 lambda request, obj, may_change: {"orders_seen": obj.pk}, slot=extensions.CARD_TOP)
    extensions.add_list_tool(tool)
    extensions.add_list_action(action)
    extensions.add_card_panel(panel)
    try:
        # when
        listing = admin_client.get(reverse("admin:crm_customer_changelist"))
        card = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk]))
        # then
        assert 'id="orders-link"' in listing.content.decode()
        assert "add_to_order" in dict(listing.context["action_form"].fields["action"].choices)
        assert card.context["orders_seen"] == customer.pk
        assert "crm/customer/records_pager.html" in card.context["card_panels"][extensions.CARD_TOP]
    finally:
        extensions._LIST_TOOLS.pop(tool.key)
        extensions._LIST_ACTIONS.pop(action.name)
        extensions._CARD_PANELS.pop(panel.key)


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["card", "list_action"])
def test_issue23_p2_deleting_customers_on_the_screens_goes_through_crm_services(how):
    # given: a head-office admin, a customer, and a reaction registered as a feature would
    from django.test import Client

    world = build_world()
    customer = world.customer_a
    EventLinkFactory(event=EventFactory(kind=Event.Kind.NEW_YEAR_CARD, year=dates.today().year), customer=customer)
    admin = world.users["hq_admin"]
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(admin)
    heard = []
    reaction = extensions.on_customers_deleted(lambda deleted: heard.append(deleted.ids))
    try:
        # when: deleted from its card's 削除 page, or with the list's delete action
        if how == "card":
            response = client.post(f"/admin/crm/customer/{customer.pk}/delete/", {"post": "yes"})
        else:
            response = client.post("/admin/crm/customer/", {"action": "delete_selected", "post": "yes",
                                                            "_selected_action": [customer.pk]})
    finally:
        extensions._DELETED.remove(reaction)
    # then: gone, its last history record says who deleted it, and the reactions heard of it
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=customer.pk).exists()
    last = Customer.history.filter(id=customer.pk).order_by("-history_id").first()
    assert (last.history_type, last.history_user_id) == ("-", admin.pk)
    assert heard == [(customer.pk,)]


def test_issue23_p1_every_app_has_a_layer():
    # an app the tool does not place is never checked: a new feature app must be listed in tools/layers.py
    layers = _layers_tool()
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert sorted(app for app in apps if layers.layer_of(app) is None) == []
