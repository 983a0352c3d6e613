"""Bulk mail's permission codes, by name. Which role gets which is mailing.hooks' (crm.extensions.grant):
who edits customers may send bulk mail (一般 and its variants), 参照のみ may not; the templates and the
rate are 管理者's (mailing.*)."""

SEND_MAIL = "mailing.send_campaign"
VIEW_CAMPAIGN = "mailing.view_campaign"
VIEW_TEMPLATE = "mailing.view_mailtemplate"

MAIL_WORK = [SEND_MAIL, VIEW_CAMPAIGN, VIEW_TEMPLATE]
