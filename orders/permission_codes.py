"""The orders app's permission codes, by name (the core's are crm/permission_codes.py). Which role gets
which is orders.roles' (granted through crm.extensions, and to existing role groups after a migrate)."""

VIEW_ORDER = "orders.view_order"
ADD_ORDER = "orders.add_order"
VIEW_ESTIMATE = "orders.view_estimate"
ADD_ESTIMATE = "orders.add_estimate"
VIEW_MEDIUM = "orders.view_medium"
CHANGE_SETTINGS = "orders.change_ordersettings"
