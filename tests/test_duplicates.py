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
