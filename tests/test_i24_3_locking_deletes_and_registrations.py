"""Issue 24, point 3, on the last two paths that wrote without the version they showed:

- orders' 出荷済登録 / 入金済登録 page (from the list's actions and from the order's buttons): an order changed
  after the page was shown (a payment registered, shipped, its card edited) refuses the whole batch in
  Japanese, naming the order number, nothing written; the page is shown again as it is now and pressing again
  registers them;
- the delete confirmations (the record's 削除 page, the list's 「選択された…の削除」): a record saved by
  someone else between the confirmation and its 「はい」 is not deleted; refused in Japanese, kept with the
  other person's values; a fresh confirmation still deletes.

Two Django test clients, no mocks. Runs on SQLite and PostgreSQL (DATABASE_URL)."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import transaction
from django.urls import reverse

from crm import locking
from crm.models import Customer, Product
from orders import services
from orders.models import Order, Payment
from tests.factories import OrderFactory
from tests.helpers import ja_client
from tests.test_i24_3_locking import FormControls, opened
from tests.test_i24_3_locking_editors import world  # noqa: F401 (the same personas and ¥105 pen)

pytestmark = pytest.mark.django_db

STALE_ORDERS = "この画面を表示した後に他の人が変更しました"
STALE_DELETE = "削除の確認画面を表示した後に他の人が変更しました"


def page_text(response) -> str:
    return unescape(response.content.decode())


def shown_form(response, form_id) -> dict:
    """What the page's form posts: its fields and the version of every order it shows (FormControls keeps
    one value a name; the versions are one input per order)."""
    assert response.status_code == 200, response
    page = response.content.decode()
    return {**FormControls(page, form_id).data, locking.SEEN: re.findall(rf'name="{locking.SEEN}" value="(\d+:\d+)"', page)}


def an_order(world) -> Order:
    return OrderFactory(customer=world.customer_a, lines=[(world.pen, 3)])  # 315 + tax 31 = 346


# --- 出荷済登録 / 入金済登録 --------------------------------------------------------------------------------
def test_i24_3_a_bulk_shipment_page_shown_before_an_order_was_paid_and_edited_registers_none_of_them(world):
    # given the shipment page of three orders, opened from the list
    orders = [an_order(world) for _ in range(3)]
    first, second = ja_client(world.users["branch_a"]), ja_client(world.users["hq_admin"])
    url = reverse("admin:orders_order_ship") + "?ids=" + ",".join(str(o.pk) for o in orders)
    shown = shown_form(first.get(url), "ship-form")
    assert shown[locking.SEEN] == [f"{o.pk}:{o.version}" for o in orders]
    # when meanwhile someone registers a payment on the second (its button) and edits the third's card
    pay_second = reverse("admin:orders_order_pay") + f"?ids={orders[1].pk}"
    assert second.post(pay_second, {**shown_form(second.get(pay_second), "pay-form"), "paid_on": "2026/12/09",
                                    "amount": "100"}).status_code == 302
    card = reverse("admin:orders_order_change", args=[orders[2].pk])
    assert second.post(card, {**opened(second, card, "order_form"), "memo": "午前着", "_save": "1"}).status_code == 302
    # and the first person registers the shipment from the page they had open
    response = first.post(url, {**shown, "shipped_on": "2026/12/08", "tracking_number": "1234-5678"})
    # then refused whole, in Japanese, naming the two changed orders; nothing shipped, what was typed kept
    assert response.status_code == 200
    text = page_text(response)
    assert STALE_ORDERS in text and f"{orders[1].number}、{orders[2].number}" in text
    assert orders[0].number not in text.split(STALE_ORDERS)[1].split("。")[0]
    assert not Order.objects.filter(shipped_on__isnull=False).exists()
    assert Payment.objects.get().amount == 100 and Order.objects.get(pk=orders[2].pk).memo == "午前着"
    again = shown_form(response, "ship-form")
    assert (again["shipped_on"], again["tracking_number"]) == ("2026/12/08", "1234-5678")
    # and the page shown again, as it is now, registers all three
    assert first.post(url, again).status_code == 302
    assert Order.objects.filter(shipped_on=datetime.date(2026, 12, 8), tracking_number="1234-5678").count() == 3
    assert Order.objects.get(pk=orders[2].pk).memo == "午前着" and Order.objects.get(pk=orders[1].pk).paid_total == 100


def test_i24_3_the_payment_button_of_an_order_paid_meanwhile_is_refused_and_adds_no_second_payment(world):
    # given two people with the same order's 入金済登録 page open (its button on the order)
    order = an_order(world)
    first, second = ja_client(world.users["branch_a"]), ja_client(world.users["hq_admin"])
    url = reverse("admin:orders_order_pay") + f"?ids={order.pk}"
    page_first, page_second = shown_form(first.get(url), "pay-form"), shown_form(second.get(url), "pay-form")
    # when both register the same 300 yen transfer
    assert second.post(url, {**page_second, "paid_on": "2026/12/09", "amount": "300"}).status_code == 302
    response = first.post(url, {**page_first, "paid_on": "2026/12/09", "amount": "300"})
    # then the second is refused in Japanese naming the order, not "more than the balance" alone; one payment
    assert response.status_code == 200
    assert STALE_ORDERS in page_text(response) and order.number in page_text(response)
    assert list(Payment.objects.values_list("amount", flat=True)) == [Decimal(300)]
    assert Order.objects.get(pk=order.pk).paid_total == 300
    # and from the page shown again, the rest is registered
    again = shown_form(response, "pay-form")
    assert first.post(url, {**again, "amount": "46"}).status_code == 302
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_i24_3_a_bulk_payment_page_shown_before_an_order_shipped_pays_none(world):
    orders = [an_order(world) for _ in range(2)]
    first, second = ja_client(world.users["branch_a"]), ja_client(world.users["hq_admin"])
    url = reverse("admin:orders_order_pay") + "?ids=" + ",".join(str(o.pk) for o in orders)
    shown = shown_form(first.get(url), "pay-form")
    ship_first = reverse("admin:orders_order_ship") + f"?ids={orders[0].pk}"
    assert second.post(ship_first, {**shown_form(second.get(ship_first), "ship-form"),
                                    "shipped_on": "2026/12/08"}).status_code == 302
    response = first.post(url, {**shown, "paid_on": "2026/12/09", "amount": ""})
    assert response.status_code == 200 and STALE_ORDERS in page_text(response) and orders[0].number in page_text(response)
    assert not Payment.objects.exists()
    assert first.post(url, shown_form(response, "pay-form")).status_code == 302
    assert Payment.objects.count() == 2


def test_i24_3_every_registration_raises_the_order_version_and_a_stale_batch_writes_nothing(world):
    orders = [an_order(world) for _ in range(2)]
    user = world.users["branch_a"]
    seen = {o.pk: o.version for o in orders}
    services.payment_add(order=orders[0], amount=10, paid_on=datetime.date(2026, 12, 9), user=user)
    assert Order.objects.get(pk=orders[0].pk).version == orders[0].version + 1
    # the service itself refuses under its lock (a change between the page's check and the write)
    with pytest.raises(locking.StaleWrite) as refusal:
        services.orders_ship(orders=orders, shipped_on=datetime.date(2026, 12, 8), user=user, seen=seen)
    assert orders[0].number in refusal.value.messages[0] and orders[1].number not in refusal.value.messages[0]
    with pytest.raises(locking.StaleWrite):
        services.orders_pay_in_full(orders=orders, paid_on=datetime.date(2026, 12, 9), user=user, seen=seen)
    with pytest.raises(locking.StaleWrite):
        services.payment_add(order=orders[0], amount=5, paid_on=datetime.date(2026, 12, 9), user=user, seen=seen)
    assert not Order.objects.filter(shipped_on__isnull=False).exists() and Payment.objects.count() == 1
    before = {o.pk: o.version for o in Order.objects.all()}
    assert services.orders_pay_in_full(orders=orders, paid_on=datetime.date(2026, 12, 9), user=user) == 2
    assert all(o.version == before[o.pk] + 1 for o in Order.objects.all())
    assert services.orders_ship(orders=orders, shipped_on=datetime.date(2026, 12, 8), user=user) == 2
    assert all(o.version == before[o.pk] + 2 for o in Order.objects.all())


# --- the delete confirmations ------------------------------------------------------------------------------
def confirmation(response) -> dict:
    """What the confirmation page's 「はい」 posts: the hidden inputs of its form (unfold's has no id)."""
    assert response.status_code == 200
    page = response.content.decode()
    form = page[page.rindex('<form method="post"'):]
    form = form[:form.index("</form>")]
    data = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        data.setdefault(name, []).append(unescape(value))
    return data


def test_i24_3_a_card_saved_after_its_delete_confirmation_was_shown_is_not_deleted(world):
    # given an admin on the 削除 page of a customer
    customer = world.customer_a
    admin, staff = ja_client(world.users["hq_admin"]), ja_client(world.users["branch_a"])
    delete_url = reverse("admin:crm_customer_delete", args=[customer.pk])
    yes = confirmation(admin.get(delete_url))
    assert yes[locking.FIELD] == [str(Customer.objects.get(pk=customer.pk).version)]
    # when the branch's staff saves the card meanwhile
    card = reverse("admin:crm_customer_change", args=[customer.pk])
    assert staff.post(card, {**opened(staff, card, "customer_form"), "company_name": "新しい勤務先",
                             "_save": "1"}).status_code == 302
    # and the admin answers 「はい」
    response = admin.post(delete_url, yes)
    # then refused in Japanese, the customer kept with the staff's value; the card is shown
    assert response.status_code == 302 and response["Location"] == card
    text = page_text(admin.get(response["Location"]))
    assert STALE_DELETE in text and f"「{Customer.objects.get(pk=customer.pk)}」" in text
    assert Customer.objects.get(pk=customer.pk).company_name == "新しい勤務先"
    # and a confirmation shown now deletes it
    assert admin.post(delete_url, confirmation(admin.get(delete_url))).status_code == 302
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_i24_3_a_product_changed_between_the_delete_action_confirmation_and_yes_is_kept(world):
    # given the list's delete action's confirmation page of two products
    cup = Product.objects.create(code="P200", name="湯のみ", unit_price=800, tax_rate=10)
    first, second = ja_client(world.users["hq_admin"]), ja_client(world.users["hq_admin"])
    changelist = reverse("admin:crm_product_changelist")
    listed = first.get(changelist).content.decode()
    seen = re.findall(rf'name="{locking.SEEN}" value="(\d+:\d+)"', listed)
    response = first.post(changelist, {"action": "delete_selected", "_selected_action": [world.pen.pk, cup.pk],
                                       locking.SEEN: seen, "index": "0"})
    yes = confirmation(response)
    assert sorted(yes[locking.SEEN]) == sorted([f"{world.pen.pk}:1", f"{cup.pk}:1"]) and yes["post"] == ["yes"]
    # when another admin changes the pen's price
    product_url = reverse("admin:crm_product_change", args=[world.pen.pk])
    assert second.post(product_url, {**opened(second, product_url, "product_form"), "unit_price": "120",
                                     "_save": "1"}).status_code == 302
    # and the first answers 「はい」
    response = first.post(changelist, yes, follow=True)
    # then refused in Japanese naming the pen only; neither deleted, the new price kept
    text = page_text(response)
    assert STALE_DELETE in text and f"「{Product.objects.get(pk=world.pen.pk)}」" in text and f"「{cup}」" not in text
    assert Product.objects.filter(pk__in=[world.pen.pk, cup.pk]).count() == 2
    assert Product.objects.get(pk=world.pen.pk).unit_price == 120
    # and a confirmation shown now deletes both
    listed = first.get(changelist).content.decode()
    response = first.post(changelist, {"action": "delete_selected", "_selected_action": [world.pen.pk, cup.pk],
                                       locking.SEEN: re.findall(rf'name="{locking.SEEN}" value="(\d+:\d+)"', listed),
                                       "index": "0"})
    assert first.post(changelist, confirmation(response)).status_code == 302
    assert not Product.objects.filter(pk__in=[world.pen.pk, cup.pk]).exists()


def test_i24_3_claim_rows_claims_all_the_rows_seen_or_none(world):
    """The delete's claim (log_deletions) inside its transaction: one row moved on refuses the set, and none
    of the others' versions moves (the transaction rolls back)."""
    cup = Product.objects.create(code="P200", name="湯のみ", unit_price=800, tax_rate=10)
    Product.objects.filter(pk=cup.pk).update(version=2)
    with pytest.raises(locking.StaleWrite), transaction.atomic():
        locking.claim_rows(Product, {world.pen.pk: 1, cup.pk: 1})
    assert dict(Product.objects.values_list("pk", "version")) == {world.pen.pk: 1, cup.pk: 2}
    with transaction.atomic():
        locking.claim_rows(Product, {world.pen.pk: 1, cup.pk: 2})
    assert dict(Product.objects.values_list("pk", "version")) == {world.pen.pk: 2, cup.pk: 3}


def test_i24_3_a_delete_confirmation_page_of_an_unversioned_model_is_unchanged(world):
    """Staff have no version: their confirmation carries none and deletes as before."""
    from tests.factories import StaffFactory

    victim = StaffFactory(username="leaving")
    admin = ja_client(world.users["hq_admin"])
    url = reverse("admin:crm_staff_delete", args=[victim.pk])
    yes = confirmation(admin.get(url))
    assert locking.FIELD not in yes and locking.SEEN not in yes
    assert admin.post(url, yes).status_code == 302
    assert not type(victim).objects.filter(pk=victim.pk).exists()
