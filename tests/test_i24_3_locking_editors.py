"""Issue 24, point 3, on every record editor (crm/locking.py through crm.admin.base.VersionedAdminMixin):
two staff saving the same order, estimate, order line, family row on the card, handoff, product or field
label: the second, stale save is refused in Japanese with the other person's values beside the typed ones,
nothing overwritten and nothing typed lost; a stale row ticked for deletion is not deleted; an action
started from a list loaded before one of its rows changed is refused whole, naming that row.
Runs on SQLite and PostgreSQL (DATABASE_URL)."""

import pytest
from django.urls import reverse

from crm import locking
from crm.models import Customer, FamilyMember, Product
from fieldconfig.models import FieldSetting
from orders.models import Estimate, EstimateLine, Order, OrderLine
from tests.factories import EstimateFactory, FamilyMemberFactory, HandoffFactory, OrderFactory, StaffFactory
from tests.helpers import ja_client
from tests.personas import build_world
from tests.test_i24_3_locking import REFUSED, FormControls, opened
from workflow.models import Handoff, HandoffStatus

pytestmark = pytest.mark.django_db

OTHERS = "相手が保存した値："


@pytest.fixture
def world(db):
    world = build_world()
    world.pen = Product.objects.create(code="P105", name="ボールペン", unit_price=105, tax_rate=10)
    return world


def two_clients(world, first="hq_admin", second="branch_a"):
    return ja_client(world.users[first]), ja_client(world.users[second])


def saved(response):
    if response.status_code != 302:
        import re

        page = response.content.decode()
        errors = re.findall(r'(?:errorlist|role="alert")[^>]*>(.*?)</', page, re.S)
        raise AssertionError(f"not saved: {errors or page[:3000]}")


def refused(response, form_id):
    """The stale save's page: refused in Japanese; what the browser would post from it now."""
    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSED in page or "削除していません" in page, page[:3000]
    return page, FormControls(page, form_id).data


def row_prefix(data, field):
    """The prefix of the inline formset whose rows carry `field` (e.g. 'lines-0-' for 'quantity')."""
    return next(name[: -len(field)] for name in data if name.endswith(f"-0-{field}"))


# --- an order and its lines -------------------------------------------------------------------------------
def test_i24_3_two_staff_save_the_same_order_the_second_is_refused_and_keeps_what_was_typed(world):
    order = OrderFactory(customer=world.customer_a, lines=[(world.pen, 2)], memo="")
    url = reverse("admin:orders_order_change", args=[order.pk])
    first, second = two_clients(world)
    form_first, form_second = opened(first, url, "order_form"), opened(second, url, "order_form")
    saved(first.post(url, {**form_first, "memo": "午前着でお願いします", "_save": "1"}))
    page, shown = refused(second.post(url, {**form_second, "memo": "不在時は宅配ボックス", "ship_tel": "03-9999-0000",
                                            "_save": "1"}), "order_form")
    assert OTHERS + "午前着でお願いします" in page
    assert (shown["memo"], shown["ship_tel"]) == ("不在時は宅配ボックス", "03-9999-0000")
    order.refresh_from_db()
    assert (order.memo, order.ship_tel) != ("不在時は宅配ボックス", "03-9999-0000")
    assert order.memo == "午前着でお願いします"
    # saved again after checking: what was typed is kept (deliberately)
    saved(second.post(url, {**shown, "_save": "1"}))
    order.refresh_from_db()
    assert (order.memo, order.ship_tel) == ("不在時は宅配ボックス", "03-9999-0000")


def test_i24_3_a_stale_order_line_is_refused_at_its_row(world):
    order = OrderFactory(customer=world.customer_a, lines=[(world.pen, 2)])
    line = OrderLine.objects.get(order=order)
    url = reverse("admin:orders_order_change", args=[order.pk])
    first, second = two_clients(world)
    form_first, form_second = opened(first, url, "order_form"), opened(second, url, "order_form")
    prefix = row_prefix(form_first, "quantity")
    assert f"{prefix}{locking.FIELD}" in form_first, "each line carries the version it was read at"
    saved(first.post(url, {**form_first, f"{prefix}quantity": "5", "_save": "1"}))
    page, shown = refused(second.post(url, {**form_second, f"{prefix}quantity": "3", f"{prefix}discount": "10",
                                            "_save": "1"}), "order_form")
    assert OTHERS + "5" in page
    assert (shown[f"{prefix}quantity"], shown[f"{prefix}discount"]) == ("3", "10")
    line.refresh_from_db()
    assert (line.quantity, line.discount) == (5, 0)
    # a stale line ticked for deletion is not deleted either
    form_third = opened(first, url, "order_form")
    saved(second.post(url, {**shown, "_save": "1"}))
    page, _shown = refused(first.post(url, {**form_third, f"{prefix}DELETE": "on", "_save": "1"}), "order_form")
    assert OrderLine.objects.filter(pk=line.pk, quantity=3, discount=10).exists()


def test_i24_3_two_staff_save_the_same_estimate_the_second_is_refused(world):
    estimate = EstimateFactory(customer=world.customer_a, title="名入れボールペン")
    url = reverse("admin:orders_estimate_change", args=[estimate.pk])
    first, second = two_clients(world)
    form_first, form_second = opened(first, url, "estimate_form"), opened(second, url, "estimate_form")
    saved(first.post(url, {**form_first, "title": "名入れボールペン 500本", "_save": "1"}))
    page, shown = refused(second.post(url, {**form_second, "title": "名入れボールペン 300本", "_save": "1"}),
                          "estimate_form")
    assert OTHERS + "名入れボールペン 500本" in page and shown["title"] == "名入れボールペン 300本"
    assert Estimate.objects.get(pk=estimate.pk).title == "名入れボールペン 500本"
    assert EstimateLine.objects.filter(estimate=estimate).exists()


# --- an inline row on the customer card ---------------------------------------------------------------------
def test_i24_3_a_stale_family_row_on_the_card_is_refused_and_the_card_is_not_saved(world):
    customer = world.customer_a
    member = FamilyMemberFactory(customer=customer, name="渋谷 花子", occupation="")
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    first, second = two_clients(world)
    form_first = opened(first, f"{url}?edit=family", "customer_form")
    form_second = opened(second, f"{url}?edit=family", "customer_form")
    prefix = row_prefix(form_first, "occupation")
    assert f"{prefix}{locking.FIELD}" in form_first
    saved(first.post(url, {**form_first, f"{prefix}name": "渋谷 華子", "_save": "1"}))
    page, shown = refused(second.post(url, {**form_second, f"{prefix}occupation": "教師", "remark1": "来店",
                                            "_save": "1"}), "customer_form")
    assert OTHERS + "渋谷 華子" in page
    assert (shown[f"{prefix}occupation"], shown["remark1"]) == ("教師", "来店")
    member.refresh_from_db()
    assert (member.name, member.occupation) == ("渋谷 華子", "")
    assert Customer.objects.get(pk=customer.pk).remark1 != "来店"  # nothing of the card either
    # a row the first person changed, ticked for deletion from the older page: not deleted
    form_third = opened(second, f"{url}?edit=family", "customer_form")
    saved(first.post(url, {**opened(first, f"{url}?edit=family", "customer_form"), f"{prefix}hobbies": "茶道",
                           "_save": "1"}))
    page, _shown = refused(second.post(url, {**form_third, f"{prefix}DELETE": "on", "_save": "1"}), "customer_form")
    assert "削除していません" in page and FamilyMember.objects.filter(pk=member.pk).exists()


# --- a handoff's status ----------------------------------------------------------------------------------
def test_i24_3_two_staff_change_the_same_handoff_the_second_is_refused(world):
    assignee = StaffFactory(username="sales_a", is_head_office=True, roles=["一般"], email="sales_a@example.jp")
    handoff = HandoffFactory(customer=world.customer_a, assignee=assignee)
    url = reverse("admin:workflow_handoff_change", args=[handoff.pk])
    first, second = ja_client(world.users["hq_admin"]), ja_client(assignee)
    form_first, form_second = opened(first, url, "handoff_form"), opened(second, url, "handoff_form")
    working = HandoffStatus.objects.get(name="対応中")
    saved(first.post(url, {**form_first, "status": working.pk, "note": "電話しました", "_save": "1"}))
    page, shown = refused(second.post(url, {**form_second, "note": "折り返し待ち", "_save": "1"}), "handoff_form")
    assert OTHERS + "対応中" in page and shown["note"] == "折り返し待ち"
    handoff = Handoff.objects.get(pk=handoff.pk)
    assert handoff.status == working and handoff.events.count() == 2  # handed, the first change: nothing more


# --- masters edited by admins ------------------------------------------------------------------------------
def test_i24_3_two_admins_save_the_same_product_the_second_is_refused(world):
    other_admin = StaffFactory(username="hq_admin2", is_head_office=True, roles=["管理者"])
    url = reverse("admin:crm_product_change", args=[world.pen.pk])
    first, second = ja_client(world.users["hq_admin"]), ja_client(other_admin)
    form_first, form_second = opened(first, url, "product_form"), opened(second, url, "product_form")
    saved(first.post(url, {**form_first, "unit_price": "110", "_save": "1"}))
    page, shown = refused(second.post(url, {**form_second, "name": "ボールペン（黒）", "_save": "1"}), "product_form")
    assert OTHERS + "110" in page and shown["name"] == "ボールペン（黒）"
    product = Product.objects.get(pk=world.pen.pk)
    assert (product.name, product.unit_price) == ("ボールペン", 110)


def test_i24_3_two_admins_edit_the_same_field_label_in_the_list_the_second_is_refused(world):
    setting = FieldSetting.objects.get(model="customer", field_name="remark1")
    url = f"{reverse('admin:fieldconfig_fieldsetting_changelist')}?q=remark1"
    other_admin = StaffFactory(username="hq_admin2", is_head_office=True, roles=["管理者"])
    first, second = ja_client(world.users["hq_admin"]), ja_client(other_admin)
    form_first, form_second = opened(first, url, "changelist-form"), opened(second, url, "changelist-form")
    row = next(name[: -len("-id")] for name, value in form_first.items()
               if name.endswith("-id") and value == str(setting.pk))
    saved(first.post(url, {**form_first, f"{row}-label": "来店メモ", "_save": "保存"}))
    page, shown = refused(second.post(url, {**form_second, f"{row}-label": "紹介者", "_save": "保存"}),
                          "changelist-form")
    assert OTHERS + "来店メモ" in page and shown[f"{row}-label"] == "紹介者"
    assert FieldSetting.objects.get(pk=setting.pk).label == "来店メモ"


# --- actions from a list loaded before a row changed ----------------------------------------------------------
def listed(client, url):
    """The list as a browser shows it: each row's tick and the version beside it."""
    response = client.get(url)
    assert response.status_code == 200
    data = FormControls(response.content.decode(), "changelist-form").data
    return response.content.decode(), data


def seen_pairs(page) -> list[str]:
    import re

    return re.findall(rf'name="{locking.SEEN}" value="([0-9]+:[0-9]+)"', page)


def changed_by_someone(obj, **values):
    obj = type(obj).objects.get(pk=obj.pk)
    for name, value in values.items():
        setattr(obj, name, value)
    locking.claim(obj)
    obj.save()


def test_i24_3_a_bulk_shipment_from_a_stale_order_list_is_refused_whole(world):
    orders = [OrderFactory(customer=world.customer_a, lines=[(world.pen, 1)]) for _ in range(2)]
    client = ja_client(world.users["branch_a"])
    changelist = reverse("admin:orders_order_changelist")
    page, _data = listed(client, changelist)
    seen = seen_pairs(page)
    assert {f"{o.pk}:1" for o in orders} <= set(seen)
    changed_by_someone(orders[1], tracking_number="1111-2222")  # someone registers a tracking number meanwhile
    response = client.post(changelist, {"action": "register_shipment", "_selected_action": [o.pk for o in orders],
                                        locking.SEEN: seen, "index": "0"}, follow=True)
    text = response.content.decode()
    assert "一覧を表示した後に他の人が変更しました" in text and f"「{orders[1]}」" in text and f"「{orders[0]}」" not in text
    assert not Order.objects.filter(pk__in=[o.pk for o in orders], shipped_on__isnull=False).exists()
    # from the list shown now: the registration page opens
    page, _data = listed(client, changelist)
    response = client.post(changelist, {"action": "register_shipment", "_selected_action": [o.pk for o in orders],
                                        locking.SEEN: seen_pairs(page), "index": "0"})
    assert response.status_code == 302 and "ship" in response["Location"]


def test_i24_3_a_bulk_change_from_a_stale_customer_list_is_refused_and_names_only_visible_rows(world):
    client = ja_client(world.users["branch_a"])
    changelist = reverse("admin:crm_customer_changelist")
    page, _data = listed(client, changelist)
    seen = seen_pairs(page)
    assert f"{world.customer_a.pk}:1" in seen
    assert not any(pair.startswith(f"{world.customer_b.pk}:") for pair in seen)  # another branch: not listed
    changed_by_someone(world.customer_a, company_name="その間の社名")
    changed_by_someone(world.customer_b, company_name="新宿の新社名")
    # a forged post naming the other branch's customer too: refused, naming only the customer this user sees
    response = client.post(changelist, {"action": "update_company_block", "index": "0",
                                        "_selected_action": [world.customer_a.pk, world.customer_b.pk],
                                        locking.SEEN: [*seen, f"{world.customer_b.pk}:1"]}, follow=True)
    text = response.content.decode()
    assert "一覧を表示した後に他の人が変更しました" in text
    assert str(Customer.objects.get(pk=world.customer_a.pk)) in text and "新宿" not in text.split("一覧を表示")[1][:300]
    assert Customer.objects.get(pk=world.customer_a.pk).company_name == "その間の社名"


def test_i24_3_a_delete_from_a_stale_product_list_deletes_nothing(world):
    client = ja_client(world.users["hq_admin"])
    changelist = reverse("admin:crm_product_changelist")
    page, _data = listed(client, changelist)
    changed_by_someone(world.pen, unit_price=120)
    response = client.post(changelist, {"action": "delete_selected", "_selected_action": [world.pen.pk],
                                        locking.SEEN: seen_pairs(page), "index": "0"}, follow=True)
    assert "一覧を表示した後に他の人が変更しました" in response.content.decode()
    assert Product.objects.filter(pk=world.pen.pk).exists()


def test_i24_3_reading_actions_are_not_stopped_by_a_stale_list(world):
    """Print and export take the rows as they are now: nothing to overwrite, so a stale list does not stop them."""
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    admin = django_admin.site.get_model_admin(Customer)
    request = RequestFactory().get("/")
    request.user = world.users["hq_admin"]
    names = set(admin.get_actions(request))
    readers = names & {"print_selected", "export_selected"}
    assert readers and not any(admin.action_writes(request, name) for name in readers)
    assert admin.action_writes(request, "update_company_block") and admin.action_writes(request, "delete_selected")
