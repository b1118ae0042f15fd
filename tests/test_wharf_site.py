"""The topology filter (plugins/filter/wharf_site.py) on the inventories Wharf supports."""

from __future__ import annotations

from wharf_site import wharf_site


def inventory(hosts: dict[str, tuple[list[str], dict]]) -> tuple[dict, dict]:
    """groups and hostvars from {host: (groups, its variables)}; addresses 10.0.0.<n>."""
    groups: dict[str, list[str]] = {}
    hostvars = {}
    for index, (name, (member_of, variables)) in enumerate(hosts.items(), start=1):
        for group in member_of:
            groups.setdefault(group, []).append(name)
        hostvars[name] = {"__wharf_address": f"10.0.0.{index}", **variables}
    return groups, hostvars


def test_one_host_is_a_single_host_site():
    groups, hostvars = inventory({"one": (["web", "app", "db"], {})})
    site = wharf_site(groups, hostvars, "one")
    assert site["app_over_tcp"] is False and site["db_over_tcp"] is False
    assert site["nginx_upstreams"] is None  # the role's unix socket
    assert site["gunicorn_tcp_listen"] == []
    assert site["db_host"] == "localhost"
    assert site["postgresql_listen_addresses"] == "localhost"
    assert site["postgresql_client_networks"] == ["127.0.0.1/32", "::1/128"]
    assert site["firewall_rules"] == []
    assert site["health_web_port"] == 443
    assert site["drain"] is False and site["shared_db"] is False
    assert site["switch_batch"] == 0  # the switch play takes every app host at once


def test_hosts_that_are_each_web_app_and_db_stay_independent_sites():
    groups, hostvars = inventory({h: (["web", "app", "db"], {}) for h in ("a", "b")})
    for host in ("a", "b"):
        site = wharf_site(groups, hostvars, host)
        assert (site["app_over_tcp"], site["db_over_tcp"], site["drain"]) == (False, False, False)
        assert site["nginx_upstreams"] is None and site["firewall_rules"] == []


CLUSTER = {
    "web": (["web"], {}),
    "app1": (["app"], {}),
    "app2": (["app"], {}),
    "db": (["db"], {}),
}


def test_cluster_web_host_balances_over_the_app_hosts():
    groups, hostvars = inventory(CLUSTER)
    site = wharf_site(groups, hostvars, "web")
    assert site["app_over_tcp"] is True and site["drain"] is True
    assert site["nginx_upstreams"] == ["10.0.0.2:8000", "10.0.0.3:8000"]
    assert site["firewall_rules"] == []
    assert site["health_web_port"] == 0


def test_cluster_switches_app_hosts_a_rolling_batch_at_a_time():
    groups, hostvars = inventory(CLUSTER)
    assert wharf_site(groups, hostvars, "app1")["switch_batch"] == 1
    for variables in hostvars.values():
        variables["wharf_rolling_batch"] = "2"
    assert wharf_site(groups, hostvars, "app1")["switch_batch"] == 2


def test_cluster_app_host_listens_privately_and_admits_only_web_hosts():
    groups, hostvars = inventory(CLUSTER)
    site = wharf_site(groups, hostvars, "app2")
    assert site["gunicorn_tcp_listen"] == ["10.0.0.3:8000"]
    assert site["firewall_rules"] == [{"name": "gunicorn", "port": 8000, "sources": ["10.0.0.1"]}]
    assert site["db_host"] == "10.0.0.4" and site["shared_db"] is True
    assert site["health_web_port"] == 0  # its own socket: nginx is elsewhere


def test_cluster_db_host_listens_and_admits_only_app_hosts():
    groups, hostvars = inventory(CLUSTER)
    site = wharf_site(groups, hostvars, "db")
    assert site["postgresql_listen_addresses"] == "localhost,10.0.0.4"
    assert site["postgresql_client_networks"][2:] == ["10.0.0.2/32", "10.0.0.3/32"]
    rule = {"name": "postgresql", "port": 5432, "sources": ["10.0.0.2", "10.0.0.3"]}
    assert site["firewall_rules"] == [rule]


def test_ipv6_addresses_are_bracketed_before_ports_and_are_host_networks():
    groups, hostvars = inventory(CLUSTER)
    hostvars["app1"]["__wharf_address"] = "fd00::2"
    web, db = wharf_site(groups, hostvars, "web"), wharf_site(groups, hostvars, "db")
    assert web["nginx_upstreams"][0] == "[fd00::2]:8000"
    assert "fd00::2/128" in db["postgresql_client_networks"]


def test_a_managed_database_is_reached_at_its_host_and_shared():
    groups, hostvars = inventory({"one": (["web", "app"], {"wharf_db_host": "db.example"})})
    site = wharf_site(groups, hostvars, "one")
    assert site["db_host"] == "db.example" and site["shared_db"] is True
    assert site["db_over_tcp"] is False


def test_an_app_host_without_web_server_answers_on_every_address():
    groups, hostvars = inventory(
        {"site": (["web", "app", "db"], {}), "paas": (["app", "db"], {"wharf_web_server": "none"})}
    )
    paas = wharf_site(groups, hostvars, "paas")
    assert paas["gunicorn_tcp_listen"] == ["0.0.0.0:8000"]
    assert paas["health_web_port"] == 0
    # The nginx host still proxies to its own socket: the other host is not behind it.
    assert wharf_site(groups, hostvars, "site")["app_over_tcp"] is False


def test_ports_come_from_the_inventory_and_bad_ones_are_left_for_the_checks():
    groups, hostvars = inventory(CLUSTER)
    for name in hostvars:
        hostvars[name]["wharf_app_port"] = "9000"
    assert wharf_site(groups, hostvars, "web")["nginx_upstreams"][0] == "10.0.0.2:9000"
    hostvars["app1"]["wharf_app_port"] = "abc"
    assert wharf_site(groups, hostvars, "app1")["firewall_rules"][0]["port"] == "abc"


def test_https_origins_name_the_public_port_unless_it_is_443():
    groups, hostvars = inventory(
        {"one": (["web", "app", "db"], {"wharf_domains": ["a.test", "b.test"]})}
    )
    assert wharf_site(groups, hostvars, "one")["https_origins"] == [
        "https://a.test",
        "https://b.test",
    ]
    hostvars["one"]["wharf_https_port"] = 8443
    assert wharf_site(groups, hostvars, "one")["https_origins"][0] == "https://a.test:8443"


def test_local_redis_runs_beside_postgresql_and_is_opened_to_the_app_hosts_only():
    split = {
        "web": (["web"], {"wharf_redis": "local"}),
        "app1": (["app"], {"wharf_redis": "local"}),
        "app2": (["app"], {"wharf_redis": "local"}),
        "db": (["db"], {"wharf_redis": "local"}),
    }
    groups, hostvars = inventory(split)
    on_db = wharf_site(groups, hostvars, "db")
    assert on_db["redis_hosts"] == ["db"]
    assert on_db["redis_bind"] == ["127.0.0.1", "-::1", "10.0.0.4"]
    redis_rule = {"name": "redis", "port": 6379, "sources": ["10.0.0.2", "10.0.0.3"]}
    assert redis_rule in on_db["firewall_rules"]
    on_app = wharf_site(groups, hostvars, "app1")
    assert on_app["redis_host"] == "10.0.0.4"
    assert all(rule["name"] != "redis" for rule in on_app["firewall_rules"])


def test_each_single_host_site_has_its_own_redis_on_localhost():
    groups, hostvars = inventory({"one": (["web", "app", "db"], {"wharf_redis": "local"})})
    site = wharf_site(groups, hostvars, "one")
    assert (site["redis_hosts"], site["redis_host"]) == (["one"], "127.0.0.1")
    assert site["redis_bind"] == ["127.0.0.1", "-::1"] and site["firewall_rules"] == []


def test_no_local_redis_unless_asked_for():
    groups, hostvars = inventory({"one": (["web", "app", "db"], {})})
    assert wharf_site(groups, hostvars, "one")["redis_hosts"] == []


def test_schedules_run_once_per_database():
    split = {
        "web": (["web"], {}),
        "app1": (["app"], {}),
        "app2": (["app"], {}),
        "db": (["db"], {}),
    }
    groups, hostvars = inventory(split)
    assert [wharf_site(groups, hostvars, h)["runs_schedules"] for h in ("app1", "app2")] == [
        True,
        False,
    ]
    independent = {"one": (["web", "app", "db"], {}), "two": (["web", "app", "db"], {})}
    groups, hostvars = inventory(independent)
    assert all(wharf_site(groups, hostvars, h)["runs_schedules"] for h in ("one", "two"))
