"""Benchmarks (python -m bench.run): production-like (DEBUG off), served in-process by the test Client."""

from .base import *  # noqa: F401,F403

DEBUG = False
ALLOWED_HOSTS = ["*"]  # the test Client's "testserver"
