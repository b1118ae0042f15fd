"""The site's topology, derived once per run from the inventory groups.

`groups | wharf_site(hostvars, inventory_hostname)` answers, for one host,
where each component runs and how they reach each other: which hosts are
web, app and db hosts, whether nginx reaches gunicorn and gunicorn reaches
PostgreSQL over the network or over local sockets, and the values the roles
take from that (upstreams, listen addresses, pg_hba networks, firewall
rules). playbooks/addresses.yml stores the answer as the fact `wharf_site`;
the roles' defaults read it, so anything set in the inventory still wins.

One host in every group is the single-host site: nginx proxies to gunicorn's
unix socket and Django reaches PostgreSQL on localhost. Several hosts that
are each web, app and db host are independent single-host sites. Otherwise
the web hosts balance over the app hosts' private addresses, and each host's
firewall admits only the group that needs it (docs/scaling.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LOCAL_NETWORKS = ["127.0.0.1/32", "::1/128"]


def _bracketed(address: str) -> str:
    """An address as it goes before ':port' (IPv6 in brackets)."""
    return f"[{address}]" if ":" in address else address


def _host_network(address: str) -> str:
    """The network of one host: /128 for IPv6, /32 for IPv4."""
    return f"{address}/128" if ":" in address else f"{address}/32"


def _port(value: Any) -> Any:
    """A port as an int; a value that is no number is kept for the checks to name."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _setting(hostvars: Mapping, host: str, name: str, default: Any) -> Any:
    value = hostvars[host].get(name)
    return default if value is None else value


def wharf_site(groups: Mapping, hostvars: Mapping, host: str) -> dict[str, Any]:
    """The derived topology for `host` (see the module docstring)."""
    app_hosts = list(groups.get("app", []))
    web_hosts = list(groups.get("web", []))
    db_hosts = list(groups.get("db", []))
    members = dict.fromkeys([*app_hosts, *web_hosts, *db_hosts, host])
    address = {name: str(hostvars[name].get("__wharf_address") or "") for name in members}

    web_server = _setting(hostvars, host, "wharf_web_server", "nginx")
    app_port = _port(_setting(hostvars, host, "wharf_app_port", 8000))
    db_port = _port(_setting(hostvars, host, "wharf_db_port", 5432))

    # App hosts behind nginx: not those that answer on their own (web server none).
    proxied = [h for h in app_hosts if _setting(hostvars, h, "wharf_web_server", "nginx") != "none"]
    # Every host its own site when the app hosts behind nginx are exactly the web hosts.
    app_over_tcp = web_server == "nginx" and sorted(web_hosts) != sorted(proxied)
    db_over_tcp = bool(db_hosts) and bool(set(app_hosts) - set(db_hosts))
    # Drain app hosts during a rolling deploy only when others are left to serve.
    drain = app_over_tcp and len(app_hosts) > 1
    # deploy.yml's switch play takes this many app hosts at a time (0: all).
    switch_batch = _port(_setting(hostvars, host, "wharf_rolling_batch", 1)) if drain else 0

    app_endpoints = [f"{_bracketed(address[h])}:{app_port}" for h in app_hosts]
    external_db = hostvars[host].get("wharf_db_host")
    if external_db is not None:
        db_host = external_db
    elif db_over_tcp:
        db_host = address[db_hosts[0]]
    else:
        db_host = "localhost"

    if web_server == "none":
        tcp_listen = [f"0.0.0.0:{app_port}"]
    elif app_over_tcp:
        tcp_listen = [f"{_bracketed(address[host])}:{app_port}"]
    else:
        tcp_listen = []

    # Wharf's Redis (wharf_redis: local) runs beside PostgreSQL: on the one
    # db host the app hosts share, or on each host of independent sites.
    redis_hosts = []
    if _setting(hostvars, host, "wharf_redis", "none") == "local":
        redis_hosts = db_hosts[:1] if db_over_tcp else db_hosts
    redis_over_tcp = bool(redis_hosts) and db_over_tcp
    redis_port = _port(_setting(hostvars, host, "wharf_redis_port", 6379))

    # Only what crosses hosts is opened, and only to the group that needs it.
    firewall_rules = []
    if app_over_tcp and host in app_hosts:
        sources = [address[h] for h in web_hosts]
        firewall_rules.append({"name": "gunicorn", "port": app_port, "sources": sources})
    if db_over_tcp and host in db_hosts:
        sources = [address[h] for h in app_hosts]
        firewall_rules.append({"name": "postgresql", "port": db_port, "sources": sources})
    if redis_over_tcp and host in redis_hosts:
        sources = [address[h] for h in app_hosts]
        firewall_rules.append({"name": "redis", "port": redis_port, "sources": sources})

    # The health check after a switch goes through nginx where this host runs
    # it for the site and nginx sends nowhere else, else to the app's socket.
    health_through_nginx = web_server == "nginx" and host in web_hosts and not app_over_tcp
    nginx_https_port = _setting(hostvars, host, "wharf_nginx_https_port", 443)

    # The origins browsers use (CSRF, CORS): https on the public port.
    https_port = _port(_setting(hostvars, host, "wharf_https_port", 443))
    port_suffix = "" if https_port == 443 else f":{https_port}"
    domains = _setting(hostvars, host, "wharf_domains", [])
    https_origins = [f"https://{domain}{port_suffix}" for domain in domains]

    return {
        "app_hosts": app_hosts,
        "web_hosts": web_hosts,
        "db_hosts": db_hosts,
        "address": address[host],
        "app_over_tcp": app_over_tcp,
        "db_over_tcp": db_over_tcp,
        # The app hosts share one database (a db host, or a managed one).
        "shared_db": db_over_tcp or not db_hosts,
        # Scheduled commands work on the database: once per database, on the
        # first app host that shares it (each independent site runs its own).
        "runs_schedules": not (db_over_tcp or not db_hosts) or host == next(iter(app_hosts), host),
        "drain": drain,
        "switch_batch": switch_batch,
        "db_host": db_host,
        "nginx_upstreams": app_endpoints if app_over_tcp else None,
        "gunicorn_tcp_listen": tcp_listen,
        "postgresql_listen_addresses": f"localhost,{address[host]}" if db_over_tcp else "localhost",
        "postgresql_client_networks": LOCAL_NETWORKS
        + ([_host_network(address[h]) for h in app_hosts] if db_over_tcp else []),
        "firewall_rules": firewall_rules,
        "redis_hosts": redis_hosts,
        "redis_host": address[redis_hosts[0]] if redis_over_tcp else "127.0.0.1",
        "redis_bind": ["127.0.0.1", "-::1"] + ([address[host]] if redis_over_tcp else []),
        "health_web_port": nginx_https_port if health_through_nginx else 0,
        "https_origins": https_origins,
    }


class FilterModule:
    def filters(self) -> dict:
        return {"wharf_site": wharf_site}
