"""X2 export: CP932 by default, UTF-8 with BOM, xlsx; columns under configured labels; formula round trip."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from audit.models import AuditEvent
from crm.models import Customer
from jobs.models import Job
from tests.factories import ContactHistoryFactory, CustomerFactory
from tests.helpers import ja_client as client_for, run_worker
from tests.personas import build_world

pytestmark = pytest.mark.django_db

EXPORT = "admin:dataio_exportjob_add"


@pytest.fixture
def world(db):
    return build_world()


def export(client, *, fmt="csv_cp932", columns=None, query="", source="customers", target="customers", **extra):
    page = client.get(reverse(EXPORT), {"source": source, "target": target, "query": query})
    assert page.status_code == 200
    if columns is None:
        columns = [value for value, _label in page.context["form"].fields["columns"].choices]
    return client.post(reverse(EXPORT), {"source": source, "target": target, "query": query, "format": fmt,
                                         "columns": columns, **extra})


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_x2_cp932_csv_by_default_with_nec_ibm_characters_and_labels_in_card_order(world):
    CustomerFactory(branch=world.branch_a, last_name="髙橋", company_name="㈱山﨑①", send_to="company", check1=True)
    response = export(client_for(world.users["hq_admin"]))
    assert response.status_code == 200 and "Shift_JIS" in response["Content-Type"]
    text = body(response).decode("cp932")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[:2] == ["顧客コード", "店舗・拠点"]
    assert header.index("備考1") > header.index("会社名") and header.index("チェック1") > header.index("備考1")
    assert "VIPメモ" not in header  # restricted to the secretaries, whom this admin is not one of
    row = next(r for r in rows if "髙橋" in r)
    assert "㈱山﨑①" in row and row[header.index("送付先")] == "会社" and row[header.index("チェック1")] == "○"
    assert AuditEvent.objects.filter(action="export", row_count=3).exists()


def test_x2_restricted_field_is_neither_offered_nor_exported(world):
    client = client_for(world.users["branch_a"])
    page = client.get(reverse(EXPORT), {"source": "customers"})
    labels = [label for _v, label in page.context["form"].fields["columns"].choices]
    assert "VIPメモ" not in labels and "チェック40" not in labels
    forged = export(client, columns=["code", "remark8", "check40"])
    text = body(forged).decode("utf-8")  # the form again, at the field: those are not choices
    assert "社長の奥様" not in text and "VIPメモ" not in text
    secretary = client_for(world.users["secretary"])
    assert "社長の奥様".encode("cp932") in body(export(secretary, columns=["code", "remark8"]))


def test_x2_branch_scope_and_permission(world):
    text = body(export(client_for(world.users["branch_a"]))).decode("cp932")
    assert "渋谷" in text and "新宿" not in text
    assert client_for(world.users["no_export"]).get(reverse(EXPORT)).status_code == 403
    assert client_for(world.users["read_only"]).get(reverse(EXPORT)).status_code == 403


def test_x2_utf8_has_a_bom_and_xlsx_opens(world):
    client = client_for(world.users["hq_admin"])
    data = body(export(client, fmt="csv_utf8"))
    assert data.startswith(b"\xef\xbb\xbf") and "渋谷".encode() in data
    xlsx = body(export(client, fmt="xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet.cell(1, 1).value == "顧客コード"


def test_x2_unencodable_characters_are_named_before_the_download(world):
    customer = CustomerFactory(branch=world.branch_a, last_name="𠮷田", company_name="寿司🍣")
    client = client_for(world.users["hq_admin"])
    warning = export(client)
    assert warning.status_code == 200 and "export-unencodable" in warning.content.decode()
    assert warning.context["unencodable"] == 2
    assert (customer.code, "氏名（姓）", "𠮷田") in warning.context["examples"]
    replaced = body(export(client, replace="on")).decode("cp932")
    assert "〓田" in replaced and "寿司〓" in replaced
    utf8 = body(export(client, as_format="csv_utf8")).decode("utf-8-sig")
    assert "𠮷田" in utf8
    assert AuditEvent.objects.filter(action="export", detail__replaced=True).exists()


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+81-3", "-5", "@SUM(A1)", "\tTAB", "'=quoted", "'plain"])
def test_x2_formulas_are_neutralized_and_come_back_exactly(world, value):
    customer = CustomerFactory(branch=world.branch_a, last_name="式", remark1=value)
    client = client_for(world.users["hq_admin"])
    data = body(export(client, columns=["code", "last_name", "remark1"]))
    text = data.decode("cp932")
    cell = next(r for r in csv.reader(io.StringIO(text)) if r and r[0] == customer.code)[2]
    assert not cell.startswith(("=", "+", "-", "@", "\t"))
    Customer.objects.filter(pk=customer.pk).update(remark1="changed")
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(reverse("admin:dataio_importjob_add"), {"target": "customers", "encoding": "",
                                                        "file": SimpleUploadedFile("back.csv", data)})
    run_worker()
    job = Job.objects.order_by("-id").first()
    assert job.state == "succeeded", (job.message, list(job.problems.values_list("message", flat=True)))
    client.post(reverse("admin:dataio_importjob_write", args=[job.pk]))
    run_worker()
    customer.refresh_from_db()
    assert customer.remark1 == value


def test_x2_contacts_of_the_customers_in_the_search(world):
    ContactHistoryFactory(customer=world.customer_a, content1="渋谷の応対")
    ContactHistoryFactory(customer=world.customer_b, content1="新宿の応対")
    client = client_for(world.users["branch_a"])
    text = body(export(client, target="contacts")).decode("cp932")
    assert "渋谷の応対" in text and "新宿の応対" not in text and "顧客名" in text


def test_x2_big_export_runs_on_the_worker_and_waits_for_its_owner(world, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 1
    client = client_for(world.users["hq_admin"])
    response = export(client)
    assert response.status_code == 302
    run_worker()
    job = Job.objects.get(kind="export")
    assert job.state == "succeeded", job.message
    download = client.get(reverse("admin:jobs_job_download", args=[job.pk]))
    assert download.status_code == 200 and "渋谷".encode("cp932") in b"".join(download.streaming_content)
    other = client_for(world.users["branch_a"]).get(reverse("admin:jobs_job_download", args=[job.pk]))
    assert other.status_code == 404


def test_x2_export_job_names_each_customer_given_a_geta_and_only_those(world, settings):
    """The job checks records one by one only in a chunk CP932 could not encode: across chunks
    (500 records each) every customer with 𠮷 or an emoji is listed, and no other."""
    settings.EXPORT_STREAM_MAX_ROWS = 1
    CustomerFactory.create_batch(650, branch=world.branch_a)
    odd = list(Customer.objects.order_by("id")[::160])  # in different chunks of the file
    for position, customer in enumerate(odd):
        customer.remark1 = "𠮷野家" if position % 2 else "寿司🍣"
        customer.save()
    client = client_for(world.users["hq_admin"])
    assert export(client, columns=["code", "last_name", "remark1"]).status_code == 302
    run_worker()
    job = Job.objects.get(kind="export")
    assert job.state == "succeeded", job.message
    assert sorted(job.problems.values_list("message", flat=True)) == sorted(c.code for c in odd)
    content = b"".join(client.get(reverse("admin:jobs_job_download", args=[job.pk])).streaming_content)
    text = content.decode("cp932")
    assert text.count("〓野家") == len(odd[1::2]) and text.count("寿司〓") == len(odd[::2])


def test_x2_xlsx_cells_are_text_and_come_back_exactly(world):
    tricky = ["=HYPERLINK(\"http://x\")", "<b>&amp;</b>", "改行\nあり", "-5", "0312345678"]
    customers = [CustomerFactory(branch=world.branch_a, last_name="式", remark1=v) for v in tricky]
    client = client_for(world.users["hq_admin"])
    data = body(export(client, fmt="xlsx", columns=["code", "last_name", "remark1"]))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    for customer, value in zip(customers, tricky):
        assert cells[customer.code] == value
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(remark1="changed")
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(reverse("admin:dataio_importjob_add"), {"target": "customers", "encoding": "",
                                                        "file": SimpleUploadedFile("back.xlsx", data)})
    run_worker()
    job = Job.objects.order_by("-id").first()
    assert job.state == "succeeded", (job.message, list(job.problems.values_list("message", flat=True)))
    client.post(reverse("admin:dataio_importjob_write", args=[job.pk]))
    run_worker()
    for customer, value in zip(customers, tricky):
        customer.refresh_from_db()
        assert customer.remark1 == value


def test_x2_the_list_action_exports_the_ticked_rows_or_the_whole_search(world):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    for i in range(3):
        CustomerFactory(branch=world.branch_a, last_name=f"選択{i}")
    client = client_for(world.users["hq_admin"])
    changelist = reverse("admin:crm_customer_changelist")
    one = Customer.objects.get(last_name="選択0")
    ticked = client.post(changelist, {"action": "export_selected", ACTION_CHECKBOX_NAME: [one.pk]})
    assert ticked.status_code == 302
    assert client.get(ticked["Location"]).context["count"] == 1
    across = client.post(changelist + "?q=選択", {"action": "export_selected", ACTION_CHECKBOX_NAME: [one.pk],
                                                 "select_across": "1"})
    assert len(across["Location"]) < 500  # the conditions, not a list of every id
    assert client.get(across["Location"]).context["count"] == 3


def test_x2_times_are_written_in_tokyo_time_and_choices_by_their_labels(world):
    """The export's formatters, made once per file: 登録日時 in Tokyo time whatever the server's zone,
    性別 by its label in the user's language."""
    import datetime

    from django.utils import translation

    from dataio.columns import Masters, field_column

    created = field_column(Customer, "customer", "created_at", Masters(world.users["hq_admin"]))
    utc = datetime.datetime(2026, 1, 1, 15, 30, tzinfo=datetime.timezone.utc)
    assert created.format(utc) == "2026/01/02 00:30" and created.format(None) == ""
    with translation.override("ja"):
        gender = field_column(Customer, "customer", "gender", Masters(world.users["hq_admin"]))
        assert [gender.format(v) for v in ("M", "F", "M", "")] == ["男", "女", "男", ""]


def test_x2_export_job_reads_on_while_checking_for_cancel_and_stops_when_asked(world, settings, monkeypatch):
    """The rows are read a chunk ahead (PostgreSQL: two FETCHes in flight) while the job checks its
    progress and cancel flag between chunks: every row comes out once, in order; a cancel stops it."""
    from dataio import exporting
    from jobs import progress

    settings.EXPORT_STREAM_MAX_ROWS = 1
    monkeypatch.setattr(exporting, "CHUNK_ROWS", 7)
    CustomerFactory.create_batch(40, branch=world.branch_a)
    client = client_for(world.users["hq_admin"])
    # when: a whole export, checked every 7 rows
    assert export(client, columns=["code"]).status_code == 302
    run_worker()
    job = Job.objects.get(kind="export")
    assert job.state == "succeeded", job.message
    text = b"".join(client.get(reverse("admin:jobs_job_download", args=[job.pk])).streaming_content).decode("cp932")
    codes = text.splitlines()[1:]
    from dataio import selection

    listed = selection.records(world.users["hq_admin"], target="customers", source="customers", querystring="",
                               ids=None)
    assert codes == list(listed.values_list("code", flat=True)) and len(codes) == Customer.objects.count()
    # when: the owner cancels after the second chunk
    real_check = progress.Reporter.check
    calls = {"n": 0}

    def cancel_after_two_chunks(self):
        calls["n"] += 1
        if calls["n"] == 2:
            progress.request_cancel(self.job)
        real_check(self)

    monkeypatch.setattr(progress.Reporter, "check", cancel_after_two_chunks)
    assert export(client, columns=["code"]).status_code == 302
    run_worker()
    cancelled = Job.objects.filter(kind="export").order_by("-id").first()
    assert cancelled.state == Job.State.CANCELLED and not cancelled.result_file


# --- issue 22 point 12: export → import gives back exactly what is stored; CP932's changes are listed ---------
def round_trip(world, values: list[str], fmt: str) -> list[str]:
    """Customers with these 備考1 values exported as `fmt`, the values changed, the file imported back."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    customers = [CustomerFactory(branch=world.branch_a, last_name="往復", remark1=v) for v in values]
    client = client_for(world.users["hq_admin"])
    data = body(export(client, fmt=fmt, columns=["code", "last_name", "remark1"]))
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(remark1="changed")
    name = "back.xlsx" if fmt == "xlsx" else "back.csv"
    client.post(reverse("admin:dataio_importjob_add"), {"target": "customers", "encoding": "",
                                                        "file": SimpleUploadedFile(name, data)})
    run_worker()
    job = Job.objects.order_by("-id").first()
    assert job.state == "succeeded", (job.message, list(job.problems.values_list("message", flat=True)))
    client.post(reverse("admin:dataio_importjob_write", args=[job.pk]))
    run_worker()
    return [Customer.objects.get(pk=c.pk).remark1 for c in customers]


STORED = ["\t=1+1", "\r=1+1", "\r\n=1+1", "  前後に空白  ", "　全角の空白　", "=1+1\t", "'=quoted", "''=twice", "_x0041_",
          "'plain", " =1+1", "\t"]


@pytest.mark.parametrize("fmt", ["csv_cp932", "csv_utf8", "xlsx"])
def test_x2_22_12_export_then_import_gives_back_every_stored_value_exactly(world, fmt):
    assert round_trip(world, STORED, fmt) == STORED


def test_x2_22_12_csv_neutralizes_a_formula_behind_tab_or_cr(world):
    customer = CustomerFactory(branch=world.branch_a, last_name="式", company_name="\t=1+1", remark1="\r=1+1")
    text = body(export(client_for(world.users["hq_admin"]), columns=["code", "company_name", "remark1"])).decode("cp932")
    row = next(r for r in csv.reader(io.StringIO(text, newline="")) if r and r[0] == customer.code)
    assert row[1:] == ["'\t=1+1", "'\r=1+1"]


def test_x2_22_12_characters_cp932_changes_are_listed_with_those_it_cannot_hold(world, settings):
    # given: a minus sign (U+2212), a wave dash (U+301C) and ‖ ¢ £ ¬, which CP932 writes as other characters
    customer = CustomerFactory(branch=world.branch_a, last_name="記号", address="港区芝1−2−3",
                               remark1="10時〜12時", remark2="‖¢£¬", remark3="普通の値")
    columns = ["code", "last_name", "address", "remark1", "remark2", "remark3"]
    client = client_for(world.users["hq_admin"])
    # when: exported as CP932: the screen lists them before the download
    warning = export(client, columns=columns)
    assert warning.status_code == 200 and "export-unencodable" in warning.content.decode()
    assert warning.context["unencodable"] == 3
    assert {(customer.code, "住所", "港区芝1−2−3"), (customer.code, "備考1", "10時〜12時"),
            (customer.code, "備考2", "‖¢£¬")} == set(warning.context["examples"])
    assert "別の文字" in warning.content.decode()
    # when: downloaded as Shift_JIS all the same: the look-alikes, as CP932 reads them back
    text = body(export(client, columns=columns, replace="on")).decode("cp932")
    assert "港区芝1－2－3" in text and "10時～12時" in text and "∥￠￡￢" in text
    # when: a big export on the worker: its page lists them too
    settings.EXPORT_STREAM_MAX_ROWS = 1
    assert export(client, columns=columns).status_code == 302
    run_worker()
    job = Job.objects.get(kind="export")
    assert set(job.problems.values_list("value", flat=True)) == {"港区芝1−2−3", "10時〜12時", "‖¢£¬"}
    page = client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "export-unencodable" in page and "港区芝1−2−3" in page


def test_x2_22_12_the_list_of_characters_cp932_changes_is_complete():
    from dataio.exporting import CP932_CHANGES

    changed = {}
    for point in range(0x110000):
        if 0xD800 <= point < 0xE000:
            continue
        char = chr(point)
        try:
            back = char.encode("cp932").decode("cp932")
        except UnicodeEncodeError:
            continue
        if back != char:
            changed[char] = back
    assert changed == CP932_CHANGES
