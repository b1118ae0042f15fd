"""Static files and media in S3 (moto's server at s3.wharf.test:9000).

Reads go through the S3 API with boto3 from moto's own virtualenv on the
host (the test fixture's, not the deploy's), and browsers' requests are curl
on the host - against nginx for pages, against the endpoint for the URLs the
pages hand out.
"""

import json
import os
import re
import secrets
import shlex
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import wharf_verifier as shared
from wharf_verifier.rollout import flat

ENDPOINT = "http://s3.wharf.test:9000"
FILES, PRIVATE = "wharfdemo-files", "wharfdemo-private"
OFFSITE_ENV = "/etc/wharf/backup/wharfdemo/offsite.env"
RUNS = "/var/backups/wharf/wharfdemo/runs"
EXPIRE_SECONDS = 120
PASSWORD = "correct-horse-" + secrets.token_hex(4)
# Image contents unique to this run: a verify run again finds only its own uploads.
RUN = secrets.randbelow(1 << 16) << 8

_S3_CALL = """
import json, sys
import boto3
from botocore.exceptions import ClientError
client = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                      aws_access_key_id="verifier", aws_secret_access_key="verifier")
try:
    print(json.dumps(getattr(client, sys.argv[2])(**json.loads(sys.argv[3])), default=str))
except ClientError as error:
    print(json.dumps({"Error": error.response["Error"]["Code"]}))
"""


def s3(host, operation: str, **params) -> dict:
    """One S3 API call from the host; a ClientError comes back as {"Error": code}."""
    command = shlex.join(
        ["/opt/moto/bin/python", "-c", _S3_CALL, ENDPOINT, operation, json.dumps(params)]
    )
    return json.loads(host.check_output(command))


def keys(host, bucket: str, prefix: str) -> list[str]:
    listing = s3(host, "list_objects_v2", Bucket=bucket, Prefix=prefix, MaxKeys=1000)
    return [item["Key"] for item in listing.get("Contents", [])]


def read_object(host, bucket: str, key: str, answer: str) -> str:
    """`answer`, a Python expression of the object's bytes `body`, printed on the host."""
    script = (
        "import boto3, hashlib, sys; "
        f"c = boto3.client('s3', endpoint_url='{ENDPOINT}', region_name='us-east-1', "
        "aws_access_key_id='v', aws_secret_access_key='v'); "
        "body = c.get_object(Bucket=sys.argv[1], Key=sys.argv[2])['Body'].read(); "
        f"print({answer})"
    )
    return host.check_output(shlex.join(["/opt/moto/bin/python", "-c", script, bucket, key]))


def object_sha256(host, bucket: str, key: str) -> str:
    return read_object(host, bucket, key, "hashlib.sha256(body).hexdigest()")


def fetch(host, url: str) -> shared.Response:
    """GET a URL the page handed out, as the browser would (no cookies, no redirects)."""
    raw = host.run(
        f"curl -sS -o /tmp/wharf-s3-body -w '%{{http_code}}' {shlex.quote(url)}"
        " && echo && sha256sum /tmp/wharf-s3-body"
    ).stdout.split()
    return shared.Response(int(raw[0]), {}, b"", raw[1] if len(raw) > 1 else "")


@pytest.fixture
def site(host):
    return shared.Site(host)


def test_collectstatic_put_hashed_files_in_the_bucket(host):
    static = keys(host, FILES, "static/")
    assert "static/staticfiles.json" in static
    assert any(re.fullmatch(r"static/site/site\.[0-9a-f]{12}\.css", key) for key in static)
    assert any(re.fullmatch(r"static/admin/css/base\.[0-9a-f]{12}\.css", key) for key in static)
    # Nothing was collected onto the host's disk.
    assert host.run("find /srv/wharfdemo/shared/static -type f | head -1").stdout == ""


def test_page_static_urls_point_at_the_bucket_and_load(host, site):
    page = site.get("/").body.decode()
    urls = re.findall(r'(?:href|src)="([^"]+/static/[^"]+)"', page)
    assert urls, "no static URL on the home page"
    for url in urls:
        assert url.startswith(f"{ENDPOINT}/{FILES}/static/"), url
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|png)$", url), f"{url} is not a hashed name"
        assert "X-Amz-Signature" not in url, "static URLs are public, never signed"
    css = next(url for url in urls if "/site/site." in url and url.endswith(".css"))
    response = fetch(host, css)
    original = "/srv/wharfdemo/current/code/static/site/site.css"
    source = host.check_output(f"sha256sum {original}").split()[0]
    assert (response.status, response.sha256) == (200, source)


def upload(site, host, seed: int, name: str = "avatar.png") -> str:
    path = f"/tmp/{name}"
    digest = shared.make_png(host, path, seed=seed, size=120)
    response = shared.upload_avatar(site, f"S3 {seed}", path)
    assert response.status == 302, f"avatar upload -> {response.status}"
    return digest


def media_keys_with(host, digest: str) -> list[str]:
    now = datetime.now(UTC)
    prefix = f"media/avatars/{now:%Y}/{now:%m}/"
    return [key for key in keys(host, FILES, prefix) if object_sha256(host, FILES, key) == digest]


def test_avatar_goes_to_the_bucket_not_the_disk(host, site):
    digest = upload(site, host, seed=RUN + 31)
    assert len(media_keys_with(host, digest)) == 1
    found = host.run(
        "find /srv/wharfdemo \\( -path '/srv/wharfdemo/releases/*/code' -o -path"
        " /srv/wharfdemo/venvs \\) -prune -o -type f -name '*.png' -print"
    )
    assert found.stdout.strip() == "", f"uploads on the app host's disk: {found.stdout}"
    # The page links the avatar by a pre-signed URL (the bucket is not public).
    page = site.get("/").body.decode()
    avatar_urls = re.findall(r'href="([^"]+/media/avatars/[^"]+)"', page)
    assert avatar_urls and all("X-Amz-Signature=" in url for url in avatar_urls)
    fetched = [fetch(host, url.replace("&amp;", "&")).sha256 for url in avatar_urls]
    assert digest in fetched, "no avatar link on the page fetches the uploaded bytes"


def test_thumbnail_object_is_written_to_the_bucket(host, site):
    upload(site, host, seed=RUN + 32)
    thumbnails = keys(host, FILES, "media/thumbnails/avatars/")
    assert any(key.endswith(".webp") for key in thumbnails)
    page = site.get("/").body.decode()
    thumb_url = re.search(r'src="([^"]+/media/thumbnails/[^"]+\.webp[^"]*)"', page).group(1)
    assert fetch(host, thumb_url.replace("&amp;", "&")).status == 200


def test_same_name_uploaded_twice_keeps_both(host, site):
    first = upload(site, host, seed=RUN + 33, name="same.png")
    second = upload(site, host, seed=RUN + 33, name="same.png")
    assert first == second
    assert len(media_keys_with(host, first)) == 2


def test_private_document_is_reached_through_a_presigned_url(host):
    shared.create_user(host, "alice", PASSWORD)
    alice = shared.Site(host, session="s3-alice")
    shared.sign_in(alice, "alice", PASSWORD)
    digest = shared.make_file(host, "/tmp/wharf-s3-private.pdf")
    document_id = shared.upload_document(alice, "Contract", "/tmp/wharf-s3-private.pdf")

    response = alice.get(f"/documents/{document_id}/")
    assert response.status == 302
    location = response.header("location")
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == ENDPOINT
    assert parts.path.startswith(f"/{PRIVATE}/documents/")
    assert query["X-Amz-Expires"] == [str(EXPIRE_SECONDS)]
    assert "X-Amz-Signature" in query
    assert fetch(host, location).sha256 == digest

    # Stored in the private bucket only.
    key = parts.path.removeprefix(f"/{PRIVATE}/")
    assert object_sha256(host, PRIVATE, key) == digest
    assert not [k for k in keys(host, FILES, "") if k.endswith(key.rsplit("/", 1)[-1])]
    stranger = shared.Site(host, session="s3-anonymous")
    host.run(f"rm -f {stranger.jar}")
    assert stranger.get(f"/documents/{document_id}/").status == 403


@pytest.mark.parametrize("bucket", [FILES, PRIVATE])
def test_bucket_settings_read_back_as_configured(host, bucket):
    assert s3(host, "get_bucket_versioning", Bucket=bucket)["Status"] == "Enabled"
    ownership = s3(host, "get_bucket_ownership_controls", Bucket=bucket)
    assert ownership["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    encryption = s3(host, "get_bucket_encryption", Bucket=bucket)
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    lifecycle = s3(host, "get_bucket_lifecycle_configuration", Bucket=bucket)
    rules = {rule["ID"]: rule for rule in lifecycle["Rules"]}
    abort = rules["wharf-abort-incomplete-multipart"]
    assert abort["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 3
    noncurrent = rules["wharf-expire-noncurrent-versions"]
    assert noncurrent["NoncurrentVersionExpiration"]["NoncurrentDays"] == 14
    assert {abort["Status"], noncurrent["Status"]} == {"Enabled"}

    block = s3(host, "get_public_access_block", Bucket=bucket)["PublicAccessBlockConfiguration"]
    public_static = bucket == FILES
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": not public_static,
        "RestrictPublicBuckets": not public_static,
    }
    policy = s3(host, "get_bucket_policy", Bucket=bucket)
    if public_static:
        statements = json.loads(policy["Policy"])["Statement"]
        assert [(s["Effect"], s["Action"], s["Resource"]) for s in statements] == [
            ("Allow", "s3:GetObject", f"arn:aws:s3:::{FILES}/static/*")
        ]
    else:
        assert policy == {"Error": "NoSuchBucketPolicy"}


def test_cors_lets_the_site_fetch_static_files(host):
    rules = s3(host, "get_bucket_cors", Bucket=FILES)["CORSRules"]
    assert len(rules) == 1
    assert sorted(rules[0]["AllowedOrigins"]) == ["https://localhost", "https://wharf.test"]
    assert sorted(rules[0]["AllowedMethods"]) == ["GET", "HEAD"]
    assert s3(host, "get_bucket_cors", Bucket=PRIVATE) == {"Error": "NoSuchCORSConfiguration"}


def test_app_environment_names_the_buckets_not_local_disk(host):
    env = host.check_output("cat /srv/wharfdemo/shared/app.env")
    for line in (
        "STATIC_STORAGE='s3'",
        "MEDIA_STORAGE='s3'",
        f"AWS_STORAGE_BUCKET_NAME='{FILES}'",
        f"AWS_PRIVATE_BUCKET_NAME='{PRIVATE}'",
        f"AWS_QUERYSTRING_EXPIRE='{EXPIRE_SECONDS}'",
        "PRIVATE_MEDIA_ACCEL_URL=''",
    ):
        assert line in env.splitlines()


def test_nginx_serves_no_static_or_media_from_disk(host):
    config = host.check_output("nginx -T 2>/dev/null")
    assert "alias /srv/wharfdemo/shared/static/" not in config
    assert "alias /srv/wharfdemo/shared/media/" not in config
    assert "/protected/" not in config


def env_digest(host) -> str:
    return host.check_output("sha256sum /srv/wharfdemo/shared/app.env").split()[0]


@pytest.mark.parametrize(
    ("case", "extra", "expected"),
    [
        (
            "malformed secret",
            {"wharf_s3_secret_access_key": "has a space"},
            "wharf_django_s3_secret_access_key",
        ),
        (
            "bucket nobody made",
            {"wharf_s3_bucket": "wharfdemo-missing", "wharf_buckets_manage": False},
            "bucket wharfdemo-missing cannot be listed",
        ),
        ("no bucket", {"wharf_s3_bucket": ""}, "needs wharf_s3_bucket, the bucket name"),
    ],
)
def test_bad_storage_settings_fail_before_anything_changes(host, site, case, extra, expected):
    before = env_digest(host)
    result = shared.run_playbook("-e", json.dumps(extra))
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"{case}: the deploy did not fail"
    assert expected in " ".join(output.split()), f"{case}: message not found"
    assert env_digest(host) == before
    assert site.get("/healthz").status == 200
    if extra.get("wharf_buckets_manage") is False:
        assert "Error" in s3(host, "head_bucket", Bucket=extra["wharf_s3_bucket"])


def test_media_migration_copies_local_files_into_the_bucket(host):
    folder = "/srv/wharfdemo/shared/media/legacy/2019"
    digests = {}
    for index in range(3):
        path = f"{folder}/old-{index}.png"
        host.run(f"install -d -o wharfdemo -g wharfdemo {folder}")
        key = f"media/legacy/2019/old-{index}.png"
        digests[key] = shared.make_png(host, path, seed=900 + index)
    # Uploads are the application's files.
    host.check_output("chown -R wharfdemo:wharfdemo /srv/wharfdemo/shared/media/legacy")
    # A link the application could plant in MEDIA_ROOT, to the TLS key.
    planted = f"{folder}/avatar.png"
    host.check_output(f"ln -s {host.check_output('ls /etc/wharf/tls/*/privkey.pem')} {planted}")
    refused = shared.run_playbook(playbook="media-to-s3.yml")
    assert refused.returncode != 0
    message = f"holds1symboliclink(s),whichthecopywouldfollow:{planted}.Mediafiles"
    assert message in flat(refused.stdout + refused.stderr)
    assert keys(host, FILES, "media/legacy/") == []
    host.check_output(f"rm {planted}")

    result = shared.run_playbook(playbook="media-to-s3.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    report = " ".join(result.stdout.split())
    assert "3 of 3 local media files are in s3://wharfdemo-files/media/" in report
    for key, digest in digests.items():
        assert object_sha256(host, FILES, key) == digest
    host.run("rm -rf /srv/wharfdemo/shared/media/legacy")


def test_s3_secret_stays_out_of_output_and_logs(host):
    secret = (Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "s3_secret").read_text().strip()
    assert len(secret) == 40
    result = shared.run_playbook("-v", "--check")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert shared.recap(output, "wharf-s3-12")["changed"] == 0
    assert secret not in output
    assert secret not in host.check_output("journalctl --no-pager -q")
    holders = host.run(f"grep -rlF -- {shlex.quote(secret)} /etc /srv /var/log /tmp /root /opt")
    # The serving environment, and the one the last run checked before it
    # replaced it: both root's, readable by the app's group only; restic's
    # settings (the same keys sign the offsite copies): root's alone.
    env_files = ["/srv/wharfdemo/shared/app.env", "/srv/wharfdemo/shared/app.env.next"]
    assert sorted(holders.stdout.split()) == sorted([*env_files, OFFSITE_ENV])
    for path in env_files:
        env_file = host.file(path)
        assert (env_file.user, env_file.group, env_file.mode) == ("root", "wharfdemo", 0o640)
    offsite = host.file(OFFSITE_ENV)
    assert (offsite.user, offsite.group, offsite.mode) == ("root", "root", 0o600)


def test_an_offsite_copy_restores_the_database_onto_a_host_without_local_runs(host, site):
    before = shared.row_digests(host)
    assert not before["gallery_profile"].startswith("0 "), "there are rows to back up"
    result = shared.run_playbook(playbook="backup.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    stored = keys(host, "wharfdemo-backups", "wharfdemo/")
    assert any(key.startswith("wharfdemo/keys/") for key in stored), stored
    assert any(key.startswith("wharfdemo/data/") for key in stored), stored
    # The dump's bytes are encrypted there: no object holds a table name in clear.
    for key in [key for key in stored if key.startswith("wharfdemo/data/")]:
        answer = read_object(host, "wharfdemo-backups", key, "b'gallery_profile' in body")
        assert answer == "False", key

    # The host loses its runs and every table, as a new host would have neither.
    host.run_expect([0], f"rm -rf {RUNS}/*")
    drop = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
    host.run_expect([0], f"{shared.ROOT}/bin/pg psql -c {shlex.quote(drop)}")
    assert site.get("/").status == 500

    restored = shared.run_playbook(
        "-e", json.dumps({"wharf_backup_restore_offsite": "latest"}), playbook="restore.yml"
    )
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert shared.row_digests(host) == before
    assert site.get("/").status == 200
