"""S6 名寄せ: groups by Japanese-aware keys, side-by-side merge that moves everything, exact undo."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from crm.models import ContactHistory, Customer, FamilyMember, Purchase
from dataio import duplicates, merging
from dataio.models import DuplicateGroup, MergeRecord
from tests.factories import ContactHistoryFactory, CustomerFactory, PurchaseFactory
from tests.helpers import ja_client, run_worker
from tests.personas import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def test_s6_keys_fold_width_kana_variant_kanji_company_forms_and_address_notation(world):
    plain = {"email": "", "company_name": "", "tel": "", "mobile": "", "address": ""}
    a = CustomerFactory(branch=world.branch_a, **{**plain, "last_name": "髙橋", "first_name": "一郎",
                                                  "tel": "03-1234-5678", "address": "東京都港区芝一丁目2番3号"})
    b = CustomerFactory(branch=world.branch_a, **{**plain, "last_name": "高橋", "first_name": " 一郎",
                                                  "tel": "０３（１２３４）５６７８"})
    c = CustomerFactory(branch=world.branch_b, **{**plain, "last_name": "高橋",
                                                  "first_name": "一郎", "address": "東京都港区芝１－２－３"})
    d = CustomerFactory(branch=world.branch_a, **{**plain, "last_name": "", "first_name": "",
                                                  "company_name": "㈱山田商事", "tel": "06-1111-2222"})
    e = CustomerFactory(branch=world.branch_b, **{**plain, "last_name": "", "first_name": "",
                                                  "company_name": "株式会社 山田商事", "tel": "0611112222"})
    CustomerFactory(branch=world.branch_a, **{**plain, "last_name": "高橋", "first_name": "次郎", "tel": "03-1234-5678"})
    groups = duplicates.find_groups()
    by_ids = {tuple(g["ids"]): g["reasons"] for g in groups}
    assert by_ids[tuple(sorted([a.pk, b.pk, c.pk]))] == ["氏名＋住所", "氏名＋電話番号"]
    assert by_ids[tuple(sorted([d.pk, e.pk]))] == ["会社名＋電話番号"]
    assert len(groups) == 2


def make_pair(world):
    keep = CustomerFactory(branch=world.branch_a, last_name="山本", first_name="花子", tel="03-5555-0000",
                           email="", company_name="旧社名", remark8="秘密の値")
    other = CustomerFactory(branch=world.branch_a, last_name="山本", first_name="花子", tel="03-5555-0000",
                            email="hanako@example.jp", company_name="新社名")
    ContactHistoryFactory(customer=other, content1="移る応対")
    PurchaseFactory(customer=other)
    FamilyMember.objects.create(customer=other, name="山本太郎", relation="夫")
    return keep, other


def test_s6_find_on_the_worker_then_compare_merge_and_undo_through_the_screens(world):
    keep, other = make_pair(world)
    client = ja_client(world.users["hq_admin"])
    response = client.post(reverse("admin:dataio_duplicategroup_find"))
    assert response.status_code == 302
    run_worker()
    page = client.get(reverse("admin:dataio_duplicategroup_changelist")).content.decode()
    assert keep.code in page and other.code in page and "氏名＋電話番号" in page
    group = DuplicateGroup.objects.get()
    compare = client.get(reverse("admin:dataio_duplicategroup_change", args=[group.pk]))
    assert compare.status_code == 200 and "新社名" in compare.content.decode()
    contact_before = ContactHistory.objects.get(customer=other).pk
    keep_before = merging.snapshot(Customer.objects.get(pk=keep.pk))
    other_before = merging.snapshot(Customer.objects.get(pk=other.pk))

    response = client.post(reverse("admin:dataio_duplicategroup_change", args=[group.pk]), {
        "survivor": keep.pk, "merge": [keep.pk, other.pk], "f_email": other.pk, "f_company_name": other.pk,
    })
    assert response.status_code == 302
    keep.refresh_from_db()
    assert (keep.email, keep.company_name) == ("hanako@example.jp", "新社名")
    assert keep.remark8 == "秘密の値"
    assert not Customer.objects.filter(pk=other.pk).exists()
    assert ContactHistory.objects.get(pk=contact_before).customer_id == keep.pk
    assert Purchase.objects.filter(customer=keep).count() == 1 and FamilyMember.objects.filter(customer=keep).count() == 1
    assert keep.history.first().history_change_reason == "名寄せ（統合）"
    assert AuditEvent.objects.filter(action="merge").count() == 1

    record = MergeRecord.objects.get()
    assert client.get(reverse("admin:dataio_mergerecord_undo", args=[record.pk])).status_code == 200
    client.post(reverse("admin:dataio_mergerecord_undo", args=[record.pk]))
    restored_keep = merging.snapshot(Customer.objects.get(pk=keep.pk))
    restored_other = merging.snapshot(Customer.objects.get(pk=other.pk))
    for before, after in ((keep_before, restored_keep), (other_before, restored_other)):
        for name in ("updated_at", "updated_by_id"):
            before.pop(name), after.pop(name)
        assert after == before
    assert ContactHistory.objects.get(pk=contact_before).customer_id == other.pk
    assert FamilyMember.objects.get(name="山本太郎").customer_id == other.pk
    assert MergeRecord.objects.get().undone_at is not None


def test_s6_merge_is_for_admins_and_never_crosses_the_branch_scope(world):
    keep, other = make_pair(world)
    for persona in ("branch_a", "read_only", "no_export"):
        assert ja_client(world.users[persona]).get(reverse("admin:dataio_duplicategroup_changelist")).status_code == 403
    from django.contrib.auth.models import Permission

    branch_user = world.users["branch_a"]
    branch_user.user_permissions.add(Permission.objects.get(codename="delete_customer"))
    branch_user = type(branch_user).objects.get(pk=branch_user.pk)
    with pytest.raises(PermissionDenied):
        merging.merge(user=branch_user, survivor_id=keep.pk, ids=[keep.pk, world.customer_b.pk], choices={})
    assert Customer.objects.filter(pk=world.customer_b.pk).exists()
    assert not MergeRecord.objects.exists()


# --- S6 with business events (E5): event rows, 喪中 and family rows move, and come back exactly -----------
def event_state():
    """Every event row and 喪中 record as stored (ids, owners, keys, ticks, times)."""
    from events.models import EventLink, Mourning

    # not the rows' versions: every write raises them, a move and its undo too (issue 24.3)
    values = [f.attname for f in EventLink._meta.concrete_fields if f.attname != "version"]
    return ({row["id"]: row for row in EventLink.objects.values(*values)},
            {row["id"]: row for row in Mourning.objects.values(
                *[f.attname for f in Mourning._meta.concrete_fields if f.attname != "version"])})


def test_s6_merge_moves_event_rows_mourning_and_family_rows_and_undo_gives_them_back(world):
    import datetime

    from events import mourning as persons
    from events.models import EventLink, Mourning
    from tests.factories import EventFactory, EventLinkFactory, MourningFactory

    keep, other = make_pair(world)
    Customer.objects.filter(pk=keep.pk).update(address="東京都港区芝1-2-3")
    Customer.objects.filter(pk=other.pk).update(address="大阪府大阪市北区梅田3-1-1")
    husband = FamilyMember.objects.get(customer=other)
    cards = EventFactory(kind="new_year_card", year=2027, name="2027年 年賀状")
    gifts = EventFactory(kind="winter_gift", year=2026, name="2026年 お歳暮")

    def link(event, customer, family_member=None, **kwargs):
        return EventLinkFactory(event=event, customer=customer, family_member=family_member, **kwargs)

    # given: both on the 2027 cards (the kept one's row stays, the other's is dropped), the other alone on
    # the お歳暮 list and with the husband's card; household 喪中 of 2026 on both (the other's is dropped),
    # the other's of 2027 (it moves, and the kept customer's cards are ticked 喪中), the husband's of 2028
    kept_card = link(cards, keep, memo="残る行")
    dropped_card = link(cards, other, memo="消える行", sent=True, sent_on=datetime.date(2027, 1, 1))
    gift_row = link(gifts, other, gift_price=5000)
    husband_card = link(cards, other, husband)
    MourningFactory(customer=keep, year=2026)
    dropped_mourning = MourningFactory(customer=other, year=2026, memo="重複")
    moved_mourning = MourningFactory(customer=other, year=2027)
    husband_mourning = MourningFactory(customer=other, family_member=husband, year=2028)
    links_before, mournings_before = event_state()

    # when: merged into the kept customer, which takes the other's address
    record = merging.merge(user=world.users["hq_admin"], survivor_id=keep.pk, ids=[keep.pk, other.pk],
                           choices={"address": other.pk})

    # then: one row per event on the kept customer, the family row with it, 喪中 records moved but the
    # duplicate year, the 2027 cards ticked 喪中, every key that of the kept customer's name and new address
    assert set(EventLink.objects.values_list("id", "customer_id", "family_member_id")) == {
        (kept_card.pk, keep.pk, None), (gift_row.pk, keep.pk, None), (husband_card.pk, keep.pk, husband.pk)}
    assert not EventLink.objects.filter(pk=dropped_card.pk).exists()
    assert set(Mourning.objects.values_list("year", "customer_id", "family_member_id")) == {
        (2026, keep.pk, None), (2027, keep.pk, None), (2028, keep.pk, husband.pk)}
    assert not Mourning.objects.filter(pk=dropped_mourning.pk).exists()
    assert {moved_mourning.pk, husband_mourning.pk} <= set(Mourning.objects.values_list("id", flat=True))
    assert set(EventLink.objects.filter(event=cards).values_list("mourning", flat=True)) == {True}
    assert not EventLink.objects.get(pk=gift_row.pk).mourning
    for row in EventLink.objects.all():
        target = (row.customer_id, row.family_member_id)
        assert row.person_key == persons.people([target])[target].key and "大阪" in row.person_key
    client = ja_client(world.users["hq_admin"])
    undo_page = client.get(reverse("admin:dataio_mergerecord_undo", args=[record.pk]))
    # 応対履歴, 購買履歴, 家族; 2 event rows and 2 喪中 moved; 1 event row and 1 喪中 dropped
    assert undo_page.context["moved"] == 3 + 2 + 2 + 2

    # when: the merge is undone
    client.post(reverse("admin:dataio_mergerecord_undo", args=[record.pk]))

    # then: every event row and 喪中 record exactly as it was (ids, owners, keys, ticks, dates, times)
    links_after, mournings_after = event_state()
    assert links_after == links_before
    assert mournings_after == mournings_before


def test_s6_merge_of_three_on_one_event_keeps_one_row_and_undo_brings_both_back(world):
    from events.models import EventLink
    from tests.factories import EventFactory, EventLinkFactory

    keep, other = make_pair(world)
    third = CustomerFactory(branch=world.branch_a, last_name="山本", first_name="花子", tel="03-5555-0000")
    gifts = EventFactory(kind="summer_gift", year=2026, name="2026年 お中元")
    # given: the kept customer is not on the list; the two others are
    first = EventLinkFactory(event=gifts, customer=other, memo="先")
    second = EventLinkFactory(event=gifts, customer=third, memo="後")
    links_before, _mournings = event_state()
    # when
    record = merging.merge(user=world.users["hq_admin"], survivor_id=keep.pk, ids=[keep.pk, other.pk, third.pk],
                           choices={})
    # then: the first of them moves, the second is dropped (one customer, one row of the event)
    assert list(EventLink.objects.values_list("id", "customer_id")) == [(first.pk, keep.pk)]
    assert [row["id"] for row in record.moved[merging.DROPPED]["events.EventLink"]] == [second.pk]
    # and the undo gives both back to their customers
    merging.undo(user=world.users["hq_admin"], record=record)
    assert event_state()[0] == links_before


# --- issue 22 point 8: a 管理者 limited to one branch reads only its branch's merges --------------------
def test_r2_branch_admin_reads_and_undoes_only_its_branchs_merges(world):
    from crm import roles
    from tests.factories import StaffFactory

    # given: a store manager of 渋谷店, a merge of 新宿店's customers and one of 渋谷店's, by head office
    manager = StaffFactory(username="store_manager", roles=[roles.ADMIN], branches=[world.branch_a])
    b_keep = CustomerFactory(branch=world.branch_b, last_name="新宿", first_name="三郎", company_name="新宿興業",
                             address="東京都新宿区西新宿1-1")
    b_other = CustomerFactory(branch=world.branch_b, last_name="新宿", first_name="三郎", company_name="新宿興業")
    b_code = b_other.code
    theirs = merging.merge(user=world.users["hq_admin"], survivor_id=b_keep.pk, ids=[b_keep.pk, b_other.pk],
                           choices={})
    keep, other = make_pair(world)
    ours = merging.merge(user=world.users["hq_admin"], survivor_id=keep.pk, ids=[keep.pk, other.pk], choices={})
    client = ja_client(manager)

    # when / then: the list shows 渋谷店's merge only
    listing = client.get(reverse("admin:dataio_mergerecord_changelist"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert ours.survivor_code in text and b_code not in text and theirs.survivor_code not in text
    # and 新宿店's record answers 404 on its page and its undo, as a missing one, and stays as it was
    for url in (reverse("admin:dataio_mergerecord_change", args=[theirs.pk]),
                reverse("admin:dataio_mergerecord_undo", args=[theirs.pk])):
        assert client.get(url).status_code == 404
    assert client.post(reverse("admin:dataio_mergerecord_undo", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.undone_at is None
    # and 渋谷店's own record opens; its page shows who merged what, not the rows kept for the undo (R3)
    page = client.get(reverse("admin:dataio_mergerecord_change", args=[ours.pk]))
    assert page.status_code == 200 and "秘密の値" not in page.content.decode()
    # and head office reads both
    hq = ja_client(world.users["hq_admin"]).get(reverse("admin:dataio_mergerecord_changelist")).content.decode()
    assert ours.survivor_code in hq and theirs.survivor_code in hq


def test_r2_merge_across_branches_is_head_offices_record(world):
    from crm import roles
    from tests.factories import StaffFactory

    manager = StaffFactory(username="store_manager", roles=[roles.ADMIN], branches=[world.branch_a])
    keep = CustomerFactory(branch=world.branch_a, last_name="山本", first_name="花子", tel="03-5555-0000")
    other = CustomerFactory(branch=world.branch_b, last_name="山本", first_name="花子", tel="03-5555-0000")
    record = merging.merge(user=world.users["hq_admin"], survivor_id=keep.pk, ids=[keep.pk, other.pk], choices={})
    assert set(record.branches.values_list("pk", flat=True)) == {world.branch_a.pk, world.branch_b.pk}
    client = ja_client(manager)
    assert client.get(reverse("admin:dataio_mergerecord_change", args=[record.pk])).status_code == 404
    entry = AuditEvent.objects.get(action=AuditEvent.Action.MERGE)
    assert entry.cross_branch
    assert client.get(reverse("admin:audit_auditevent_change", args=[entry.pk])).status_code == 404


def test_s6_undo_restores_every_stored_value_exactly_to_the_microsecond(world):
    """Issue 22 point 14: 登録日時 …37.953006 came back as …37.953000 (the record kept milliseconds).
    Every kind of column (texts, "" against None, a date, masters, a choice, checkboxes, times to
    the microsecond, the registering and updating staff) comes back as it was stored."""
    import datetime

    from tests.factories import CustomerCategoryFactory, StaffDepartmentFactory

    # given: two customers whose stored values differ in every kind of column
    keep, other = make_pair(world)
    staff = world.users["branch_a"]
    Customer.objects.filter(pk=keep.pk).update(
        created_at=datetime.datetime(2019, 4, 1, 9, 15, 37, 953006, tzinfo=datetime.UTC),
        updated_at=datetime.datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
        birth_date=None, category=None, gender="", send_to="home", check1=False, remark1="",
        created_by=staff, updated_by=staff)
    Customer.objects.filter(pk=other.pk).update(
        created_at=datetime.datetime(2020, 2, 29, 0, 0, 0, 1, tzinfo=datetime.UTC),
        updated_at=datetime.datetime(2025, 6, 30, 12, 34, 56, 123456, tzinfo=datetime.UTC),
        birth_date=datetime.date(1985, 4, 1), category=CustomerCategoryFactory(name="優良"),
        staff_department=StaffDepartmentFactory(name="営業一部"), staff=staff, gender="F", send_to="contact",
        check1=True, remark1="  前後に空白  ", created_by=world.users["hq_admin"], updated_by=None)
    stored = {row["id"]: row for row in Customer.objects.filter(pk__in=[keep.pk, other.pk]).values()}

    # when: merged, the kept customer taking the other's value wherever they differ, then undone
    choices = {name: other.pk for name in ("birth_date", "category", "staff_department", "staff", "gender",
                                           "send_to", "check1", "remark1", "email", "company_name")}
    record = merging.merge(user=world.users["hq_admin"], survivor_id=keep.pk, ids=[keep.pk, other.pk],
                           choices=choices)
    merging.undo(user=world.users["hq_admin"], record=MergeRecord.objects.get(pk=record.pk))

    # then: the merged customer exactly as stored; the kept one too, but for the undo's own stamp
    after = {row["id"]: row for row in Customer.objects.filter(pk__in=[keep.pk, other.pk]).values()}
    assert after[other.pk] == stored[other.pk]
    assert after[other.pk]["created_at"].microsecond == 1
    stamps = ("updated_at", "updated_by_id", "version")  # the undo's own (a version goes up on every write)
    undone = {name: value for name, value in after[keep.pk].items() if name not in stamps}
    assert undone == {name: value for name, value in stored[keep.pk].items() if name not in stamps}
    assert after[keep.pk]["created_at"] == datetime.datetime(2019, 4, 1, 9, 15, 37, 953006, tzinfo=datetime.UTC)
