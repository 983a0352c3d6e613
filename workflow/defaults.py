"""The handoff statuses and the company calendar a new office starts with (W1).

The data migration makes them (with its historical models); after a flush (`manage.py flush`, a
transactional test) the post_migrate hook in workflow.apps makes them again, so an office is never left
without statuses. Status names are data the admins rename, not interface strings.
"""

# name, order, alert minutes, pauses the clock, is the handoff status, is closed, may go to
STATUSES = [
    ("受付", 10, 240, False, False, False, ["引継中", "完了"]),
    ("引継中", 20, 480, False, True, False, ["対応中", "保留", "完了"]),
    ("対応中", 30, 2400, False, False, False, ["保留", "完了"]),
    ("保留", 40, None, True, False, False, ["対応中", "完了"]),
    ("完了", 50, None, False, False, True, []),
]


def defaults_create(status_model, calendar_model, using: str = "default") -> None:
    """Make the default statuses and the calendar's row when there are no statuses at all (an office that
    renamed or trimmed its statuses keeps them as they are)."""
    statuses = status_model.objects.using(using)
    if statuses.exists():
        return
    made = {}
    for name, order, minutes, pauses, handoff, closed, _next in STATUSES:
        made[name] = statuses.create(name=name, order=order, alert_minutes=minutes, pauses_clock=pauses,
                                     is_handoff=handoff, is_closed=closed)
    for name, *_rest, following in STATUSES:
        made[name].next_statuses.set([made[n] for n in following])
    calendar_model.objects.using(using).get_or_create(pk=1)
