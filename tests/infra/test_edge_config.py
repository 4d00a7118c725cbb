"""The reference edge (infrastructure/edge/nginx.conf) says what the charts' Ingress says: the same public paths to
the same services, the same blocked paths, the same HSTS, and limits no looser than the api's own."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml
from tests.support import ROOT

from openpolicy.config import Settings

EDGE = ROOT / "infrastructure" / "edge"
CHARTS = ROOT / "infrastructure" / "helm" / "charts"


def _values(chart: str) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((CHARTS / chart / "values.yaml").read_text())


def _locations(conf: str) -> dict[str, str]:
    """``location`` prefix → its body (one level of braces)."""
    return {m.group(2): m.group(3) for m in re.finditer(r"location\s+(\^~|=)?\s*(\S+)\s*\{([^}]*)\}", conf)}


def test_routes_and_blocked_paths_are_the_charts() -> None:
    conf = (EDGE / "nginx.conf").read_text()
    locations = _locations(conf)
    api, web = _values("api-service")["ingress"], _values("web-interface")["ingress"]
    for path in api["paths"]:
        assert "proxy_pass http://api;" in locations[path], path
    for path in web["paths"]:
        assert "proxy_pass http://web;" in locations[path], path
    for path in [*api["blockedPaths"], *web["blockedPaths"]]:
        assert "return 403;" in locations[path], path
    assert set(locations) == {*api["paths"], *web["paths"], *api["blockedPaths"], *web["blockedPaths"]}


def test_hsts_is_the_charts() -> None:
    conf = (EDGE / "nginx.conf").read_text()
    hsts = _values("web-interface")["ingress"]["hsts"]
    expected = f"max-age={hsts['maxAgeSeconds']}" + ("; includeSubDomains" if hsts["includeSubDomains"] else "")
    expected += "; preload" if hsts["preload"] else ""
    assert f'add_header Strict-Transport-Security "{expected}" always;' in conf


def test_limits_are_no_looser_than_the_apis() -> None:
    conf = (EDGE / "nginx.conf").read_text()
    settings = Settings()
    count, size = re.search(r"large_client_header_buffers (\d+) (\d+)k;", conf).groups()  # type: ignore[union-attr]
    assert int(size) * 1024 <= settings.http_max_url_bytes
    assert int(count) * int(size) * 1024 <= settings.http_max_header_bytes
    timeout = re.search(r"client_header_timeout (\d+)s;", conf).group(1)  # type: ignore[union-attr]
    assert float(timeout) <= settings.http_header_timeout_seconds
    keepalive = re.search(r"keepalive_timeout (\d+)s;", (EDGE / "upstreams.conf").read_text()).group(1)  # type: ignore[union-attr]
    assert int(keepalive) < settings.http_keepalive_timeout_seconds  # the edge closes idle upstream connections first


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    for name in ("nginx.conf", "upstreams.conf", "listen.conf"):
        shutil.copy(EDGE / name, tmp_path / name)
    (tmp_path / "logs").mkdir()
    (tmp_path / "tmp").mkdir()
    # the example upstreams name hosts of a cluster: resolve them here to loopback
    text = (tmp_path / "upstreams.conf").read_text()
    (tmp_path / "upstreams.conf").write_text(re.sub(r"server [a-z0-9-]+:(\d+)", r"server 127.0.0.1:\1", text))
    done = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
