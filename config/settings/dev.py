from .base import *  # noqa: F401,F403  (the one sanctioned star import: settings layering)

DEBUG = True
