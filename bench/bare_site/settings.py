"""Bench-only settings: the product's, plus one bare endpoint (``bench/intake.py``).

Never part of the product: ``fengqiao serve`` runs with these only when the bench sets
``DJANGO_SETTINGS_MODULE=bench.bare_site.settings`` and puts the repository on PYTHONPATH.
"""

from fengqiao.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_site.urls"
