"""The sidebar: what a Japanese office uses most comes first (顧客, histories), settings last."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _can(perm):
    return lambda request: request.user.has_perm(perm)


def _item(title, icon, url_name, perm):
    return {"title": title, "icon": icon, "link": reverse_lazy(url_name), "permission": _can(perm)}


SIDEBAR_NAVIGATION = [
    {
        "title": _("Customers"),
        "items": [
            {"title": _("Home screen"), "icon": "home", "link": reverse_lazy("admin:index")},
            _item(_("Customer list"), "contacts", "admin:crm_customer_changelist", "crm.view_customer"),
            _item(_("Contact histories"), "support_agent", "admin:crm_contacthistory_changelist", "crm.view_contacthistory"),
            _item(_("Purchase histories"), "shopping_cart", "admin:crm_purchase_changelist", "crm.view_purchase"),
            _item(_("Data imports"), "upload_file", "admin:dataio_importjob_changelist", "crm.import_customer"),
            _item(_("Data exports"), "download", "admin:dataio_exportjob_changelist", "crm.export_customer"),
            _item(_("Background jobs"), "pending_actions", "admin:jobs_job_changelist", "crm.view_customer"),
            _item(_("Duplicates (名寄せ)"), "join", "admin:dataio_duplicategroup_changelist", "crm.delete_customer"),
            _item(_("Merges"), "merge", "admin:dataio_mergerecord_changelist", "crm.delete_customer"),
        ],
    },
    {
        "title": _("Orders and estimates"),
        "items": [
            _item(_("Orders"), "receipt_long", "admin:orders_order_changelist", "orders.view_order"),
            _item(_("Estimates"), "request_quote", "admin:orders_estimate_changelist", "orders.view_estimate"),
        ],
    },
    {
        "title": _("Business events"),
        "items": [
            _item(_("Business events"), "event", "admin:events_event_changelist", "events.view_event"),
            _item(_("Event customers"), "checklist", "admin:events_eventlink_changelist", "events.view_eventlink"),
            _item(_("Gift items"), "redeem", "admin:events_giftitem_changelist", "events.view_giftitem"),
            _item(_("Mourning (喪中)"), "local_florist", "admin:events_mourning_changelist", "events.view_mourning"),
        ],
    },
    {
        "title": _("Masters"),
        "items": [
            _item(_("Products"), "inventory_2", "admin:crm_product_changelist", "crm.view_product"),
            _item(_("Customer categories"), "category", "admin:crm_customercategory_changelist", "crm.view_customercategory"),
            _item(_("Contact categories"), "label", "admin:crm_contactcategory_changelist", "crm.view_contactcategory"),
            _item(_("Branches"), "store", "admin:crm_branch_changelist", "crm.view_branch"),
            _item(_("Staff departments"), "groups", "admin:crm_staffdepartment_changelist", "crm.view_staffdepartment"),
            _item(_("Media"), "campaign", "admin:orders_medium_changelist", "orders.view_medium"),
        ],
    },
    {
        "title": _("Settings"),
        "items": [
            _item(_("Field labels"), "tune", "admin:fieldconfig_fieldsetting_changelist", "fieldconfig.view_fieldsetting"),
            _item(_("System settings"), "settings", "admin:fieldconfig_systemsetting_changelist", "fieldconfig.view_systemsetting"),
            _item(_("Order settings"), "calculate", "admin:orders_ordersettings_changelist", "orders.change_ordersettings"),
            _item(_("Staff"), "badge", "admin:crm_staff_changelist", "crm.view_staff"),
            _item(_("Roles"), "shield_person", "admin:auth_group_changelist", "auth.view_group"),
            _item(_("Audit log"), "history", "admin:audit_auditevent_changelist", "audit.view_auditevent"),
            _item(_("Login failures"), "lock", "admin:axes_accessfailurelog_changelist", "axes.view_accessfailurelog"),
            _item(_("Locked-out logins"), "lock_clock", "admin:axes_accessattempt_changelist", "axes.view_accessattempt"),
        ],
    },
]
