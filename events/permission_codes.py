"""The events app's permission codes, by name (the core's are crm/permission_codes.py). Which role gets
which is events.hooks' (crm.extensions.grant)."""

VIEW_EVENT = "events.view_event"
ADD_EVENT = "events.add_event"
MANAGE_EVENTS = "events.change_event"  # make, close and carry over events
VIEW_LINK = "events.view_eventlink"
ADD_LINK = "events.add_eventlink"  # add customers to an event (業務イベントに追加)
CHANGE_LINK = "events.change_eventlink"
DELETE_LINK = "events.delete_eventlink"
VIEW_GIFT = "events.view_giftitem"
VIEW_MOURNING = "events.view_mourning"
ADD_MOURNING = "events.add_mourning"
CHANGE_MOURNING = "events.change_mourning"
DELETE_MOURNING = "events.delete_mourning"

EVENT_VIEW = [VIEW_EVENT, VIEW_LINK, VIEW_GIFT, VIEW_MOURNING]
EVENT_WORK = [ADD_LINK, CHANGE_LINK, DELETE_LINK, ADD_MOURNING, CHANGE_MOURNING, DELETE_MOURNING]
