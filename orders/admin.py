"""The screens of orders (O1) and estimates (O2), on crm's scoped base: every row, pulldown, history
and action passes through the one policy (crm.permissions); another branch's order answers 404.

- 受注 (Order): the order being taken (customer, 媒体, ship-to, lines from 商品マスタ), its totals and
  derived status; 出荷済登録 and 入金済登録 one by one (the buttons on the order) and in bulk (the list's
  actions); 請求書 and 納品書 (PDF).
- 見積 (Estimate): lines, validity, status; conversion to an order, once; 見積書 (PDF).
- 媒体 and 受注設定 (tax rounding, 税込/税抜, the issuer and its registration number, 送料設定): admins.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit import events as audit_events
from crm import dates, locking, permissions
from crm.admin.base import CustomerChildAdmin, KokyakuAdmin, TabularInline, date_column, reads

from . import permission_codes as codes
from . import documents, services
from .forms import (
    EstimateForm, EstimateLineForm, OrderForm, OrderLineForm, OrderLineFormSet, PaymentForm, ShipmentForm,
)
from .models import Estimate, EstimateLine, Medium, Order, OrderLine, OrderSettings, Payment, ShippingFeeBand

MAX_BULK = 2000  # orders per bulk registration


def yen_column(field_name, label):
    def column(obj):
        return number_format(getattr(obj, field_name), force_grouping=True)

    column.__name__ = f"{field_name}_shown"
    column.short_description = label
    column.admin_order_field = field_name
    column.field_name = field_name
    return column


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class LineInline(TabularInline):
    fields = ["product", "product_code", "product_name", "unit_price", "quantity", "discount", "tax_rate",
              "is_return", "amount_shown"]
    readonly_fields = ["amount_shown"]
    autocomplete_fields = ["product"]
    extra = 1
    tab = False

    @admin.display(description=_("Amount"))
    def amount_shown(self, obj):
        return number_format(obj.amount, force_grouping=True) if obj and obj.pk else ""


class OrderLineInline(LineInline):
    model = OrderLine
    form = OrderLineForm
    formset = OrderLineFormSet


class EstimateLineInline(LineInline):
    model = EstimateLine
    form = EstimateLineForm


class PaymentInline(TabularInline):
    """The payments registered (入金済登録 adds them); a wrong one may be deleted by who may change."""

    model = Payment
    fields = ["paid_on", "amount", "note", "created_by"]
    readonly_fields = ["paid_on", "amount", "note", "created_by"]
    tab = False

    def has_add_permission(self, request, obj=None):
        return False


class StatusFilter(admin.SimpleListFilter):
    """状況: derived from the shipping date and what was paid."""

    title = _("Status")
    parameter_name = "status"
    reads = ("shipped_on", "paid_total", "total")

    def lookups(self, request, model_admin):
        return Order.Status.choices

    def queryset(self, request, queryset):
        shipped, unshipped = Q(shipped_on__isnull=False), Q(shipped_on__isnull=True)
        full = Q(paid_total__gte=F("total"))
        conditions = {
            Order.Status.RECEIVED: unshipped & Q(paid_total=0) & ~(Q(total__lte=0)),
            Order.Status.PART_PAID: unshipped & Q(paid_total__gt=0, paid_total__lt=F("total")),
            Order.Status.PAID: unshipped & full & Q(paid_total__gt=0),
            Order.Status.SHIPPED: shipped & Q(paid_total__lt=F("total")),
            Order.Status.DONE: shipped & full,
        }
        condition = conditions.get(self.value())
        return queryset.filter(condition) if condition is not None else queryset


class DocumentAdmin(CustomerChildAdmin):
    """What the order and estimate screens share: a customer picked by autocomplete (scoped), totals
    recomputed after the lines are saved, the PDF permission from crm's policy."""

    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]
    show_full_result_count = False
    extra_list_lookups = ("customer__id__exact",)  # the list of one customer's documents (from the card)
    # Outside the change form: the tools hold a form of their own (受注に変換), and a form inside another
    # is dropped by the browser, its </form> closing the document's form (the button saved nothing).
    change_form_outer_before_template = "orders/document_tools.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "customer" in initial:  # ?customer=<id> from the card: only a customer the user sees
            from crm.models import Customer

            if not permissions.visible_customers(request.user, Customer.objects.filter(pk=initial["customer"])).exists():
                initial.pop("customer")
        return initial

    def has_print_permission(self, request, obj=None):
        return self.has_view_permission(request, obj) and permissions.can_print(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            services.settings_apply(obj)
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.document_recompute(form.instance)

    def document_or_404(self, request, pk):
        return self.get_object(request, str(pk))  # crm's base: out of scope or missing is 404, logged

    def pdf_view(self, request, pk, kind):
        document = self.document_or_404(request, pk)
        if not self.has_print_permission(request, document):
            raise PermissionDenied
        try:
            content, filename = documents.render(kind=kind, document=document, user=request.user)
        except documents.NotIssuable as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return redirect(reverse(f"admin:orders_{self.model._meta.model_name}_change", args=[document.pk]))
        audit_events.printed(request=request, what=f"{filename}", count=1)
        return pdf_response(content, filename)


@admin.register(Order)
class OrderAdmin(DocumentAdmin):
    form = OrderForm
    inlines = [OrderLineInline, PaymentInline]
    list_display = ["number_shown", date_column(Order, "ordered_on"), "customer", "medium",
                    yen_column("total", _("Total amount")), yen_column("paid_total", _("Paid")), "status_shown",
                    "shipped_on_shown"]
    list_display_links = ["number_shown"]
    list_filter = [StatusFilter, "medium"]
    search_fields = ["customer__code", "customer__last_name", "customer__company_name", "tracking_number",
                     "ship_name"]
    date_hierarchy = "ordered_on"
    ordering = ["-ordered_on", "-id"]
    list_select_related = ["customer", "medium"]
    actions = ["register_shipment", "register_payment"]
    readonly_fields = ["status_shown", "shipping_fee", "net_total", "tax_total", "total", "paid_total",
                       "balance_shown", "estimate"]
    fieldsets = [
        (None, {"fields": [("customer", "ordered_on", "medium")]}),
        (_("Ship to"), {"fields": [("ship_to", "ship_to_family"), ("ship_name", "ship_tel"),
                                   ("ship_postal_code", "ship_address")]}),
        (_("Progress"), {"fields": [("status_shown", "shipped_on", "tracking_number"),
                                    ("shipping_fee", "net_total", "tax_total", "total"),
                                    ("paid_total", "balance_shown", "estimate"), "memo"]}),
    ]

    @admin.display(description=_("Order number"), ordering="id")
    def number_shown(self, obj):
        return obj.number

    def get_layout(self, request, obj=None):
        if obj is None:  # the order being taken: its progress comes later
            return [*self.fieldsets[:2], (None, {"fields": ["memo"]})]
        return super().get_layout(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else [OrderLineInline]

    @admin.display(description=_("Status"))
    @reads("shipped_on", "paid_total", "total")
    def status_shown(self, obj):
        return obj.get_status_display() if obj and obj.pk else ""

    @admin.display(description=_("Shipping date"), ordering="shipped_on")
    @reads("shipped_on")
    def shipped_on_shown(self, obj):
        return dates.format_date(obj.shipped_on) if obj.shipped_on else ""

    @admin.display(description=_("Balance"))
    def balance_shown(self, obj):
        return number_format(obj.balance, force_grouping=True) if obj and obj.pk else ""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("medium")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.order_paid_recompute(form.instance, user=request.user)

    # --- 出荷済登録 and 入金済登録: from the list's actions (bulk) or the order's buttons (one) -------------
    def has_register_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    @admin.action(description=_("Register shipment of the selected orders"), permissions=["register"])
    def register_shipment(self, request, queryset):
        return self._bulk_redirect("orders_order_ship", queryset)

    @admin.action(description=_("Register payment of the selected orders"), permissions=["register"])
    def register_payment(self, request, queryset):
        return self._bulk_redirect("orders_order_pay", queryset)

    def _bulk_redirect(self, name, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True)[:MAX_BULK])
        return redirect(f"{reverse(f'admin:{name}', current_app=self.admin_site.name)}?{urlencode({'ids': ids})}")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("ship/", view(self.ship_view), name="orders_order_ship"),
            path("pay/", view(self.pay_view), name="orders_order_pay"),
            path("<int:pk>/invoice.pdf", view(self.pdf_view), {"kind": documents.INVOICE}, name="orders_order_invoice"),
            path("<int:pk>/delivery.pdf", view(self.pdf_view), {"kind": documents.DELIVERY},
                 name="orders_order_delivery"),
        ] + super().get_urls()

    def selected_orders(self, request) -> list[Order]:
        """The orders named by ?ids=, of those this user sees; none of them seen: 404."""
        raw = request.GET.get("ids", "")
        try:
            ids = [int(part) for part in raw.split(",") if part.strip()][:MAX_BULK]
        except ValueError:
            raise Http404 from None
        orders = list(self.get_queryset(request).filter(pk__in=ids).order_by("ordered_on", "id"))
        if not orders:
            if ids and Order.objects.filter(pk__in=ids).exists():
                audit_events.access_refused(request=request, path=request.get_full_path()[:500])
            raise Http404
        return orders

    def _registration_view(self, request, *, title, form, orders, apply, template_id):
        """The registration page: it carries the version of each order it shows (issue 24.3); an order
        changed since refuses the whole batch (orders.services: why), the page shown again as it is now."""
        if not self.has_register_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            seen = locking.seen_versions(request.POST)
            stale = [o for o in orders if o.pk in seen and o.version != seen[o.pk]]
            if stale:
                form.add_error(None, services.stale_orders_message(stale))
            elif form.is_valid():
                try:
                    count = apply(form.cleaned_data, seen)
                except locking.StaleWrite as error:  # changed between the check above and the write's lock
                    form.add_error(None, error.messages)
                    orders = self.selected_orders(request)
                except ValidationError as error:
                    for field, errors in error.message_dict.items():
                        for message in errors:
                            form.add_error(field if field in form.fields else None, message)
                else:
                    audit_events.bulk_action(request=request, name=f"register_{'shipment' if template_id == 'ship' else 'payment'}",
                                             rows=count)
                    self.message_user(request, gettext("%(count)s orders registered.") % {"count": count},
                                      messages.SUCCESS)
                    if len(orders) == 1:
                        return redirect(reverse("admin:orders_order_change", args=[orders[0].pk]))
                    return redirect(reverse("admin:orders_order_changelist"))
        context = {**self.admin_site.each_context(request), "title": title, "form": form, "orders": orders,
                   "opts": self.model._meta, "form_id": template_id, "version_inputs": locking.seen_inputs(orders),
                   "changelist_url": reverse("admin:orders_order_changelist")}
        return TemplateResponse(request, "orders/registration.html", context)

    def ship_view(self, request):
        orders = self.selected_orders(request)
        form = ShipmentForm(request.POST or None)
        return self._registration_view(
            request, title=gettext("Register shipment"), form=form, orders=orders, template_id="ship",
            apply=lambda data, seen: services.orders_ship(orders=orders, shipped_on=data["shipped_on"],
                                                          tracking_number=data["tracking_number"], user=request.user,
                                                          seen=seen))

    def pay_view(self, request):
        orders = self.selected_orders(request)
        form = PaymentForm(request.POST or None, orders=orders)

        def apply(data, seen):
            if data.get("amount") is not None:
                services.payment_add(order=orders[0], amount=data["amount"], paid_on=data["paid_on"],
                                     note=data["note"], user=request.user, seen=seen)
                return 1
            return services.orders_pay_in_full(orders=orders, paid_on=data["paid_on"], note=data["note"],
                                               user=request.user, seen=seen)

        return self._registration_view(request, title=gettext("Register payment"), form=form, orders=orders,
                                       template_id="pay", apply=apply)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["document_tools"] = [] if obj is None or not obj.pk else [
            *([(gettext("Register shipment"), reverse("admin:orders_order_ship") + f"?ids={obj.pk}", "ship")]
              if obj.shipped_on is None and self.has_register_permission(request, obj) else []),
            *([(gettext("Register payment"), reverse("admin:orders_order_pay") + f"?ids={obj.pk}", "pay")]
              if obj.balance > 0 and self.has_register_permission(request, obj) else []),
            *([(gettext("Invoice (PDF)"), reverse("admin:orders_order_invoice", args=[obj.pk]), "invoice"),
               (gettext("Delivery note (PDF)"), reverse("admin:orders_order_delivery", args=[obj.pk]), "delivery")]
              if self.has_print_permission(request, obj) else []),
        ]
        return super().render_change_form(request, context, add, change, form_url, obj)



CONVERT = "_convert"  # the change form's submit that saves the estimate, then converts it

@admin.register(Estimate)
class EstimateAdmin(DocumentAdmin):
    form = EstimateForm
    inlines = [EstimateLineInline]
    list_display = ["number_shown", date_column(Estimate, "issued_on"), "customer", "title",
                    yen_column("total", _("Total amount")), "status", "valid_until_shown"]
    list_display_links = ["number_shown"]
    list_filter = ["status"]
    search_fields = ["customer__code", "customer__last_name", "customer__company_name", "title"]
    date_hierarchy = "issued_on"
    ordering = ["-issued_on", "-id"]
    readonly_fields = ["net_total", "tax_total", "total", "order_link"]
    fieldsets = [
        (None, {"fields": [("customer", "issued_on", "valid_until"), ("title", "status")]}),
        (_("Totals"), {"fields": [("net_total", "tax_total", "total"), "order_link", "memo"]}),
    ]

    @admin.display(description=_("Estimate number"), ordering="id")
    def number_shown(self, obj):
        return obj.number

    @admin.display(description=_("Valid until"), ordering="valid_until")
    @reads("valid_until")
    def valid_until_shown(self, obj):
        return dates.format_date(obj.valid_until) if obj.valid_until else ""

    @admin.display(description=_("Sales order"))
    def order_link(self, obj):
        order = Order.objects.filter(estimate_id=obj.pk).first() if obj and obj.pk else None
        return order.number if order else ""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status == Estimate.Status.ORDERED:
            fields.append("status")
        return fields

    def save_model(self, request, obj, form, change):
        if obj.valid_until is None:
            obj.valid_until = services.estimate_valid_until(obj)
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/convert/", view(self.convert_view), name="orders_estimate_convert"),
            path("<int:pk>/estimate.pdf", view(self.pdf_view), {"kind": documents.ESTIMATE},
                 name="orders_estimate_pdf"),
        ] + super().get_urls()

    def convert_view(self, request, pk):
        estimate = self.document_or_404(request, pk)
        if request.method != "POST":
            return redirect(reverse("admin:orders_estimate_change", args=[estimate.pk]))
        if not (self.has_change_permission(request, estimate) and request.user.has_perm(codes.ADD_ORDER)):
            raise PermissionDenied
        try:
            order = services.estimate_convert(estimate=estimate, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect(reverse("admin:orders_estimate_change", args=[estimate.pk]))
        audit_events.object_saved(request=request, obj=order, created=True)
        self.message_user(request, gettext("Order %(number)s was made from this estimate.") % {"number": order.number},
                          messages.SUCCESS)
        return redirect(reverse("admin:orders_order_change", args=[order.pk]))

    def response_change(self, request, obj):
        # 「受注に変換」 submits the estimate's own form (the button's form= attribute): what was typed is
        # saved first, through the form's checks and its version, and only then converted. A form with an
        # error or a stale version never gets here: the screen comes back with what was typed.
        if CONVERT in request.POST:
            return self.convert_view(request, obj.pk)
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        tools = []
        if obj is not None and obj.pk:
            if self.has_print_permission(request, obj):
                tools.append((gettext("Estimate (PDF)"), reverse("admin:orders_estimate_pdf", args=[obj.pk]),
                              "estimate"))
        context["document_tools"] = tools
        context["convert_name"] = CONVERT
        context["convert_url"] = (
            reverse("admin:orders_estimate_convert", args=[obj.pk])
            if obj is not None and obj.pk and obj.status != Estimate.Status.ORDERED
            and self.has_change_permission(request, obj) and request.user.has_perm(codes.ADD_ORDER) else None)
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Medium)
class MediumAdmin(KokyakuAdmin):
    list_display = ["code", "name", "position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


class ShippingFeeBandInline(TabularInline):
    model = ShippingFeeBand
    fields = ["from_amount", "fee"]
    tab = False


@admin.register(OrderSettings)
class OrderSettingsAdmin(KokyakuAdmin):
    """受注設定: one row; the list opens it."""

    inlines = [ShippingFeeBandInline]
    fieldsets = [
        (_("Consumption tax"), {"fields": [("rounding", "prices_include_tax")]}),
        (_("Issuer (qualified invoices)"), {"fields": [("issuer_name", "registration_number"),
                                                       ("issuer_postal_code", "issuer_address", "issuer_tel")]}),
        (_("Shipping and estimates"), {"fields": [("shipping_free_from", "estimate_valid_days")]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect(reverse("admin:orders_ordersettings_change", args=[OrderSettings.current().pk]))
