"""Which function runs each kind of job. Apps register theirs when they load (AppConfig.ready).

A kind also declares what its owner must still hold when it runs and when its result is
downloaded (`needs`: permission codes, named to the owner as `action`): jobs.access asks
crm.permissions with them, so the jobs app knows no feature of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class JobKind:
    run: Callable  # run(job, reporter) -> None; fills job.result / result_file, raises to fail
    result_template: str = ""  # the job page's part that shows the result
    context: Callable | None = None  # context(request, job) -> dict for that part
    needs: tuple[str, ...] = ()  # permission codes the owner must hold when it runs and at the download
    action: str = ""  # what those permissions allow, for the refusal: 「出力」の権限がなくなったため…


KINDS: dict[str, JobKind] = {}


def register(kind: str, *, result_template: str = "", context: Callable | None = None, needs: tuple[str, ...] = (),
             action: str = ""):
    def decorator(function):
        KINDS[kind] = JobKind(run=function, result_template=result_template, context=context, needs=tuple(needs),
                              action=action)
        return function

    return decorator


def get(kind: str) -> JobKind:
    return KINDS[kind]


# What a worker does when it starts and after it reconnected to the database (jobs_worker): an app's
# periodic task queued again, say. Registered in AppConfig.ready(); each must be safe to call repeatedly.
WORKER_START_HOOKS: list[Callable[[], object]] = []


def on_worker_start(function: Callable[[], object]) -> Callable[[], object]:
    WORKER_START_HOOKS.append(function)
    return function


def worker_started() -> None:
    for hook in WORKER_START_HOOKS:
        hook()
