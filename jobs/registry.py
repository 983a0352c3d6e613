"""Which function runs each kind of job. Apps register theirs when they load (AppConfig.ready)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class JobKind:
    run: Callable  # run(job, reporter) -> None; fills job.result / result_file, raises to fail
    result_template: str = ""  # the job page's part that shows the result
    context: Callable | None = None  # context(request, job) -> dict for that part


KINDS: dict[str, JobKind] = {}


def register(kind: str, *, result_template: str = "", context: Callable | None = None):
    def decorator(function):
        KINDS[kind] = JobKind(run=function, result_template=result_template, context=context)
        return function

    return decorator


def get(kind: str) -> JobKind:
    return KINDS[kind]
