#!/usr/bin/env python3
"""A small process supervisor for `make run` and `make serve-prod` (no Django, standard library only).

    python tools/supervise.py 'web=gunicorn …' 'worker=python manage.py jobs_worker'

Starts each command; when one ends (a crash, kill -9, out of memory) it is started again after a pause
that grows while it keeps failing (1, 2, 4 … 30 s; back to 1 s once it ran a minute), and the others go
on serving. Ctrl-C or SIGTERM stops them all: TERM to each (a worker finishes its job), KILL after
STOP_GRACE_SECONDS (30). Each line of output is prefixed with its name.
"""

import os
import shlex
import signal
import subprocess
import sys
import threading
import time

STOP_GRACE = float(os.environ.get("STOP_GRACE_SECONDS", "30"))
STEADY_SECONDS = 60
MAX_PAUSE = 30


class Process:
    def __init__(self, name: str, command: str):
        self.name, self.command = name, command
        self.popen: subprocess.Popen | None = None
        self.started = 0.0
        self.pause = 1.0
        self.restart_at = 0.0

    def start(self) -> None:
        self.popen = subprocess.Popen(shlex.split(self.command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      start_new_session=True, text=True, errors="replace")
        self.started = time.monotonic()
        threading.Thread(target=self._copy_output, args=(self.popen,), daemon=True).start()
        say(f"{self.name}: started (pid {self.popen.pid})")

    def _copy_output(self, popen) -> None:
        for line in popen.stdout:
            sys.stdout.write(f"{self.name} | {line}")
            sys.stdout.flush()

    def signal(self, signum: int) -> None:
        if self.popen is not None and self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signum)
            except ProcessLookupError:
                pass


def say(text: str) -> None:
    print(f"supervise: {text}", flush=True)


def main(specs: list[str]) -> int:
    processes = []
    for spec in specs:
        name, _, command = spec.partition("=")
        if not command:
            sys.exit(f"usage: supervise.py NAME=COMMAND …  (got {spec!r})")
        processes.append(Process(name, command))
    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for process in processes:
        process.start()
    while not stopping.wait(0.5):
        now = time.monotonic()
        for process in processes:
            if process.popen is None:
                if now >= process.restart_at:
                    process.start()
                continue
            code = process.popen.poll()
            if code is None:
                continue
            ran = now - process.started
            process.pause = 1.0 if ran > STEADY_SECONDS else min(process.pause * 2, MAX_PAUSE)
            say(f"{process.name}: ended with {code} after {ran:.0f} s; starting again in {process.pause:.0f} s")
            process.popen, process.restart_at = None, now + process.pause
    say("stopping")
    for process in processes:
        process.signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for process in processes:
        if process.popen is None:
            continue
        try:
            process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.signal(signal.SIGKILL)
            process.popen.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
