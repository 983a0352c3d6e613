"""Issue 11, point 7: the 利用者 and 権限グループ screens in Japanese; roles in the words of the role
matrix (docs/features.md R1, crm/roles.py); branches and roles picked by checkboxes; only admins edit either."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from crm import roles
from crm.models import Branch
from crm.permissions import staff_branches
from tests.helpers import ja_client
from tests.personas import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def ticked(page: str, name: str) -> set[str]:
    """The values of the checkboxes named `name` that are ticked on the page."""
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    bare = [re.sub(r'class="[^"]*"', "", tag) for tag in inputs]  # unfold's classes say "checked:…"
    return {re.search(r'value="([^"]*)"', tag).group(1) for tag in bare if re.search(r"\schecked\b", tag)}


def offered(page: str, name: str) -> set[str]:
    return set(re.findall(rf'<input[^>]*type="checkbox"[^>]*name="{name}"[^>]*value="([^"]*)"', page))


def role_post(group, **changes) -> dict:
    """What the browser sends from a role's page: its name, its capability boxes and, folded away,
    its individual permissions as they are."""
    data = {
        "name": group.name,
        "capabilities": [key for key, state in roles.role_capabilities(group).items() if state == roles.YES],
        "permissions": [str(pk) for pk in group.permissions.values_list("id", flat=True)],
    }
    data.update(changes)
    return data


def test_r1_point7_role_page_says_in_japanese_what_each_role_may_do(world):
    # given
    client = ja_client(world.users["hq_admin"])
    general = Group.objects.get(name=roles.GENERAL_NO_EXPORT)

    # when
    page = client.get(reverse("admin:auth_group_change", args=[general.pk])).content.decode()

    # then: the matrix's columns, in Japanese, ticked as the matrix of docs/features.md says for 一般・出力不可
    for words in ("できること", "顧客の参照", "顧客の編集・追加", "顧客の削除", "出力", "印刷", "取込", "設定"):
        assert words in page
    assert offered(page, "capabilities") == {c.key for c in roles.CAPABILITIES}
    assert ticked(page, "capabilities") == {"view", "edit", "print"}
    # the individual permissions are folded away under their own heading
    assert "個別の権限（詳細）" in page and "<details" in page


@pytest.mark.parametrize("role, expected", [
    (roles.ADMIN, {"view", "edit", "delete", "export", "print", "import", "settings"}),
    (roles.GENERAL, {"view", "edit", "export", "print"}),
    (roles.GENERAL_NO_EXPORT, {"view", "edit", "print"}),
    (roles.GENERAL_NO_PRINT, {"view", "edit", "export"}),
    (roles.READ_ONLY, {"view"}),
])
def test_r1_point7_the_five_roles_hold_the_readme_matrix(world, role, expected):
    states = roles.role_capabilities(Group.objects.get(name=role))
    assert {key for key, state in states.items() if state == roles.YES} == expected
    assert roles.PARTLY not in states.values()


def test_r1_point7_role_list_is_the_matrix(world):
    client = ja_client(world.users["hq_admin"])
    page = client.get(reverse("admin:auth_group_changelist")).content.decode()
    assert "顧客の参照" in page and "顧客の編集・追加" in page
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*一般・出力不可(?:(?!</tr>).)*</tr>", page, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # 参照 ○, 編集 ○, 削除 －, 出力 －, 印刷 ○, 取込 －, 設定 －
    assert cells[-7:] == ["○", "○", "－", "－", "○", "－", "－"]
    # in the matrix's order, 管理者 first
    positions = [page.index(f">{name}<") for name in roles.ROLE_ORDER]
    assert positions == sorted(positions)


def test_r1_point7_ticking_and_unticking_a_capability_changes_only_its_permissions(world):
    # given
    client = ja_client(world.users["hq_admin"])
    general = Group.objects.get(name=roles.GENERAL)
    before = set(general.permissions.values_list("codename", flat=True))

    # when: 出力 off, 顧客の削除 on
    data = role_post(general)
    data["capabilities"] = [key for key in data["capabilities"] if key != "export"] + ["delete"]
    response = client.post(reverse("admin:auth_group_change", args=[general.pk]), data)

    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    after = set(general.permissions.values_list("codename", flat=True))
    assert after == (before - {"export_customer"}) | {"delete_customer"}
    states = roles.role_capabilities(general)
    assert states["export"] == roles.NO and states["delete"] == roles.YES and states["print"] == roles.YES


def test_r1_point7_a_partly_held_capability_left_unticked_stays_as_it_was(world):
    # given: a role holding one permission of 編集・追加
    client = ja_client(world.users["hq_admin"])
    group = Group.objects.create(name="受付")
    group.permissions.add(*roles.capability_permission_ids()["view"],
                          Permission.objects.get(codename="add_contacthistory"))
    page = client.get(reverse("admin:auth_group_change", args=[group.pk])).content.decode()
    assert ticked(page, "capabilities") == {"view"} and "一部" in page

    # when: saved without touching the boxes
    response = client.post(reverse("admin:auth_group_change", args=[group.pk]), role_post(group))

    # then
    assert response.status_code == 302
    assert group.permissions.filter(codename="add_contacthistory").exists()
    assert roles.role_capabilities(group)["edit"] == roles.PARTLY


def test_r1_point7_only_admins_open_or_change_roles(world):
    general = Group.objects.get(name=roles.READ_ONLY)
    for persona in ("branch_a", "read_only", "secretary"):
        client = ja_client(world.users[persona])
        assert client.get(reverse("admin:auth_group_change", args=[general.pk])).status_code == 403
        data = role_post(general, capabilities=[c.key for c in roles.CAPABILITIES])
        assert client.post(reverse("admin:auth_group_change", args=[general.pk]), data).status_code == 403
    assert roles.role_capabilities(general)["settings"] == roles.NO


def test_r2_point7_staff_page_picks_branches_and_roles_by_checkboxes_with_their_names(world):
    # given
    client = ja_client(world.users["hq_admin"])
    staff = world.users["branch_a"]

    # when
    page = client.get(reverse("admin:crm_staff_change", args=[staff.pk])).content.decode()

    # then: branches and roles are checkboxes (no Ctrl-click list box), under their names
    assert not re.search(r'<select[^>]*name="(branches|groups)"', page)
    assert offered(page, "branches") == {str(pk) for pk in Branch.objects.values_list("pk", flat=True)}
    assert ticked(page, "branches") == {str(world.branch_a.pk)}
    assert "渋谷店" in page and "新宿店" in page
    general = Group.objects.get(name=roles.GENERAL)
    assert ticked(page, "groups") == {str(general.pk)}
    # each role says what it may do
    assert "一般・出力不可（顧客の参照、顧客の編集・追加、印刷）" in page
    assert "参照のみ（顧客の参照）" in page


def test_r2_point7_ticking_a_branch_on_the_staff_page_grants_it(world):
    client = ja_client(world.users["hq_admin"])
    staff = world.users["read_only"]
    response = client.post(reverse("admin:crm_staff_change", args=[staff.pk]), {
        "username": staff.username, "display_name": staff.display_name, "is_active": "on", "is_staff": "on",
        "groups": [Group.objects.get(name=roles.READ_ONLY).pk], "branches": [world.branch_b.pk],
        "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(staff_branches(staff)) == {world.branch_b}


@pytest.mark.django_db
def test_r1_a_feature_app_installed_later_reaches_the_roles_after_a_migrate_and_an_admin_choice_stays():
    """crm gives each role group what the features grant (crm.extensions.grant) for an app the group holds
    nothing of yet, after every migrate; an app the admins trimmed in a group is left as they set it."""
    from django.apps import apps

    general = Group.objects.get(name=roles.GENERAL)
    read_only = Group.objects.get(name=roles.READ_ONLY)
    admin = Group.objects.get(name=roles.ADMIN)
    # As if orders and the API had been installed after the roles were made.
    for group in (general, read_only, admin):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label__in=["orders", "api"]))
    # 参照のみ was trimmed by the admins to one orders permission: it must stay so.
    read_only.permissions.add(Permission.objects.get(content_type__app_label="orders", codename="view_order"))

    roles.grant_new_apps(apps)

    def held(group, label):
        return set(group.permissions.filter(content_type__app_label=label).values_list("codename", flat=True))

    assert {"add_order", "change_order", "view_estimate"} <= held(general, "orders")
    assert "delete_order" not in held(general, "orders")  # an order is deleted by 管理者 only
    assert held(general, "api") == set()
    assert held(read_only, "orders") == {"view_order"}
    assert held(admin, "api") == set(Permission.objects.filter(content_type__app_label="api")
                                     .values_list("codename", flat=True))
    assert "delete_order" in held(admin, "orders")
