"""The personas of the permission tests (R1–R3), built once per test from the real role groups."""

from dataclasses import dataclass

from django.contrib.auth.models import Group

from crm import roles
from fieldconfig.models import FieldSetting
from tests.factories import BranchFactory, CustomerFactory, StaffFactory

SECRETARY_GROUP = "秘書部門"


@dataclass
class World:
    branch_a: object
    branch_b: object
    customer_a: object
    customer_b: object
    users: dict


def build_world() -> World:
    branch_a = BranchFactory(code="A", name="渋谷店")
    branch_b = BranchFactory(code="B", name="新宿店")
    secretaries, _ = Group.objects.get_or_create(name=SECRETARY_GROUP)
    # 備考8 and チェック40–48 are VIP data only the secretaries see (R3).
    FieldSetting.objects.filter(model="customer", field_name__in=["remark8", *[f"check{i}" for i in range(40, 49)]]) \
        .update(visible_to=secretaries)
    FieldSetting.objects.filter(model="customer", field_name="remark8").update(label="VIPメモ")
    from fieldconfig import lookup

    lookup.invalidate()
    customer_a = CustomerFactory(branch=branch_a, last_name="渋谷", first_name="一郎", last_name_kana="シブヤ",
                                 company_name="渋谷商事", remark8="社長の奥様の誕生日 3/14", check40=True)
    customer_b = CustomerFactory(branch=branch_b, last_name="新宿", first_name="花子", last_name_kana="シンジュク",
                                 company_name="新宿物産", remark8="新宿の秘密", check41=True)
    users = {
        "hq_admin": StaffFactory(username="hq_admin", is_head_office=True, roles=[roles.ADMIN]),
        "branch_a": StaffFactory(username="branch_a", roles=[roles.GENERAL], branches=[branch_a]),
        "branch_b": StaffFactory(username="branch_b", roles=[roles.GENERAL], branches=[branch_b]),
        "no_export": StaffFactory(username="no_export", roles=[roles.GENERAL_NO_EXPORT], branches=[branch_a]),
        "no_print": StaffFactory(username="no_print", roles=[roles.GENERAL_NO_PRINT], branches=[branch_a]),
        "read_only": StaffFactory(username="read_only", roles=[roles.READ_ONLY], branches=[branch_a]),
        "secretary": StaffFactory(username="secretary", is_head_office=True, roles=[roles.GENERAL]),
    }
    users["secretary"].groups.add(secretaries)
    return World(branch_a, branch_b, customer_a, customer_b, users)
