"""Other apps' periodic work, run with the scheduled changes: by cron's `manage.py run_scheduled` and
by the worker's periodic run (scheduling.tasks). Each is registered from its AppConfig.ready() with
`add(name, function)`; `function(now=None) -> int` must be idempotent (a second run changes nothing
more) and safe beside another run. Called in registration order; one that raises is logged and the
others still run."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)
_PERIODIC: dict[str, Callable[..., int]] = {}


def add(name: str, function: Callable[..., int]) -> None:
    _PERIODIC[name] = function


def run_all(now=None) -> dict[str, int | None]:
    results: dict[str, int | None] = {}
    for name, function in _PERIODIC.items():
        try:
            results[name] = function(now=now)
        except Exception:
            logger.exception("periodic work %s failed", name)
            results[name] = None
    return results
