"""Host state after a deploy: services, users, sockets, permissions, database."""

import secrets

from wharf_verifier import APP, DOMAIN, ROOT, Site, load_json, sign_in

SOCKET = f"/run/gunicorn-{APP}/gunicorn.sock"


def test_services_enabled_and_running(host):
    for unit in ("nginx", "postgresql", f"gunicorn-{APP}.socket", f"gunicorn-{APP}.service"):
        service = host.service(unit)
        assert service.is_enabled, f"{unit} is not enabled"
        assert service.is_running, f"{unit} is not running"


def test_gunicorn_master_and_workers_run_as_app_user(host):
    main_pid = host.check_output(f"systemctl show -p MainPID --value gunicorn-{APP}.service")
    assert int(main_pid) > 0
    users = host.check_output(f"ps -o user= -p {main_pid} --ppid {main_pid}").split()
    assert len(users) >= 2, "expected a master and at least one worker"
    assert set(users) == {APP}


def test_socket_is_reachable_only_by_nginx_group(host):
    socket = host.file(SOCKET)
    assert socket.is_socket
    assert socket.user == "root"
    assert socket.group == "www-data"
    assert socket.mode == 0o660


def test_app_user_is_unprivileged(host):
    user = host.user(APP)
    assert user.shell == "/usr/sbin/nologin"
    assert user.home == ROOT
    assert "sudo" not in user.groups


def test_environment_file_is_private(host):
    env_file = host.file(f"{ROOT}/shared/app.env")
    assert env_file.user == "root"
    assert env_file.group == APP
    assert env_file.mode == 0o640
    assert "SECRET_KEY=" in env_file.content_string


def test_code_and_venv_belong_to_root(host):
    code = f"{ROOT}/current/code"
    for path in (f"{ROOT}/releases", code, f"{code}/manage.py", f"{ROOT}/venvs"):
        assert host.file(path).user == "root", path
    assert host.run(f"sudo -u {APP} touch {code}/x").rc != 0
    venv = host.check_output(f"readlink -f {ROOT}/current/venv")
    assert host.run(f"sudo -u {APP} touch {venv}/x").rc != 0


def test_media_and_static_live_outside_the_code(host):
    for kind in ("media", "static"):
        directory = host.file(f"{ROOT}/shared/{kind}")
        assert directory.is_directory
        assert directory.user == APP
        assert directory.mode & 0o007 == 0, "others must get nothing"
        acl = host.check_output(f"getfacl -p {ROOT}/shared/{kind}")
        assert "group:www-data:r-x" in acl
        assert "default:group:www-data:r-x" in acl


def test_debian_default_site_removed(host):
    assert not host.file("/etc/nginx/sites-enabled/default").exists


def test_nginx_config_is_valid(host):
    assert host.run("nginx -t").rc == 0


def test_database_role_owns_database_without_privileges(host):
    query = (
        "SELECT r.rolsuper, r.rolcreatedb, r.rolcreaterole, d.datname "
        "FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = 'wharfdemo'"
    )
    row = host.check_output(f'sudo -u postgres psql -tA -c "{query}"')
    assert row == "f|f|f|wharfdemo"


def test_database_uses_scram_only(host):
    methods = host.check_output(
        "sudo -u postgres psql -tA -c 'SELECT DISTINCT auth_method FROM pg_hba_file_rules'"
    ).split()
    assert set(methods) <= {"peer", "scram-sha-256", "reject"}
    assert "scram-sha-256" in methods
    encryption = host.check_output("sudo -u postgres psql -tA -c 'SHOW password_encryption'")
    assert encryption == "scram-sha-256"


def test_database_listens_on_localhost_only(host):
    listeners = host.check_output("ss -ltnH 'sport = :5432'").splitlines()
    assert listeners, "PostgreSQL is not listening"
    for line in listeners:
        local = line.split()[3]
        assert local.startswith(("127.0.0.1:", "[::1]:")), local


def test_migrations_are_applied(host):
    result = host.run(f"sudo -u {APP} {ROOT}/bin/manage migrate --check")
    assert result.rc == 0, result.stdout + result.stderr


def test_manage_run_by_root_works_as_the_app_user_with_the_callers_environment(host):
    """createsuperuser --noinput takes its password from the environment, which sudo resets."""
    name, password = f"admin-{secrets.token_hex(3)}", f"Wharf-{secrets.token_hex(8)}"
    created = host.run(
        f"DJANGO_SUPERUSER_PASSWORD={password} {ROOT}/bin/manage createsuperuser"
        f" --noinput --username {name} --email {name}@example.org"
    )
    assert created.rc == 0, created.stdout + created.stderr
    uid = host.check_output(f"{ROOT}/bin/manage shell -c 'import os; print(os.getuid())'")
    assert uid.splitlines()[-1] == str(host.user(APP).uid)
    browser = Site(host, session="superuser")  # its own cookie jar
    sign_in(browser, name, password)
    assert browser.get("/admin/").status == 200


def test_wharfs_health_answer_needs_nothing_from_the_project(host):
    """gunicorn runs wharf_wsgi: /.wharf/health answers with the database's
    state and the serving release's version (this scenario's deploys check
    it). nginx overwrites the X-Real-IP a client sends; a client nginx
    reports from outside the host and private networks gets the project's
    own answer for the path."""
    site = Site(host)
    version = load_json(site.get("/healthz"))["version"]
    answer = site.get("/.wharf/health", "-H", "X-Real-IP: 203.0.113.7")
    assert answer.status == 200
    assert load_json(answer) == {"status": "ok", "version": version, "database": "ok"}
    assert answer.header("Cache-Control") == "no-store"
    outside = host.run(
        "curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-Proto: https'"
        f" -H 'X-Real-IP: 203.0.113.7' --unix-socket {SOCKET} http://{DOMAIN}/.wharf/health"
    )
    assert outside.stdout == "404"


def test_the_settings_module_is_the_overlay_or_the_projects_own(host):
    """wharf-default-13 runs without the overlay (molecule.yml): the sample
    project's module reads Wharf's environment itself, and every test of this
    scenario passes both ways."""
    pid = host.check_output(f"systemctl show -p MainPID --value gunicorn-{APP}.service")
    environ = host.check_output(f"tr '\\0' '\\n' < /proc/{pid}/environ").splitlines()
    served = dict(line.split("=", 1) for line in environ if "=" in line)["DJANGO_SETTINGS_MODULE"]
    overlay = host.backend.get_hostname() != "wharf-default-13"
    assert served == ("wharf_settings" if overlay else "wharfdemo.settings")
    env_file = host.file(f"{ROOT}/shared/app.env").content_string
    assert ("WHARF_PROJECT_SETTINGS_MODULE" in env_file) is overlay
