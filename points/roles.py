"""What each role (crm.roles) may do with points: everyone who sees customers sees their points; the
roles that edit customers add entries (through the API, as the till's staff member); nobody changes or
deletes an entry (a correction is an entry of the opposite sign). Granted through crm.extensions.grant
(points/hooks.py); crm gives them to the role groups after a migrate."""

VIEW = ["view_pointentry"]
WORK = VIEW + ["add_pointentry"]
