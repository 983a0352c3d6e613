"""名寄せ screens (S6): the groups of probable duplicates, side-by-side comparison and merge, undo."""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from unfold.admin import ModelAdmin

from crm import dates
from crm import permissions as crm_permissions
from crm.admin.base import AuditedAdminMixin
from crm.models import Customer
from fieldconfig.lookup import config
from jobs import services as job_services
from jobs.models import Job

from . import merging, permissions
from .models import DuplicateGroup, MergeRecord

GROUPS_PER_PAGE = 20
SHOWN = ["code", "branch", "last_name", "first_name", "company_name", "tel", "mobile", "email", "address"]


class MergeScreenMixin(AuditedAdminMixin):
    def has_module_permission(self, request):
        return permissions.can_merge(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_merge(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _check(self, request):
        if not permissions.can_merge(request.user):
            raise PermissionDenied


def _customers(user, ids) -> dict[int, Customer]:
    return {c.pk: c for c in crm_permissions.visible_customers(user).filter(pk__in=ids).select_related("branch")}


@admin.register(DuplicateGroup)
class DuplicateGroupAdmin(MergeScreenMixin, ModelAdmin):
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("find/", wrap(require_POST(self.find_view)), name="dataio_duplicategroup_find"),
        ] + super().get_urls()

    def latest_job(self):
        return Job.objects.filter(kind="find_duplicates", state=Job.State.SUCCEEDED).order_by("-finished_at").first()

    def changelist_view(self, request, extra_context=None):
        self._check(request)
        job = self.latest_job()
        page, rows = None, []
        if job is not None:
            page = Paginator(job.duplicate_groups.order_by("position"), GROUPS_PER_PAGE).get_page(request.GET.get("p"))
            groups = list(page)
            ids = [pk for g in groups for pk in g.customer_ids]
            found = _customers(request.user, ids)
            existing = set(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True))
            for group in groups:
                members = [found[pk] for pk in group.customer_ids if pk in found]
                # A group is shown while two of its customers remain (others may be merged since),
                # and only when this admin may see every one left (branch scope).
                alive = [pk for pk in group.customer_ids if pk in existing]
                if len(members) >= 2 and len(members) == len(alive):
                    rows.append((group, members))
        shown = [name for name in SHOWN if name not in crm_permissions.invisible_fields(request.user, "customer")]
        field = Customer._meta.get_field
        context = {
            **self.admin_site.each_context(request),
            "title": _("Duplicates (名寄せ)"), "opts": self.model._meta, "job": job, "page": page,
            "rows": [(group, [(m, [_display(m, field(name)) for name in shown]) for m in members])
                     for group, members in rows],
            "labels": [config().label("customer", name) for name in shown],
        }
        return TemplateResponse(request, "dataio/duplicates.html", context)

    def find_view(self, request):
        self._check(request)
        job = job_services.start_job(kind="find_duplicates", owner=request.user, title=_("Find duplicates"))
        return redirect(reverse("admin:jobs_job_change", args=[job.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Side by side: choose the customer to keep and, field by field, the value it keeps."""
        self._check(request)
        group = DuplicateGroup.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if group is None:
            raise Http404
        found = _customers(request.user, group.customer_ids)
        members = [found[pk] for pk in group.customer_ids if pk in found]
        if len(members) < 2:
            messages.info(request, _("This group has fewer than two customers left."))
            return redirect(reverse("admin:dataio_duplicategroup_changelist"))
        fields = merging.mergeable_fields(request.user)
        if request.method == "POST":
            try:
                survivor_id = int(request.POST.get("survivor", ""))
                ids = [int(pk) for pk in request.POST.getlist("merge")]
                choices = {name: int(request.POST[f"f_{name}"]) for name in fields if request.POST.get(f"f_{name}")}
                # the versions the page showed (issue 24.3): a customer changed since is not merged
                versions = {pk: int(request.POST[f"version_{pk}"]) for pk in [survivor_id, *ids]
                            if request.POST.get(f"version_{pk}")}
                record = merging.merge(user=request.user, survivor_id=survivor_id, ids=ids, choices=choices,
                                       versions=versions)
            except (ValueError, KeyError, ValidationError) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [])) or _("Choose the customer to keep."))
            else:
                messages.success(request, format_html(
                    _("Merged into {code}. <a href=\"{url}\">Undo</a> on the merges screen."),
                    code=record.survivor_code, url=reverse("admin:dataio_mergerecord_changelist")))
                return redirect(reverse("admin:crm_customer_change", args=[record.survivor_id]))
        snapshot = config()
        rows = []
        for name in fields:
            field = Customer._meta.get_field(name)
            cells = [(m.pk, _display(m, field)) for m in members]
            differs = len({value for _pk, value in cells}) > 1
            default = next((pk for pk, value in cells if value), members[0].pk)
            rows.append({"name": name, "label": snapshot.label("customer", name), "cells": cells,
                         "differs": differs, "default": default})
        rows.sort(key=lambda r: not r["differs"])
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compare and merge"), "opts": self.model._meta, "group": group, "members": members,
            "rows": rows,
        }
        return TemplateResponse(request, "dataio/merge.html", context)


def _display(customer, field) -> str:
    if field.is_relation:
        value = getattr(customer, field.name)
        return str(value) if value else ""
    if field.choices:
        return str(getattr(customer, f"get_{field.name}_display")())
    value = getattr(customer, field.attname)
    if isinstance(value, bool):
        return "○" if value else ""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return dates.format_date(value)  # 2026/12/03 or 令和8年12月3日, as the office set it (J2)
    return "" if value is None else str(value)


@admin.register(MergeRecord)
class MergeRecordAdmin(MergeScreenMixin, ModelAdmin):
    """統合の記録: the merges of the admin's branches (another branch's answers 404, as a missing one)."""

    list_display = ["at", "survivor_code", "merged_codes", "user", "undone_at", "undo_button"]
    ordering = ["-at", "-id"]
    # The record's page: who merged what when. The customers' rows as they were (kept for the undo)
    # are not shown: they hold every field, restricted ones included (R3).
    fields = ["at", "user", "survivor_code", "merged_codes", "undone_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return merging.visible_merge_records(request.user, super().get_queryset(request))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/undo/", wrap(self.undo_view), name="dataio_mergerecord_undo"),
        ] + super().get_urls()

    @admin.display(description=_("Merged customers"))
    def merged_codes(self, obj):
        return "、".join(m.get("code", "") for m in obj.merged)

    @admin.display(description=_("Undo"))
    def undo_button(self, obj):
        if obj.undone_at:
            return ""
        return format_html('<a class="underline text-primary-600" href="{}">{}</a>',
                           reverse("admin:dataio_mergerecord_undo", args=[obj.pk]), _("Undo this merge"))

    def changelist_view(self, request, extra_context=None):
        self._check(request)
        return super().changelist_view(request, extra_context)

    def undo_view(self, request, pk):
        """GET: what the undo brings back, and a button; POST: undo it."""
        self._check(request)
        record = self.get_queryset(request).filter(pk=pk).first()
        if record is None:
            self.object_not_found(request, pk)  # 404, logged if it exists
        if request.method != "POST":
            context = {**self.admin_site.each_context(request), "title": _("Undo this merge"),
                       "opts": self.model._meta, "record": record,
                       "moved": merging.moved_count(record)}
            return TemplateResponse(request, "dataio/merge_undo.html", context)
        try:
            survivor = merging.undo(user=request.user, record=record)
        except PermissionDenied:
            raise Http404 from None  # the kept customer has moved out of the admin's branches since
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The merge into %(code)s was undone.") % {"code": survivor.code})
        return redirect(reverse("admin:dataio_mergerecord_changelist"))
