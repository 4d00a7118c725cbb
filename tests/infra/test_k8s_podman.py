"""The rendered manifests, run for real with `podman kube play`.

The umbrella chart is rendered (as `make k8s-render` does, under a release name of this run so parallel runs never
collide) with the production values and only these overrides: the locally built images by tag
(``built_images``; so ``global.imageDigestRequired`` off), exports off (they need a ReadWriteMany claim), free
ports (``service.port`` is also the container port and the app's API_PORT/WEB_PORT),
the web's API_URL, and this run's Secret names. Then:

1. the migration Job's pod template runs against an empty database the test created, and must exit 0;
2. the api-service and web-interface Deployments (with their ConfigMaps; the Secrets hold DATABASE_URL and
   REDIS_URL of the machine's PostgreSQL and Redis) start, and the liveness and readiness paths their probes
   name answer 200 through the published ports;
3. a web page shows data that only the api can give it, and the api's log holds the web's request id;
4. the `helm test` pods run and exit 0 (their Service host names point at the published ports through
   ``hostAliases``, standing in for cluster DNS: the one addition to a rendered object);
5. the backup CronJob's pod, with its PersistentVolumeClaim, writes a pg_dump backup of the demo data.

One deployment serves the module's tests (it takes about a minute to migrate, load and start).

Podman specifics (4.3, Debian 12), none of which changes the manifests: pods use slirp4netns with
``allow_host_loopback`` (the machine's PostgreSQL/Redis listen on 127.0.0.1 only; inside a pod the host's
loopback is 10.0.2.2), podman publishes every containerPort on the host, podman 4.3 cannot read a Secret
object from the YAML back for secretKeyRef (it stores YAML, reads JSON), so the Secrets are created with
`podman secret create` in the format it reads; and podman turns httpGet probes into `curl` healthchecks run
inside the container (the images have no curl), so the test calls the probe paths itself.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.support import ARTIFACTS, OPENPOLICY, REDIS_BASE_URL, free_port, temporary_database
from tests.support.helm import podman
from tools import render

pytestmark = [pytest.mark.slow, pytest.mark.podman]

HOST_LOOPBACK = "10.0.2.2"  # slirp4netns allow_host_loopback: the host's 127.0.0.1 seen from a pod
NETWORK = "slirp4netns:allow_host_loopback=true"


def _in_pod(url: str) -> str:
    return url.replace("127.0.0.1", HOST_LOOPBACK).replace("localhost", HOST_LOOPBACK)


def _image(ref: str) -> tuple[str, str, str]:
    registry, rest = ref.split("/", 1)
    repository, tag = rest.rsplit(":", 1)
    return registry, repository, tag


class Play:
    """One `podman kube play` file of this test run; `down()` removes exactly its pods."""

    def __init__(self, path: Path, objects: list[dict[str, Any]]) -> None:
        self.path = path
        path.write_text(yaml.safe_dump_all(objects, sort_keys=False))
        try:
            podman("kube", "play", "--network", NETWORK, str(path), timeout=300)
        except BaseException:
            self.down()  # a pod that failed to start is still there
            raise

    def down(self) -> None:
        podman("kube", "down", str(self.path), check=False, timeout=120)


@pytest.fixture(scope="module")
def deployment(built_images: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp_path = tmp_path_factory.mktemp("helm-podman")
    run_id = uuid.uuid4().hex[:6]
    release = f"hp{run_id}"
    api_port, web_port = free_port(), free_port()
    db_secret, redis_secret, hooks_secret = f"{release}-database", f"{release}-redis", f"{release}-webhooks"
    overrides = {
        "web-interface.apiUrl": f"http://{HOST_LOOPBACK}:{api_port}",
        "global.database.existingSecret": db_secret,
        "global.redis.existingSecret": redis_secret,
        "global.webhooks.existingSecret": hooks_secret,
    }
    # the notifier and the jobs run the api-service image
    images = {"api-service": "api-service", "web-interface": "web-interface", "notifier": "api-service"}
    images["platform-jobs"] = "api-service"
    for service, image in images.items():
        registry, repository, tag = _image(built_images[image])
        overrides |= {
            f"{service}.image.registry": registry,
            f"{service}.image.repository": repository,
            f"{service}.image.tag": tag,
        }
    typed = {
        "api-service.service.port": api_port,
        "web-interface.service.port": web_port,
        "api-service.otel.enabled": "false",  # no collector here
        "web-interface.otel.enabled": "false",
        # the locally built images have tags, no registry digests: the one production value set back here
        "global.imageDigestRequired": "false",
        # exports need a ReadWriteMany claim shared by the api and the export job: not played here
        "global.exports.enabled": "false",
    }
    args = [arg for key, value in overrides.items() for arg in ("--set-string", f"{key}={value}")]
    args += [arg for key, value in typed.items() for arg in ("--set", f"{key}={value}")]
    objects = render.helm_template("production", *args, release=release)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)

    plays: list[Play] = []
    secrets: list[str] = []
    log_dir = ARTIFACTS / "helm-podman"
    log_dir.mkdir(parents=True, exist_ok=True)
    with temporary_database("openpolicy_helm_podman", migrate=False) as database_url:
        try:
            for name, key, value in (
                (db_secret, "DATABASE_URL", _in_pod(database_url)),
                (redis_secret, "REDIS_URL", _in_pod(f"{REDIS_BASE_URL}/12")),
                (hooks_secret, "WEBHOOK_SECRETS_KEY", uuid.uuid4().hex + uuid.uuid4().hex),
            ):
                data = json.dumps({key: base64.b64encode(value.encode()).decode()})
                podman("secret", "create", name, "-", input_text=data)
                secrets.append(name)

            # 1. the migration Job's pod, against the empty database
            (job,) = [j for j in by_kind["Job"] if j["metadata"]["name"].endswith("-migrate")]
            pod = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"{release}-migrate", "labels": job["spec"]["template"]["metadata"]["labels"]},
                "spec": job["spec"]["template"]["spec"],
            }
            plays.append(Play(tmp_path / "migrate.yaml", [pod]))
            container = f"{release}-migrate-{pod['spec']['containers'][0]['name']}"
            code = podman("wait", container, timeout=300).stdout.strip()
            logs = podman("logs", container, check=False).stdout + podman("logs", container, check=False).stderr
            (log_dir / "migrate.log").write_text(logs)
            assert code == "0", f"migration Job exited {code}:\n{logs}"

            # data the web can only get from the api (demo parliament, bulk COPY on the host)
            subprocess.run(
                [OPENPOLICY, "demo-data", "--scale", "1"],
                env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "LOG_FORMAT": "json"},
                check=True,
                capture_output=True,
                timeout=300,
            )

            # 2. the Deployments with their ConfigMaps
            workloads = [
                o
                for o in objects
                if o["kind"] in ("ConfigMap", "Deployment")
                and o["metadata"]["labels"].get("app.kubernetes.io/component") in ("api", "web")
            ]
            plays.append(Play(tmp_path / "services.yaml", workloads))
            yield {
                "release": release,
                "api": f"http://127.0.0.1:{api_port}",
                "web": f"http://127.0.0.1:{web_port}",
                "deployments": {o["metadata"]["labels"]["app.kubernetes.io/name"]: o for o in by_kind["Deployment"]},
                "test_pods": by_kind["Pod"],
                "by_kind": by_kind,
                "play": lambda name, objs: plays.append(Play(tmp_path / name, objs)),
                "database_url": database_url,
            }
        finally:
            for name in (f"{release}-api-service", f"{release}-web-interface"):
                for stream in ("stdout", "stderr"):
                    out = podman("logs", f"{name}-pod-0-{name.split('-', 1)[1]}", check=False)
                    (log_dir / f"{name}.{stream}.log").write_text(getattr(out, stream))
            for play in reversed(plays):
                play.down()
            for name in secrets:
                podman("secret", "rm", name, check=False)


def _wait_ok(url: str, timeout: float = 180) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                return response
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer 200 within {timeout}s (last: {last})")


def test_rendered_deployments_run_under_podman(deployment: dict[str, Any]) -> None:
    for service, base in (("api-service", deployment["api"]), ("web-interface", deployment["web"])):
        container = deployment["deployments"][service]["spec"]["template"]["spec"]["containers"][0]
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            path = container[probe]["httpGet"]["path"]
            response = _wait_ok(f"{base}{path}")
            assert response.status_code == 200, (service, probe)
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        ready = _wait_ok(f"{base}/health/ready").json()
        assert ready["checks"], ready

    api_ready = httpx.get(f"{deployment['api']}/health/ready", timeout=5).json()
    assert api_ready["checks"]["database"]["status"] == "up"
    assert api_ready["checks"]["redis"]["status"] == "up"

    # 3. the web serves a page through the api
    people = httpx.get(f"{deployment['api']}/v1/people?limit=5", timeout=10).json()["results"]
    assert people, "demo data missing"
    request_id = f"helm-podman-{uuid.uuid4().hex[:12]}"
    page = httpx.get(f"{deployment['web']}/people", headers={"X-Request-ID": request_id}, timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert any(p["name"] in page.text for p in people), "the people page does not show the api's people"
    release = deployment["release"]
    # access log lines are written together at most 0.1 s after their request (AccessLog.FLUSH_SECONDS)
    deadline = time.monotonic() + 10
    while True:
        api_logs = podman("logs", f"{release}-api-service-pod-0-api-service", check=False)
        if request_id in api_logs.stdout + api_logs.stderr:
            break
        assert time.monotonic() < deadline, "the api never saw the web's request"
        time.sleep(0.2)


def test_helm_test_pods_pass_under_podman(deployment: dict[str, Any]) -> None:
    _wait_ok(f"{deployment['api']}/health/ready")
    _wait_ok(f"{deployment['web']}/health/ready")
    release = deployment["release"]
    pods = deployment["test_pods"]
    assert {p["metadata"]["name"] for p in pods} == {f"{release}-api-service-test", f"{release}-web-interface-test"}
    for pod in pods:
        assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
        pod["spec"]["hostAliases"] = [
            {"ip": HOST_LOOPBACK, "hostnames": [f"{release}-api-service", f"{release}-web-interface"]}
        ]
    # podman runs the init containers (the /health/ready checks) to completion first and fails the play when
    # one exits non-zero (then removes them); the main containers are waited for here.
    deployment["play"]("tests.yaml", pods)
    for pod in pods:
        name = pod["metadata"]["name"]
        assert [c["args"][1].rsplit("/", 2)[-2:] for c in pod["spec"]["initContainers"]] == [["health", "ready"]]
        for container in pod["spec"]["containers"]:
            ctr = f"{name}-{container['name']}"
            code = podman("wait", ctr, timeout=300).stdout.strip()
            out = podman("logs", ctr, check=False)
            assert code == "0", f"{ctr} ({' '.join(container['args'])}) exited {code}: {out.stdout}{out.stderr}"


def test_backup_cronjob_runs_under_podman(deployment: dict[str, Any]) -> None:
    by_kind = deployment["by_kind"]
    (cron,) = [c for c in by_kind["CronJob"] if c["metadata"]["name"].endswith("-backup")]
    (claim,) = by_kind["PersistentVolumeClaim"]
    template = cron["spec"]["jobTemplate"]["spec"]["template"]
    name = f"{deployment['release']}-backup"
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": template["metadata"]["labels"]}}
    pod["spec"] = template["spec"]
    volume = claim["metadata"]["name"]
    assert pod["spec"]["volumes"][-1]["persistentVolumeClaim"]["claimName"] == volume
    # the CronJob's container reads the api's ConfigMap (envFrom): play it beside
    config = [
        o
        for o in by_kind["ConfigMap"]
        if o["metadata"]["name"] == template["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"]
    ]
    try:
        deployment["play"]("backup.yaml", [claim, *config, pod])
        container = f"{name}-{pod['spec']['containers'][0]['name']}"
        code = podman("wait", container, timeout=300).stdout.strip()
        out = podman("logs", container, check=False)
        assert code == "0", f"backup exited {code}: {out.stdout}{out.stderr}"
        mountpoint = Path(podman("volume", "inspect", volume, "--format", "{{.Mountpoint}}").stdout.strip())
        dumps = sorted(mountpoint.glob("openpolicy-*/openpolicy.dump"))
        assert len(dumps) == 1 and dumps[0].stat().st_size > 100_000, dumps
        assert dumps[0].read_bytes()[:5] == b"PGDMP"  # pg_dump custom format
    finally:
        podman("volume", "rm", "-f", volume, check=False)
