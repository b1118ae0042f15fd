"""The sample project's Celery application: jobs the `worker` process runs (Procfile).

Its settings are Django's, under CELERY_* names (wharfdemo/settings.py): the
broker is the Redis the deploy names in REDIS_URL. Without one, jobs run
inline in the request (development, tests, sites deployed without Redis).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wharfdemo.settings")

app = Celery("wharfdemo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
