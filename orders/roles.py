"""What each role (crm.roles) may do with orders and estimates.

Everyone who sees customers sees their orders and estimates; the roles that edit customers take
orders, register shipments and payments, and write estimates; 管理者 also deletes orders and keeps the
媒体 master and the order settings. Printing (見積書, 請求書, 納品書) asks crm's print permission, exporting crm's export
permission, through crm.permissions, like every other printout and export. These lists are granted
through crm.extensions.grant (orders/integration.py); crm gives them to the role groups after a migrate.
"""

DOCUMENTS = ["order", "orderline", "payment", "estimate", "estimateline"]
VIEW = [f"view_{m}" for m in DOCUMENTS + ["medium"]]  # the settings are the admins'
# An order, once taken, is deleted by 管理者 only (its lines and a wrong payment may be removed by who edits it).
WORK = VIEW + [f"{action}_{m}" for m in DOCUMENTS for action in ("add", "change", "delete")
               if (action, m) != ("delete", "order")]
