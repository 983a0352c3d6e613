"""What each role (crm.roles) may do with handoffs (W1), granted through crm.extensions (hooks.py):
everyone sees handoffs; who edits customers hands inquiries over and changes their status; the
calendar, the statuses and the outbox are 管理者's (workflow.*)."""

VIEW = ["view_handoff", "view_handoffevent", "view_handoffstatus"]
WORK = VIEW + ["add_handoff", "change_handoff"]
