"""Factories for the tests: small, explicit, Japanese data."""

from datetime import timedelta
import datetime

import factory
from django.contrib.auth.models import Permission
from django.utils import timezone

from crm.models import (
    Branch, CareerEntry, ContactCategory, ContactHistory, Customer, CustomerCategory, FamilyMember, Product,
    Purchase, Staff, StaffDepartment,
)


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"B{n:03d}")
    name = factory.Sequence(lambda n: f"支店{n}")


class StaffDepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffDepartment
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"営業{n}部")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"担当 {n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pass-Kokyaku-2026")

    @factory.post_generation
    def branches(self, create, extracted, **kwargs):
        """branches=[branch, ...]: granted through guardian, as the staff screen does."""
        if create and extracted:
            from crm.permissions import staff_set_branches

            staff_set_branches(staff=self, branches=extracted)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """roles=["一般"]: the role groups made by the data migration."""
        from django.contrib.auth.models import Group

        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        """perms=["crm.view_customer", ...]"""
        for dotted in extracted or []:
            app_label, codename = dotted.split(".")
            self.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        if create:
            self.save()


class CustomerCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerCategory
        django_get_or_create = ["name"]

    name = "一般"


class ContactCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactCategory
        django_get_or_create = ["name"]

    name = "電話問合せ"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["code"]

    code = "M256"
    name = "256MBメモリ"
    category = "周辺機器"
    unit_price = 1000


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    branch = factory.SubFactory(BranchFactory, code="HQ", name="本店")
    last_name = "田中"
    first_name = "太郎"
    last_name_kana = "タナカ"
    first_name_kana = "タロウ"
    company_name = "株式会社アクティブ企画"
    company_kana = "アクティブキカク"
    tel = "03-3791-5155"
    email = "tanaka@example.co.jp"


class ContactHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactHistory

    customer = factory.SubFactory(CustomerFactory)
    category = factory.SubFactory(ContactCategoryFactory)
    content1 = "質問"
    detail = "渋谷店の場所を教えてください。"
    response = "詳しくご説明。"


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    customer = factory.SubFactory(CustomerFactory)
    product_category = "消耗品"
    product_code = "INC254"
    product_name = "インクリボン"
    quantity = 10
    unit_price = 1200


class FamilyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyMember

    customer = factory.SubFactory(CustomerFactory)
    relation = "配偶者"
    name = "山田 花子"
    name_kana = "ヤマダ ハナコ"
    gender = "F"


class CareerEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareerEntry

    customer = factory.SubFactory(CustomerFactory)
    company = "田中貿易株式会社"
    department = "業務部"
    title = "部長"


class AccessLogFactory(factory.django.DjangoModelFactory):
    """django-axes' log of a login (its admin screen is one of the admin URLs the tests walk)."""

    class Meta:
        model = "axes.AccessLog"

    username = "kanri"
    ip_address = "192.0.2.10"
    user_agent = "pytest"
    path_info = "/admin/login/"


class AccessFailureLogFactory(factory.django.DjangoModelFactory):
    """django-axes' log of a failed login (recorded only with AXES_ENABLE_ACCESS_FAILURE_LOG)."""

    class Meta:
        model = "axes.AccessFailureLog"

    username = "kanri"
    ip_address = "192.0.2.10"
    user_agent = "pytest"
    path_info = "/admin/login/"


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "jobs.Job"

    kind = "import_check"
    title = "取込チェック: 顧客"
    owner = factory.SubFactory(StaffFactory)
    state = "succeeded"
    params = factory.LazyFunction(lambda: {"target": "customers", "encoding": ""})
    result = factory.LazyFunction(lambda: {"rows": 1, "new": 1, "updated": 0, "unchanged": 0, "bad_rows": 0})


class ImportJobFactory(JobFactory):
    class Meta:
        model = "dataio.ImportJob"


class ExportJobFactory(JobFactory):
    class Meta:
        model = "dataio.ExportJob"

    kind = "export"
    title = "出力: 顧客"
    params = factory.LazyFunction(lambda: {"target": "customers", "source": "customers", "format": "csv_cp932"})


class DuplicateGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dataio.DuplicateGroup"

    job = factory.SubFactory(JobFactory, kind="find_duplicates", title="名寄せ")
    position = 0
    customer_ids = factory.LazyFunction(list)
    reasons = factory.LazyFunction(lambda: ["氏名＋電話番号"])
    size = 0


class MergeRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dataio.MergeRecord"

    survivor_code = "000001"
    survivor_before = factory.LazyFunction(dict)
    merged = factory.LazyFunction(list)
    moved = factory.LazyFunction(dict)


class GiftItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.GiftItem"
        django_get_or_create = ["year", "season", "name"]

    year = 2026
    season = "winter"
    name = "洋菓子詰め合わせ"
    rank = "竹"
    price = 5000


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Event"

    kind = "winter_gift"
    year = 2026
    name = "2026年 お歳暮"
    status = "open"


class EventLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.EventLink"

    event = factory.SubFactory(EventFactory)
    customer = factory.SubFactory(CustomerFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """A row as the services write it: with what it copies of its person (person key, reading)."""
        from events import mourning

        customer, member = kwargs["customer"], kwargs.get("family_member")
        target = (customer.pk, member.pk if member else None)
        person = mourning.people([target]).get(target)
        if person is not None:
            kwargs = {**person.copies(), **kwargs}
        return super()._create(model_class, *args, **kwargs)


class MourningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Mourning"

    customer = factory.SubFactory(CustomerFactory)
    year = 2027


class MediumFactory(factory.django.DjangoModelFactory):
    """媒体 (the data migration makes カタログ … Web; a transactional test before flushed them)."""

    class Meta:
        model = "orders.Medium"
        django_get_or_create = ["code"]

    code = "catalog"
    name = "カタログ"


class OrderSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orders.OrderSettings"
        django_get_or_create = ["id"]

    id = 1
    issuer_name = "株式会社アクティブ企画"
    registration_number = "T7000012050002"


class OrderFactory(factory.django.DjangoModelFactory):
    """An order as the screens write it: lines from the master, totals recomputed."""

    class Meta:
        model = "orders.Order"
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    ship_to = "other"
    ship_name = "田中 太郎"
    ship_postal_code = "140-0002"
    ship_address = "東京都品川区東品川1-1-1"

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        """lines=[(product, quantity), ...]; by default one line of ProductFactory's product."""
        from orders import services
        from orders.models import OrderLine

        if not create:
            return
        for product, quantity in extracted if extracted is not None else [(ProductFactory(), 1)]:
            line = OrderLine(order=self, product=product, quantity=quantity)
            services.line_fill(line)
            line.save()
        services.document_recompute(self)


class EstimateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orders.Estimate"
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    title = "事務用品一式"

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        from orders import services
        from orders.models import EstimateLine

        if not create:
            return
        for product, quantity in extracted if extracted is not None else [(ProductFactory(), 2)]:
            line = EstimateLine(estimate=self, product=product, quantity=quantity)
            services.line_fill(line)
            line.save()
        services.document_recompute(self)


class ApiClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "api.ApiClient"
        django_get_or_create = ["name"]

    name = "POSレジ"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token as api.tokens.token_create makes it (its secret is not kept: a screen's row)."""

    class Meta:
        model = "api.ApiToken"

    client = factory.SubFactory(ApiClientFactory)
    user = factory.SubFactory(StaffFactory)
    name = "レジ1"
    prefix = factory.Sequence(lambda n: f"{n:08x}")
    digest = factory.Sequence(lambda n: f"{n:064x}")
    scopes = ["customers:read"]
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
class HandoffFactory(factory.django.DjangoModelFactory):
    """A contact history handed to a branch's staff member (status 引継中), written by the service."""

    class Meta:
        model = "workflow.Handoff"

    customer = factory.SubFactory(CustomerFactory)
    contact = factory.LazyAttribute(lambda o: ContactHistoryFactory(customer=o.customer))
    assignee = factory.SubFactory(StaffFactory, is_head_office=True, email="sales@example.jp", roles=["一般"])
    message = "お電話ください。"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from workflow import services

        return services.handoff_create(handoff=model_class(*args, **kwargs), user=kwargs["assignee"])


class ClosedDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "workflow.ClosedDay"
        django_get_or_create = ["date"]

    date = datetime.date(2026, 8, 14)
    name = "夏季休業"


class OutboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "workflow.Outbox"

    to = "someone@example.jp"
    subject = "テスト"
    body = "本文"


class MailSettingsFactory(factory.django.DjangoModelFactory):
    """The office's bulk-mail settings (W4): one row."""

    class Meta:
        model = "mailing.MailSettings"
        django_get_or_create = ["id"]

    id = 1
    rate_per_minute = 60


class MailTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mailing.MailTemplate"
        django_get_or_create = ["name"]

    name = "新商品のご案内"
    subject = "{{氏名}} 新商品のご案内"
    body = "{{氏名}}\n\nいつもお世話になっております。"


class CampaignFactory(factory.django.DjangoModelFactory):
    """A bulk mail (W4) of one customer, as mailing.services.campaign_create writes it."""

    class Meta:
        model = "mailing.Campaign"
        skip_postgeneration_save = True

    sender = factory.SubFactory(StaffFactory, username="mail_sender")
    subject = "ご案内"
    body = "{{氏名}}\n本文"

    @factory.post_generation
    def customer(self, create, extracted, **kwargs):
        if create and extracted is not None:
            from mailing.models import CampaignRecipient

            CampaignRecipient.objects.create(campaign=self, customer=extracted, email=extracted.email or "x@example.jp",
                                             subject=self.subject, body=self.body)


class InquiryFormFactory(factory.django.DjangoModelFactory):
    """A public web form (I1) of the head office."""

    class Meta:
        model = "inquiry.InquiryForm"
        django_get_or_create = ["key"]

    name = "資料請求"
    key = factory.Sequence(lambda n: f"form{n}")
    branch = factory.SubFactory(BranchFactory, code="HQ", name="本店")


class PointEntryFactory(factory.django.DjangoModelFactory):
    """A point entry as the API writes it (points.services.points_add checks the balance; a factory's entry
    gives points, so no balance goes below 0)."""

    class Meta:
        model = "points.PointEntry"

    customer = factory.SubFactory(CustomerFactory)
    delta = 100
    reason = "購入"
    source = "API: POSレジ"
