"""The sidebar: what a Japanese office uses most comes first (顧客, histories), settings last."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from crm import permission_codes as codes
from events import permission_codes as event_codes
from mailing import permission_codes as mail_codes
from orders import permission_codes as order_codes
from points import permission_codes as point_codes


def _view(model: str) -> str:
    return codes.model_code("view", model)


def _can(perm):
    return lambda request: request.user.has_perm(perm)


def _item(title, icon, url_name, perm):
    return {"title": title, "icon": icon, "link": reverse_lazy(url_name), "permission": _can(perm)}


SIDEBAR_NAVIGATION = [
    {
        "title": _("Customers"),
        "items": [
            {"title": _("Home screen"), "icon": "home", "link": reverse_lazy("admin:index")},
            _item(_("Customer list"), "contacts", "admin:crm_customer_changelist", codes.VIEW_CUSTOMER),
            _item(_("Contact histories"), "support_agent", "admin:crm_contacthistory_changelist", codes.VIEW_CONTACT),
            _item(_("Handoffs"), "forward_to_inbox", "admin:workflow_handoff_changelist", "workflow.view_handoff"),
            _item(_("Bulk mails"), "mail", "admin:mailing_campaign_changelist", mail_codes.VIEW_CAMPAIGN),
            _item(_("Purchase histories"), "shopping_cart", "admin:crm_purchase_changelist", codes.VIEW_PURCHASE),
            _item(_("Point entries"), "loyalty", "admin:points_pointentry_changelist", point_codes.VIEW_POINTS),
            _item(_("Data imports"), "upload_file", "admin:dataio_importjob_changelist", codes.IMPORT_CUSTOMERS),
            _item(_("Data exports"), "download", "admin:dataio_exportjob_changelist", codes.EXPORT_CUSTOMERS),
            _item(_("Background jobs"), "pending_actions", "admin:jobs_job_changelist", codes.VIEW_CUSTOMER),
            _item(_("Duplicates (名寄せ)"), "join", "admin:dataio_duplicategroup_changelist", codes.DELETE_CUSTOMER),
            _item(_("Merges"), "merge", "admin:dataio_mergerecord_changelist", codes.DELETE_CUSTOMER),
        ],
    },
    {
        "title": _("Orders and estimates"),
        "items": [
            _item(_("Orders"), "receipt_long", "admin:orders_order_changelist", order_codes.VIEW_ORDER),
            _item(_("Estimates"), "request_quote", "admin:orders_estimate_changelist", order_codes.VIEW_ESTIMATE),
        ],
    },
    {
        "title": _("Business events"),
        "items": [
            _item(_("Business events"), "event", "admin:events_event_changelist", event_codes.VIEW_EVENT),
            _item(_("Event customers"), "checklist", "admin:events_eventlink_changelist", event_codes.VIEW_LINK),
            _item(_("Gift items"), "redeem", "admin:events_giftitem_changelist", event_codes.VIEW_GIFT),
            _item(_("Mourning (喪中)"), "local_florist", "admin:events_mourning_changelist", event_codes.VIEW_MOURNING),
        ],
    },
    {
        "title": _("Masters"),
        "items": [
            _item(_("Products"), "inventory_2", "admin:crm_product_changelist", codes.VIEW_PRODUCT),
            _item(_("Customer categories"), "category", "admin:crm_customercategory_changelist", _view("crm.customercategory")),
            _item(_("Contact categories"), "label", "admin:crm_contactcategory_changelist", _view("crm.contactcategory")),
            _item(_("Branches"), "store", "admin:crm_branch_changelist", _view("crm.branch")),
            _item(_("Staff departments"), "groups", "admin:crm_staffdepartment_changelist", _view("crm.staffdepartment")),
            _item(_("Media"), "campaign", "admin:orders_medium_changelist", order_codes.VIEW_MEDIUM),
            _item(_("Handoff statuses"), "alarm", "admin:workflow_handoffstatus_changelist", "workflow.view_handoffstatus"),
        ],
    },
    {
        "title": _("Settings"),
        "items": [
            _item(_("Field labels"), "tune", "admin:fieldconfig_fieldsetting_changelist", _view("fieldconfig.fieldsetting")),
            _item(_("System settings"), "settings", "admin:fieldconfig_systemsetting_changelist", _view("fieldconfig.systemsetting")),
            _item(_("Order settings"), "calculate", "admin:orders_ordersettings_changelist", order_codes.CHANGE_SETTINGS),
            _item(_("Company calendar"), "calendar_month", "admin:workflow_companycalendar_changelist",
                  "workflow.change_companycalendar"),
            _item(_("Closed days"), "event_busy", "admin:workflow_closedday_changelist", "workflow.view_closedday"),
            _item(_("Mail templates"), "drafts", "admin:mailing_mailtemplate_changelist", mail_codes.VIEW_TEMPLATE),
            _item(_("Bulk mail settings"), "speed", "admin:mailing_mailsettings_changelist",
                  "mailing.change_mailsettings"),
            _item(_("Outgoing mail"), "outgoing_mail", "admin:workflow_outbox_changelist", "workflow.view_outbox"),
            _item(_("Staff"), "badge", "admin:crm_staff_changelist", _view("crm.staff")),
            _item(_("Roles"), "shield_person", "admin:auth_group_changelist", _view("auth.group")),
            _item(_("API clients"), "hub", "admin:api_apiclient_changelist", _view("api.apiclient")),
            _item(_("API tokens"), "key", "admin:api_apitoken_changelist", _view("api.apitoken")),
            _item(_("Web forms"), "dynamic_form", "admin:inquiry_inquiryform_changelist", _view("inquiry.inquiryform")),
            _item(_("Audit log"), "history", "admin:audit_auditevent_changelist", _view("audit.auditevent")),
            _item(_("Login failures"), "lock", "admin:axes_accessfailurelog_changelist", _view("axes.accessfailurelog")),
            _item(_("Locked-out logins"), "lock_clock", "admin:axes_accessattempt_changelist", _view("axes.accessattempt")),
        ],
    },
]
