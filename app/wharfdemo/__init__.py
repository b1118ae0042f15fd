# Celery's app loads with Django, so tasks queued from views find it.
from .celery import app as celery_app

__all__ = ["celery_app"]
