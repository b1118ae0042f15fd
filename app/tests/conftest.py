from pathlib import Path

import pytest
from django.core.cache import cache


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # imagekit remembers which thumbnails exist; every test starts empty.
    cache.clear()
    return Path(settings.MEDIA_ROOT)
