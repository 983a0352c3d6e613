"""Issue 13 points 5 and 9: 喪中 and 寒中見舞い, one person per kind and year across departments (E5),
family members as the target of an event's row (E9)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from crm.models import Customer
from events import mourning as persons
from events import services
from events.models import Event, EventLink, Mourning
from tests.factories import (CustomerFactory, EventFactory, EventLinkFactory, FamilyMemberFactory,
                             StaffDepartmentFactory)
from tests.personas import build_world

pytestmark = pytest.mark.django_db

CUSTOMERS = reverse("admin:crm_customer_changelist")
LINKS = reverse("admin:events_eventlink_changelist")
MOURNINGS = reverse("admin:events_mourning_changelist")


@pytest.fixture
def world(db):
    world = build_world()
    for customer, address in ((world.customer_a, "東京都渋谷区神南一丁目2番3号"),
                              (world.customer_b, "東京都新宿区西新宿2-8-1")):
        customer.postal_code, customer.address = "1500041", address
        customer.save()
    return world


def client_for(world, name):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(world.users[name])
    return client


def link_action(client, event, ids):
    return client.post(CUSTOMERS, {"action": "add_to_event", "index": "0", "apply": "1", "event": str(event.pk),
                                   ACTION_CHECKBOX_NAME: [str(i) for i in ids]}, follow=True)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def new_year(year=2027, **kwargs):
    kwargs.setdefault("name", f"{year}年 年賀状")
    return EventFactory(kind="new_year_card", year=year, **kwargs)


def link(event, customer, family_member=None, **kwargs):
    """A row as the services write it (the factory fills the person key and reading)."""
    return EventLinkFactory(event=event, customer=customer, family_member=family_member, **kwargs)


# --- E5: 喪中 -----------------------------------------------------------------------------------------
def test_e5_new_year_card_linking_leaves_out_those_in_mourning(world):
    # given: a mourning card from 渋谷 for 2027 (received in November 2026)
    other = CustomerFactory(branch=world.branch_a, last_name="元気", address="東京都渋谷区宇田川町1-1")
    Mourning.objects.create(customer=world.customer_a, year=2027)
    event = new_year(2027)
    # when
    response = link_action(client_for(world, "branch_a"), event, [world.customer_a.pk, other.pk])
    # then: left out, counted and said; nothing else lost
    assert set(event.links.values_list("customer_id", flat=True)) == {other.pk}
    assert "1 件の顧客を「2027年 年賀状」に追加しました" in messages_of(response)
    assert "2027年が喪中の 1 名を除きました" in messages_of(response)
    # a mourning for another year, or an event of another kind, leaves nobody out
    assert services.event_link_customers(event=new_year(2028), customers=Customer.objects.filter(
        pk=world.customer_a.pk), user=world.users["hq_admin"]) == (1, 0)
    gifts = EventFactory(kind="winter_gift", year=2027, name="2027年 お歳暮")
    assert services.event_link_customers(event=gifts, customers=Customer.objects.filter(pk=world.customer_a.pk),
                                         user=world.users["hq_admin"]) == (1, 0)


def test_e5_household_mourning_covers_the_family_a_members_only_that_member(world):
    spouse = FamilyMemberFactory(customer=world.customer_a, name="渋谷 花子", relation="配偶者")
    son = FamilyMemberFactory(customer=world.customer_a, name="渋谷 次郎", relation="長男")
    targets = [(world.customer_a.pk, None), (world.customer_a.pk, spouse.pk), (world.customer_a.pk, son.pk)]
    Mourning.objects.create(customer=world.customer_a, family_member=son, year=2027)
    assert persons.in_mourning(targets, 2027) == {(world.customer_a.pk, son.pk)}
    Mourning.objects.create(customer=world.customer_a, year=2027)
    assert persons.in_mourning(targets, 2027) == set(targets)
    assert persons.in_mourning(targets, 2026) == set()


def test_e5_carry_over_leaves_out_those_in_mourning_for_the_new_year(world):
    # given: last year's list; 渋谷 sent a mourning card for 2027, 元気 was in mourning in 2026 only
    source = new_year(2026, status="done")
    healthy = CustomerFactory(branch=world.branch_a, last_name="元気", address="東京都渋谷区宇田川町1-1")
    Mourning.objects.create(customer=healthy, year=2026)
    link(source, world.customer_a)
    link(source, healthy, mourning=True)
    Mourning.objects.create(customer=world.customer_a, year=2027, received_on="2026-11-20")
    admin = world.users["hq_admin"]
    # when
    report = {}
    target, count = services.event_carry_over(source=source, year=2027, name="2027年 年賀状", user=admin,
                                              skip_mourning=True, report=report)
    # then: 2027's mourning is left out; last year's mourning is over
    assert count == 1 and list(target.links.values_list("customer_id", flat=True)) == [healthy.pk]
    assert not target.links.get().mourning
    assert "2027年が喪中の 1 名を除きました" in report["plan"].skipped_text()
    # without 「喪中を除く」 they are carried, marked 喪中
    target.links.all().delete()
    target, count = services.event_carry_over(source=source, year=2027, name="2027年 年賀状", user=admin)
    assert count == 2 and target.links.get(customer=world.customer_a).mourning


def test_e5_mourning_ticked_in_place_is_the_customers_record_for_the_year(world):
    # given
    event = new_year(2027)
    row = link(event, world.customer_a)
    other_list = new_year(2027, name="2027年 年賀状（社長）")
    other_row = link(other_list, world.customer_a)
    url = f"{LINKS}?event__id__exact={event.pk}"
    client = client_for(world, "branch_a")

    def post(mourning: bool):
        data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
                "form-MAX_NUM_FORMS": "1000", "form-0-id": str(row.pk), "form-0-attendance": "undecided",
                "form-0-gift": "", "form-0-gift_price": "", "form-0-memo": "", "_save": "保存"}
        if mourning:
            data["form-0-mourning"] = "on"
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:1500]

    # when: ticked
    post(True)
    # then: the record of 2027, and every 2027 new-year list shows it
    record = Mourning.objects.get(customer=world.customer_a)
    assert record.year == 2027 and record.family_member is None and record.created_by == world.users["branch_a"]
    other_row.refresh_from_db()
    assert other_row.mourning
    # when: cleared
    post(False)
    assert not Mourning.objects.exists()
    other_row.refresh_from_db()
    assert not other_row.mourning


def test_e5_mourning_screen_is_branch_scoped_and_lists_follow_it(world):
    event = new_year(2027)
    row = link(event, world.customer_a)
    client = client_for(world, "branch_a")
    # when: entered on the 喪中 screen
    response = client.post(reverse("admin:events_mourning_add"), {
        "customer": world.customer_a.pk, "year": "2027", "received_on": "2026/11/20", "memo": "祖母様ご逝去"})
    assert response.status_code == 302, response.content.decode()[:1500]
    row.refresh_from_db()
    assert row.mourning
    # the same household and year twice: refused at the form, in Japanese
    response = client.post(reverse("admin:events_mourning_add"), {"customer": world.customer_a.pk, "year": "2027"})
    assert response.status_code == 200 and "この世帯はこの年の喪中がすでに登録されています" in response.content.decode()
    assert Mourning.objects.filter(customer=world.customer_a).count() == 1
    Mourning.objects.create(customer=world.customer_b, year=2027)
    page = client.get(MOURNINGS).content.decode()
    assert "渋谷　一郎 様" in page and "新宿　花子" not in page
    # a customer of another branch cannot be entered by a forged id
    response = client.post(reverse("admin:events_mourning_add"), {"customer": world.customer_b.pk, "year": "2027"})
    assert response.status_code == 200 and Mourning.objects.filter(customer=world.customer_b).count() == 1
    # bad input: a family member of another customer, at the field
    stranger = FamilyMemberFactory(customer=CustomerFactory(branch=world.branch_a, last_name="他人"))
    response = client.post(reverse("admin:events_mourning_add"), {
        "customer": world.customer_a.pk, "family_member": stranger.pk, "year": "2028"})
    assert response.status_code == 200 and not Mourning.objects.filter(year=2028).exists()
    # the customer card lists it by year, with the way to register another
    card = client.get(reverse("admin:crm_customer_change", args=[world.customer_a.pk])).content.decode()
    section = card.split('id="card-mourning"')[1].split("</section>")[0]
    assert "2027" in section and "世帯全体" in section and "祖母様ご逝去" in section
    assert f"/events/mourning/add/?customer={world.customer_a.pk}" in section
    read_only = client_for(world, "read_only").get(reverse("admin:crm_customer_change", args=[world.customer_a.pk]))
    assert 'id="card-mourning"' in read_only.content.decode() and "card-mourning-add" not in read_only.content.decode()
    # deleting the record clears the lists' 喪中
    record = Mourning.objects.get(customer=world.customer_a)
    client.post(reverse("admin:events_mourning_delete", args=[record.pk]), {"post": "yes"})
    row.refresh_from_db()
    assert not Mourning.objects.filter(customer=world.customer_a).exists() and not row.mourning


def test_e5_winter_greetings_list_from_the_new_year_cards(world):
    # given: 2026's list carried to 2027; 渋谷 sent a mourning card before the carry-over, 元気's came after
    source = new_year(2026, status="done")
    healthy = CustomerFactory(branch=world.branch_a, last_name="元気", address="東京都渋谷区宇田川町1-1")
    late = CustomerFactory(branch=world.branch_a, last_name="後日", address="東京都渋谷区道玄坂1-1")
    for customer in (world.customer_a, healthy, late):
        link(source, customer)
    Mourning.objects.create(customer=world.customer_a, year=2027)
    admin = world.users["hq_admin"]
    event, _count = services.event_carry_over(source=source, year=2027, name="2027年 年賀状", user=admin,
                                              skip_mourning=True)
    Mourning.objects.create(customer=late, year=2027)
    persons.refresh_link_flags(event.links.all(), 2027)
    url = reverse("admin:events_event_winter_greetings", args=[event.pk])
    # a general user cannot make the event
    response = client_for(world, "branch_a").post(url, follow=True)
    assert "管理者だけ" in messages_of(response) and not Event.objects.filter(kind="winter_greeting").exists()
    # when: the administrator makes the list
    response = client_for(world, "hq_admin").post(url, follow=True)
    # then
    greetings = Event.objects.get(kind="winter_greeting")
    assert (greetings.year, greetings.name, greetings.status) == (2027, "2027年 寒中見舞い", "preparing")
    assert set(greetings.links.values_list("customer_id", flat=True)) == {world.customer_a.pk, late.pk}
    assert "喪中の 2 名を「2027年 寒中見舞い」に追加しました" in messages_of(response)
    # again: nobody twice; a general user may fill the existing list when it accepts entries
    greetings.status = "open"
    greetings.save()
    response = client_for(world, "branch_a").post(url, follow=True)
    assert "2 件はすでに一覧にありました" in messages_of(response) and greetings.links.count() == 2
    page = client_for(world, "hq_admin").get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert "寒中見舞いリストを作成" in page


# --- E5: the same person on one department's list only ---------------------------------------------------
@pytest.fixture
def departments(world):
    sales = StaffDepartmentFactory(name="営業部")
    general = StaffDepartmentFactory(name="総務部")
    sales_cards = new_year(2027, department=sales, name="2027年 年賀状")
    general_cards = new_year(2027, department=general, name="2027年 年賀状（総務）")
    link(sales_cards, world.customer_a)
    return sales_cards, general_cards


def test_e5_same_person_is_not_linked_twice_across_departments(world, departments):
    sales_cards, general_cards = departments
    # given: the same person entered twice (another record, spaces and numbers written differently)
    twin = CustomerFactory(branch=world.branch_a, last_name="渋谷 ", first_name="一郎", company_name="",
                           address="東京都渋谷区神南１－２－３")
    namesake = CustomerFactory(branch=world.branch_a, last_name="渋谷", first_name="一郎",
                               address="大阪府大阪市北区梅田1-1")
    # when
    response = link_action(client_for(world, "branch_a"), general_cards,
                           [world.customer_a.pk, twin.pk, namesake.pk])
    # then: only the namesake at another address; the warning names the other department
    assert list(general_cards.links.values_list("customer_id", flat=True)) == [namesake.pk]
    text = messages_of(response)
    assert "渋谷　一郎 様は 営業部 の「2027年 年賀状」に登録済みです" in text
    assert text.count("営業部") == 2
    assert [m.level_tag for m in response.context["messages"]] == ["success", "warning"]
    # the same department's other list, another kind, another year: no conflict
    second = new_year(2027, department=sales_cards.department, name="2027年 年賀状（社長名）")
    assert services.event_link_customers(event=second, customers=Customer.objects.filter(pk=twin.pk),
                                         user=world.users["hq_admin"]) == (1, 0)
    for other in (EventFactory(kind="winter_gift", year=2027, name="2027年 お歳暮", department=general_cards.department),
                  new_year(2028, department=general_cards.department)):
        assert services.event_link_customers(event=other, customers=Customer.objects.filter(pk=twin.pk),
                                             user=world.users["hq_admin"]) == (1, 0)


def test_i22_3_the_other_list_is_named_only_to_who_may_open_it(world):
    # given: 秘書室's new-year cards of 新宿店 (branch B), holding the same person as branch A's
    # 渋谷　一郎 (a record of branch B at the same address), and 総務部's list for every branch
    secretariat = StaffDepartmentFactory(name="秘書室")
    general = StaffDepartmentFactory(name="総務部")
    hidden = new_year(2027, department=secretariat, branch=world.branch_b, name="2027年 年賀状（社長・極秘）")
    twin = CustomerFactory(branch=world.branch_b, last_name="渋谷", first_name="一郎", company_name="",
                           postal_code="1500041", address="東京都渋谷区神南一丁目2番3号")
    link(hidden, twin)
    cards = new_year(2027, department=general, name="2027年 年賀状（総務）")
    # when: branch A adds its customer
    response = link_action(client_for(world, "branch_a"), cards, [world.customer_a.pk])
    # then: left out, with a warning that names neither the list nor its department
    text = messages_of(response)
    assert "渋谷　一郎 様は同じ年・種類の別の一覧に登録済みです。" in text
    assert "秘書室" not in text and "社長" not in text and "極秘" not in text
    assert not cards.links.exists()
    # the same through the service, for carry-over and 家族を追加 alike
    report = {}
    services.event_link_customers(event=cards, customers=Customer.objects.filter(pk=world.customer_a.pk),
                                  user=world.users["branch_a"], report=report)
    assert "秘書室" not in report["plan"].skipped_text() and "極秘" not in report["plan"].skipped_text()
    # head office may open that list: it is named
    response = link_action(client_for(world, "hq_admin"), cards, [world.customer_a.pk])
    assert "渋谷　一郎 様は 秘書室 の「2027年 年賀状（社長・極秘）」に登録済みです" in messages_of(response)


def test_i22_3_carrying_over_into_a_filled_event_counts_only_the_customers_the_user_sees(world):
    from crm import roles
    from tests.factories import StaffFactory

    # given: an administrator of branch A; next year's list already holds one customer of each branch
    admin_a = StaffFactory(username="admin_a", roles=[roles.ADMIN], branches=[world.branch_a])
    source = new_year(2026, status="done")
    link(source, world.customer_a)
    target = new_year(2027)
    link(target, world.customer_b)
    # when / then: refused, without counting the other branch's customer
    with pytest.raises(services.EventRefused) as refused:
        services.event_carry_over(source=source, year=2027, name="2027年 年賀状", user=admin_a)
    assert str(refused.value) == ("「2027年 年賀状」にはすでに顧客が登録されています。引き継ぐと2つの一覧が混ざるため、引き継ぎません。"
                                  "何も変更していません。")
    link(target, world.customer_a)
    with pytest.raises(services.EventRefused, match="すでに 1 件の顧客があります"):
        services.event_carry_over(source=source, year=2027, name="2027年 年賀状", user=admin_a)
    assert target.links.count() == 2


def test_e5_carry_over_and_family_respect_the_other_departments_list(world, departments):
    sales_cards, general_cards = departments
    spouse = FamilyMemberFactory(customer=world.customer_a, name="渋谷 花子", relation="配偶者")
    link(sales_cards, world.customer_a, spouse)
    last_year = new_year(2026, department=general_cards.department, name="2026年 年賀状（総務）", status="done")
    healthy = CustomerFactory(branch=world.branch_a, last_name="元気", address="東京都渋谷区宇田川町1-1")
    for customer in (world.customer_a, healthy):
        link(last_year, customer)
    link(last_year, world.customer_a, spouse)
    report = {}
    target, count = services.event_carry_over(source=last_year, year=2027, name="2027年 年賀状（総務）",
                                              user=world.users["hq_admin"], report=report)
    assert target == general_cards and count == 1
    assert list(target.links.values_list("customer_id", "family_member_id")) == [(healthy.pk, None)]
    text = report["plan"].skipped_text()
    assert "渋谷　一郎 様は 営業部" in text and "渋谷 花子 様は 営業部" in text


def test_e5_cross_department_check_is_set_based(world, departments, django_assert_max_num_queries):
    sales_cards, general_cards = departments
    Customer.objects.bulk_create([Customer(code=f"8{i:06d}", branch=world.branch_a, last_name="一括",
                                           first_name=f"{i}", address=f"東京都渋谷区神南{i}") for i in range(2000)])
    taken = Customer.objects.filter(last_name="一括", code__lt="8001000")
    services.event_link_customers(event=sales_cards, customers=taken, user=world.users["hq_admin"])
    with django_assert_max_num_queries(30):
        report = {}
        added, already = services.event_link_customers(event=general_cards, report=report,
                                                       customers=Customer.objects.filter(last_name="一括"),
                                                       user=world.users["hq_admin"])
    assert (added, already, len(report["plan"].conflicts)) == (1000, 0, 1000)
    assert "ほか 995 名も他部署の一覧に登録済みのため除きました" in report["plan"].skipped_text()


# --- E9: family members as targets ---------------------------------------------------------------------
def family_action(client, event, links, family, instead=False):
    data = {"action": "add_family", "index": "0", "apply": "1", ACTION_CHECKBOX_NAME: [str(r.pk) for r in links],
            "family": [str(m.pk) for m in family]}
    if instead:
        data["instead"] = "on"
    return client.post(f"{LINKS}?event__id__exact={event.pk}", data, follow=True)


def test_e9_family_member_added_beside_the_customer(world):
    # given
    spouse = FamilyMemberFactory(customer=world.customer_a, name="渋谷 花子", relation="配偶者")
    FamilyMemberFactory(customer=world.customer_a, name="渋谷 次郎", relation="長男")
    event = new_year(2027)
    row = link(event, world.customer_a)
    client = client_for(world, "branch_a")
    # the confirmation page offers the customer's family, the spouse ticked
    page = client.post(f"{LINKS}?event__id__exact={event.pk}", {
        "action": "add_family", "index": "0", ACTION_CHECKBOX_NAME: [str(row.pk)]}).content.decode()
    assert "渋谷 花子 様（渋谷 一郎・配偶者）" in page and "渋谷 次郎 様" in page
    spouse_box = page.split(f'name="family" value="{spouse.pk}"')[1].split(">")[0]
    assert "checked" in spouse_box
    # when
    response = family_action(client, event, [row], [spouse])
    # then: two rows, the card to the spouse at the customer's address
    assert "1 名の家族を「2027年 年賀状」に追加しました" in messages_of(response)
    family_row = event.links.get(family_member=spouse)
    assert family_row.customer == world.customer_a and event.links.count() == 2
    assert family_row.recipient_name == "渋谷 花子"
    assert family_row.recipient_address == "〒150-0041 東京都渋谷区神南一丁目2番3号"
    recipient = family_row.recipient()
    assert (recipient.name, recipient.honorific, recipient.company) == ("渋谷 花子", "様", "")
    assert row.recipient_name == "渋谷　一郎"
    page = client.get(f"{LINKS}?event__id__exact={event.pk}").content.decode()
    assert "渋谷 花子 様" in page and "渋谷　一郎 様の家族・配偶者" in page
    assert client.get(LINKS, {"event__id__exact": event.pk, "q": "花子"}).context["cl"].result_count == 1
    # again: nobody twice
    response = family_action(client, event, [row], [spouse])
    assert "1 件はすでに一覧にありました" in messages_of(response) and event.links.count() == 2


def test_e9_family_member_alone_and_household_mourning(world):
    spouse = FamilyMemberFactory(customer=world.customer_a, name="渋谷 花子", relation="配偶者")
    event = new_year(2027)
    row = link(event, world.customer_a)
    response = family_action(client_for(world, "branch_a"), event, [row], [spouse], instead=True)
    assert list(event.links.values_list("customer_id", "family_member_id")) == [(world.customer_a.pk, spouse.pk)]
    assert not EventLink.objects.filter(pk=row.pk).exists()
    assert "1 名の家族" in messages_of(response)
    # a household in mourning: the family member's card is left out too
    Mourning.objects.create(customer=world.customer_a, year=2028)
    next_year = new_year(2028)
    planned = services.event_link_family(event=next_year, family_ids=[spouse.pk], user=world.users["branch_a"])
    assert planned.add == [] and planned.mourning == [(world.customer_a.pk, spouse.pk)]
    assert not next_year.links.exists()


def test_e9_family_of_another_branch_or_a_closed_event_is_refused(world):
    stranger = FamilyMemberFactory(customer=world.customer_b, name="新宿 太郎")
    mine = FamilyMemberFactory(customer=world.customer_a, name="渋谷 花子")
    event = new_year(2027)
    with pytest.raises(services.EventRefused, match="変更できない顧客"):
        services.event_link_family(event=event, family_ids=[mine.pk, stranger.pk], user=world.users["branch_a"])
    branch_event = new_year(2027, branch=world.branch_a, name="2027年 年賀状（渋谷店）")
    with pytest.raises(services.EventRefused, match="渋谷店の顧客ではありません"):
        services.event_link_family(event=branch_event, family_ids=[stranger.pk], user=world.users["hq_admin"])
    closed = new_year(2027, status="closed", name="2027年 年賀状（締切）")
    with pytest.raises(services.EventRefused, match="申込中のイベントだけ"):
        services.event_link_family(event=closed, family_ids=[mine.pk], user=world.users["branch_a"])
    done = new_year(2027, status="done", name="2027年 年賀状（完了）")
    with pytest.raises(services.EventRefused, match="完了"):
        services.event_link_family(event=done, family_ids=[mine.pk], user=world.users["hq_admin"])
    assert not EventLink.objects.exists()


# --- roles --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona, work", [("hq_admin", True), ("branch_a", True), ("no_print", True),
                                           ("read_only", False)])
def test_e5_e9_permissions_per_role(world, persona, work):
    user = world.users[persona]
    assert user.has_perm("events.view_mourning")
    assert user.has_perm("events.add_mourning") is work and user.has_perm("events.delete_mourning") is work
    client = client_for(world, persona)
    assert client.get(MOURNINGS).status_code == 200
    assert client.get(reverse("admin:events_mourning_add")).status_code == (200 if work else 403)
    spouse = FamilyMemberFactory(customer=world.customer_a, name="渋谷 花子", relation="配偶者")
    event = new_year(2027)
    row = link(event, world.customer_a)
    family_action(client, event, [row], [spouse])
    assert event.links.filter(family_member=spouse).exists() is work
    if not work:
        with pytest.raises(services.PermissionDenied):
            services.event_link_family(event=event, family_ids=[spouse.pk], user=user)


def test_e9_restricted_family_name_leaves_the_event_list(world):
    # given: 家族の氏名 only for the secretaries (R3)
    from fieldconfig import lookup
    from fieldconfig.models import FieldSetting

    assert FieldSetting.objects.filter(model="familymember", field_name="name").update(
        visible_to=world.users["secretary"].groups.get(name="秘書部門")) == 1
    lookup.invalidate()
    spouse = FamilyMemberFactory(customer=world.customer_a, name="渋谷 花子", relation="配偶者")
    event = new_year(2027)
    link(event, world.customer_a, spouse)
    url = f"{LINKS}?event__id__exact={event.pk}"
    # then
    assert "渋谷 花子 様" in client_for(world, "secretary").get(url).content.decode()
    branch = client_for(world, "branch_a")
    page = branch.get(url).content.decode()
    assert "渋谷 花子" not in page and "（家族）" in page and "渋谷　一郎 様の家族" in page
    assert branch.get(LINKS, {"event__id__exact": event.pk, "q": "花子"}).context["cl"].result_count == 0


# --- E5: a row's person key follows its customer's name and address on every write path --------------
def keys_of(customer) -> dict:
    return dict(EventLink.objects.filter(customer=customer).values_list("family_member_id", "person_key"))


def expected_keys(customer) -> dict:
    rows = list(EventLink.objects.filter(customer=customer).values_list("customer_id", "family_member_id"))
    found = persons.people(rows)
    return {fid: found[(cid, fid)].key for cid, fid in rows}


@pytest.fixture
def keyed(world):
    """渋谷 on a 2027 年賀状 list (his own row and his son's), rows written with their keys."""
    son = FamilyMemberFactory(customer=world.customer_a, name="渋谷 健太", relation="長男")
    event = new_year(department=StaffDepartmentFactory(name="営業部"))
    link(event, world.customer_a)
    link(event, world.customer_a, son)
    assert all("神南" in key for key in keys_of(world.customer_a).values())
    return event


def test_e5_person_keys_follow_the_card_save_and_a_scheduled_change(world, keyed):
    from tests.helpers import card_post_data

    customer = world.customer_a
    client = client_for(world, "hq_admin")
    # when: the card moves him to 大阪 (a restore of a past version saves through the same path)
    customer.refresh_from_db()
    response = client.post(reverse("admin:crm_customer_change", args=[customer.pk]),
                           card_post_data(customer, address="大阪府大阪市北区梅田3-1-1"))
    assert response.status_code == 302, response.content.decode()[:2000]
    # then: both rows' keys are his name / his son's at the new address
    keys = keys_of(customer)
    assert keys == expected_keys(customer) and all("梅田" in key for key in keys.values())
    # when: the card's 家族 editor renames the son
    son = customer.family.get()
    data = card_post_data(Customer.objects.get(pk=customer.pk))
    data[next(k for k, v in data.items() if k.startswith("family-") and v == "渋谷 健太")] = "渋谷 健二"
    response = client.post(reverse("admin:crm_customer_change", args=[customer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert keys_of(customer) == expected_keys(customer) and keys_of(customer)[son.pk].startswith("渋谷健二")
    # when: a scheduled change renames him
    import datetime

    from django.core.management import call_command

    from scheduling import services as scheduling

    day = datetime.date.today() + datetime.timedelta(days=1)
    scheduling.schedule_change(customer=Customer.objects.get(pk=customer.pk), user=world.users["hq_admin"],
                               changes={"last_name": "改名"}, effective_date=day)
    call_command("run_scheduled", date=day.isoformat(), stdout=None)
    assert keys_of(customer) == expected_keys(customer) and keys_of(customer)[None].startswith("改名")


def test_e5_person_keys_follow_an_import_update(world, keyed):
    from tests.test_import import checked_job, confirm

    customer = world.customer_a
    client = client_for(world, "hq_admin")
    data = f"顧客コード,住所\r\n{customer.code},福岡県福岡市博多区博多駅前1-1-1\r\n".encode("cp932")
    job = confirm(client, checked_job(client, data))
    assert job.result["updated"] == 1
    keys = keys_of(customer)
    assert keys == expected_keys(customer) and all("博多" in key for key in keys.values())


def test_e5_person_keys_follow_a_bulk_company_update_in_a_few_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dataio import bulk

    event = new_year()
    user = world.users["hq_admin"]

    def move(count, address):
        customers = [CustomerFactory(branch=world.branch_a, last_name=f"移転{address[:2]}{i}", address="旧住所1-1")
                     for i in range(count)]
        for customer in customers:
            link(event, customer)
        queryset = Customer.objects.filter(pk__in=[c.pk for c in customers])
        with CaptureQueriesContext(connection) as queries:
            bulk.bulk_update(user=user, queryset=queryset, values={"address": address}, reason="移転",
                             action="company_block")
        for customer in customers:
            assert keys_of(customer) == expected_keys(customer) and address[:2] in keys_of(customer)[None]
        return sum(1 for q in queries.captured_queries if "events_eventlink" in q["sql"])

    # then: the rows are read and written in a fixed number of statements, whatever the count
    one, many = move(1, "新住所2-2"), move(30, "別住所3-3")
    assert many <= one
    # and a write of fields outside the key does not read the rows at all
    with CaptureQueriesContext(connection) as queries:
        bulk.bulk_update(user=user, queryset=Customer.objects.filter(pk=world.customer_a.pk),
                         values={"tel": "03-0000-1111"}, reason="電話", action="company_block")
    assert not [q for q in queries.captured_queries if "events_eventlink" in q["sql"]]
