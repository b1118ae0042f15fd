"""Wagtail's bakerydemo, unmodified, deployed from inventory variables only.

The archive in the fixtures is unpacked as published; the inventory
(molecule.yml) is what `make onboard` writes for it plus a superuser. The
tests load its demo data through the manage wrapper, read its pages, images
(renditions from /media/) and static files through nginx, upload an image
through the Wagtail admin, and deploy a new commit of it under load.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil

import pytest
from wharf_verifier import ROOT, Site, connect, make_png, molecule_hosts, post_form
from wharf_verifier.projects import (
    EPHEMERAL,
    PROJECTS,
    assert_unpacked_as_published,
    manage,
    shell,
)
from wharf_verifier.rollout import (
    assert_no_failed_requests,
    deploy,
    published_port,
    report,
    under_load,
)

PROJECT = PROJECTS / "bakerydemo"
MEDIA = f"{ROOT}/shared/media"
MARKER = "<!-- a second commit of bakerydemo -->"


@pytest.fixture(scope="module")
def demo_data() -> None:
    """The project's own demo data, loaded once (its command is not idempotent)."""
    host = connect(molecule_hosts()[0])
    loaded = shell(
        host, "from wagtail.models import Page; print(Page.objects.filter(slug='breads').exists())"
    )
    if loaded != "True":
        output = manage(host, "load_initial_data")
        assert "Your data is loaded" in output, output


@pytest.fixture
def site(host) -> Site:
    return Site(host)


def media_urls(page: bytes) -> list[str]:
    return sorted(set(re.findall(r'src="(/media/images/[^"]+)"', page.decode())))


def test_the_project_is_deployed_as_its_authors_publish_it(host):
    """Every file of the archive is on the controller and in the serving release unchanged."""
    assert assert_unpacked_as_published("bakerydemo") > 100
    settings = "bakerydemo/settings/production.py"
    on_host = host.check_output(f"sha256sum {ROOT}/current/code/{settings}").split()[0]
    assert on_host == hashlib.sha256((PROJECT / settings).read_bytes()).hexdigest()


def test_the_project_runs_under_its_own_settings_through_wharfs_overlay(host):
    code = (
        "from django.conf import settings; import json; print(json.dumps("
        "[settings.SETTINGS_MODULE, settings.WAGTAIL_SITE_NAME,"
        " settings.DATABASES['default']['ENGINE'], str(settings.MEDIA_ROOT)]))"
    )
    assert json.loads(shell(host, code)) == [
        "wharf_settings",
        "The Wagtail Bakery",
        "django.db.backends.postgresql",
        MEDIA,
    ]


def test_the_home_page_of_the_demo_data_answers(site, demo_data):
    response = site.get("/")
    assert response.status == 200
    assert b"Wagtail Bakery" in response.body or b"bakery" in response.body.lower()
    assert response.header("content-type").startswith("text/html")


def test_image_renditions_are_served_from_media_by_nginx(host, site, demo_data):
    urls = media_urls(site.get("/").body)
    assert urls, "the home page shows no image from /media/"
    for url in urls[:6]:
        response = site.get(url)
        assert response.status == 200, url
        assert response.header("content-type").startswith("image/"), url
        on_disk = host.check_output(f"sha256sum {shlex.quote(MEDIA + url[len('/media') :])}")
        assert response.sha256 == on_disk.split()[0], url
    assert f"alias {MEDIA}/;" in host.check_output("nginx -T 2>/dev/null")


def test_static_files_have_hashed_names_and_immutable_caching(site, demo_data):
    page = site.get("/").body.decode()
    urls = re.findall(r'"(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"', page)
    assert urls, "the home page links no hashed static file"
    response = site.get(urls[0])
    assert response.status == 200
    assert "immutable" in response.header("cache-control")


def sign_in_to_the_admin(site: Site) -> None:
    password = (EPHEMERAL / "baker_password").read_text().strip()
    response = post_form(site, "/admin/login/", {"username": "baker", "password": password})
    assert response.status == 302, f"admin sign-in -> {response.status}"
    assert site.get("/admin/").status == 200


def test_an_image_uploaded_through_the_admin_reads_back_byte_identical(host, site, demo_data):
    sign_in_to_the_admin(site)
    digest = make_png(host, "/tmp/wharf-bakery-upload.png", seed=1402, size=64, noise=True)
    collection = shell(
        host, "from wagtail.models import Collection; print(Collection.get_first_root_node().id)"
    )
    fields = {
        "title": "Uploaded by Wharf's verifier",
        "file": "@/tmp/wharf-bakery-upload.png;type=image/png",
        "collection": collection,
        "tags": "",
    }
    response = post_form(site, "/admin/images/add/", fields, multipart=True)
    assert response.status == 302, f"image upload -> {response.status}"
    name = shell(
        host,
        "from wagtail.images import get_image_model; "
        'print(get_image_model().objects.get(title="Uploaded by Wharf\'s verifier").file.name)',
    )
    assert host.file(f"{MEDIA}/{name}").exists
    stored = site.get(f"/media/{name}")
    assert stored.status == 200
    assert stored.sha256 == digest


def test_a_new_commit_deploys_under_load_with_no_failed_request(
    host, site, demo_data, tmp_path, capsys
):
    page = site.get("/").body.decode()
    # One page in eight requests: a Wagtail page costs the 2-core host about
    # 70 ms, and the deploy must not have to fight a saturated machine.
    statics = re.findall(r'"(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"', page)
    paths = ["/", *statics[:3], *media_urls(page.encode())[:4]]
    assert len(paths) == 8, paths
    venvs = host.check_output(f"ls {ROOT}/venvs")
    # The author's next commit: a template change, the same requirements.
    source = tmp_path / "bakerydemo"
    shutil.copytree(PROJECT, source)
    base = source / "bakerydemo" / "templates" / "base.html"
    base.write_text(base.read_text() + MARKER + "\n")

    result, counts = under_load(
        published_port(molecule_hosts()[0]),
        paths,
        lambda: deploy(source, "-e", json.dumps({"wharf_django_version": "2"})),
        capsys,
    )
    report(capsys, result.stdout[-1200:])
    assert result.returncode == 0, result.stdout[-4000:]
    assert_no_failed_requests(counts)
    assert MARKER in site.get("/").body.decode()
    assert json.loads(site.get("/.wharf/health").body)["version"] == "2"
    # Code only: the release links the virtualenv it had; nothing was installed.
    assert host.check_output(f"ls {ROOT}/venvs") == venvs
