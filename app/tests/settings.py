"""Test settings: the real settings module, fed a test environment.

Setting the variables here (not in conftest) matters because pytest-django
imports settings before any conftest runs.
"""

import os
import tempfile
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="wharfdemo-tests-"))

os.environ.setdefault("SECRET_KEY", "test-only-" + "k" * 50)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP}/db.sqlite3")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("UPLOAD_MAX_BYTES", str(64 * 1024))
# The manifest storage needs collectstatic to have run; unit tests render
# templates without it.
os.environ.setdefault(
    "STATICFILES_STORAGE_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
os.environ.setdefault("MEDIA_ROOT", str(_TMP / "media"))
# The test client speaks plain http; https is nginx's job in production.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from wharfdemo.settings import *  # noqa: E402, F403
