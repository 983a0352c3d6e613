"""The points app's permission codes, by name (the core's are crm/permission_codes.py)."""

VIEW_POINTS = "points.view_pointentry"
ADD_POINTS = "points.add_pointentry"
