"""``make k8s-render`` and ``make helm-sync-monitoring``: the repository's generated Kubernetes files.

* :func:`render` / :func:`write` are :mod:`openpolicy.ops.render` (the ``openpolicy render ENV`` operator command)
  applied to this repository's umbrella chart and values, with the helm that ``make helm-tools`` unpacks.
* :func:`monitoring_files` is what ``make helm-sync-monitoring`` copies from ``infrastructure/monitoring/``
  into ``charts/monitoring-stack/files/`` (Helm cannot read outside a chart): the rule files and dashboards
  verbatim, and ``alertmanager.yml`` translated into an ``AlertmanagerConfig`` spec.

Every generated file names its source and the command that makes it; tests compare them with a fresh run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from openpolicy.ops import render as ops_render
from openpolicy.ops.kube import ENVIRONMENTS, RELEASE
from openpolicy.ops.render import RenderError
from tools import ROOT

HELM_DIR = ROOT / "infrastructure" / "helm"
UMBRELLA = HELM_DIR / "charts" / "openpolicy-platform"
VALUES_DIR = HELM_DIR / "values"
MONITORING_CHART = HELM_DIR / "charts" / "monitoring-stack"
MONITORING_SRC = ROOT / "infrastructure" / "monitoring"
LOCAL_BIN = ROOT / ".tools" / "bin"

__all__ = ["ENVIRONMENTS", "RenderError", "helm_template", "monitoring_files", "render", "sync_monitoring", "write"]


def _local_helm_first() -> None:
    """Put the repository's .tools/bin (``make helm-tools``) ahead of PATH, as the Makefile does."""
    path = os.environ.get("PATH", "")
    if LOCAL_BIN.is_dir() and str(LOCAL_BIN) not in path.split(os.pathsep):
        os.environ["PATH"] = f"{LOCAL_BIN}{os.pathsep}{path}"


def helm_template(env: str, *extra: str, release: str = RELEASE) -> list[dict[str, Any]]:
    """``helm template`` of this repository's umbrella chart with an environment's values."""
    _local_helm_first()
    return ops_render.helm_template(env, *extra, release=release, chart=UMBRELLA, values_dir=VALUES_DIR)


# The repository has no released image: infrastructure/k8s/ pins both images to this all-zero digest, which no
# registry serves, so applying the manifests unchanged fails to pull instead of running some tag. Set the real
# ones first: `kustomize edit set image openpolicy/api-service@sha256:<digest>` (and web-interface), or render
# with `openpolicy render ENV --image-digest api=... --image-digest web=...`.
PLACEHOLDER_DIGEST = "sha256:" + "0" * 64
PLACEHOLDER_DIGESTS = {"api": PLACEHOLDER_DIGEST, "web": PLACEHOLDER_DIGEST}


def render(env: str) -> dict[str, str]:
    """The files of ``infrastructure/k8s/`` for ``env`` from this repository's charts (placeholder digests)."""
    _local_helm_first()
    return ops_render.render(env, UMBRELLA, VALUES_DIR, PLACEHOLDER_DIGESTS)


def write(env: str, out_dir: Path) -> list[Path]:
    """:func:`openpolicy.ops.render.write` with this repository's charts (placeholder digests)."""
    _local_helm_first()
    return ops_render.write(env, out_dir, UMBRELLA, VALUES_DIR, PLACEHOLDER_DIGESTS)


def _dump(obj: dict[str, Any]) -> str:
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, width=120)


_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')
SECRETS_DIR = "/etc/alertmanager/secrets/"
# Token the monitoring-stack chart replaces with .Values.alertmanagerConfig.secretName (a Secret *name*).
SECRET_NAME_TOKEN = "__SECRET_NAME__"  # noqa: S105


def _matchers(items: list[str]) -> list[dict[str, str]]:
    out = []
    for item in items:
        m = _MATCHER.match(item)
        if not m:
            raise RenderError(f"alertmanager.yml: cannot read matcher {item!r}")
        out.append({"name": m[1], "value": m[3], "matchType": m[2]})
    return out


def _secret_ref(file_path: str, where: str) -> dict[str, str]:
    if not file_path.startswith(SECRETS_DIR):
        raise RenderError(f"alertmanager.yml: {where} reads {file_path}, outside {SECRETS_DIR}")
    return {"name": SECRET_NAME_TOKEN, "key": file_path[len(SECRETS_DIR) :]}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _route(route: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in route.items():
        if key == "matchers":
            out["matchers"] = _matchers(value)
        elif key == "routes":
            out["routes"] = [_route(r) for r in value]
        elif key in {"receiver", "group_by", "group_wait", "group_interval", "repeat_interval", "continue"}:
            out[_camel(key)] = value
        else:
            raise RenderError(f"alertmanager.yml: route field {key!r} has no AlertmanagerConfig translation")
    return out


def _http_config(http: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in http.items():
        if key == "authorization":
            auth = {"type": value.get("type", "Bearer")}
            if "credentials_file" in value:
                auth["credentials"] = _secret_ref(value["credentials_file"], where)
            out["authorization"] = auth
        else:
            raise RenderError(f"alertmanager.yml: {where}: http_config.{key} has no translation")
    return out


def _receiver(receiver: dict[str, Any], glob: dict[str, Any]) -> dict[str, Any]:
    name = receiver["name"]
    out: dict[str, Any] = {"name": name}
    for hook in receiver.get("webhook_configs") or []:
        item: dict[str, Any] = {"url": hook["url"], "sendResolved": hook.get("send_resolved", True)}
        if "http_config" in hook:
            item["httpConfig"] = _http_config(hook["http_config"], f"receiver {name}")
        out.setdefault("webhookConfigs", []).append(item)
    for slack in receiver.get("slack_configs") or []:
        item = {"channel": slack["channel"], "sendResolved": slack.get("send_resolved", False)}
        url_file = slack.get("api_url_file") or glob.get("slack_api_url_file")
        if not url_file:
            raise RenderError(f"alertmanager.yml: receiver {name}: slack needs api_url_file")
        item["apiURL"] = _secret_ref(url_file, f"receiver {name}")
        for key in ("title", "text"):
            if key in slack:
                item[key] = slack[key]
        out.setdefault("slackConfigs", []).append(item)
    for email in receiver.get("email_configs") or []:
        item = {"to": email["to"], "sendResolved": email.get("send_resolved", False)}
        for src, dst in (
            ("smarthost", "smarthost"),
            ("from", "from"),
            ("auth_username", "authUsername"),
            ("require_tls", "requireTLS"),
        ):
            value = email.get(src, glob.get(f"smtp_{src}"))
            if value is not None:
                item[dst] = value
        pw_file = email.get("auth_password_file") or glob.get("smtp_auth_password_file")
        if pw_file:
            item["authPassword"] = _secret_ref(pw_file, f"receiver {name}")
        out.setdefault("emailConfigs", []).append(item)
    known = {"name", "webhook_configs", "slack_configs", "email_configs"}
    if extra := set(receiver) - known:
        raise RenderError(f"alertmanager.yml: receiver {name}: {sorted(extra)} have no translation")
    return out


def alertmanager_config_spec(config: dict[str, Any]) -> dict[str, Any]:
    """alertmanager.yml (Alertmanager's format) -> AlertmanagerConfig spec (monitoring.coreos.com/v1alpha1).

    Secret files under /etc/alertmanager/secrets/ become SecretKeySelectors of the chart's Secret; global SMTP
    and Slack settings move into each receiver (the CRD has no global section).
    """
    glob = config.get("global") or {}
    spec: dict[str, Any] = {"route": _route(config["route"])}
    spec["receivers"] = [_receiver(r, glob) for r in config.get("receivers") or []]
    inhibit = []
    for rule in config.get("inhibit_rules") or []:
        item: dict[str, Any] = {}
        if "source_matchers" in rule:
            item["sourceMatch"] = _matchers(rule["source_matchers"])
        if "target_matchers" in rule:
            item["targetMatch"] = _matchers(rule["target_matchers"])
        if "equal" in rule:
            item["equal"] = rule["equal"]
        inhibit.append(item)
    if inhibit:
        spec["inhibitRules"] = inhibit
    return spec


# The chart reads these folders of infrastructure/monitoring/ through symbolic links (Helm follows them when it
# loads a chart folder): the rules and dashboards exist once, where `make monitoring-generate` writes them.
LINKS = {"prometheus/rules": ("prometheus", "rules"), "grafana/dashboards": ("grafana", "dashboards")}


def monitoring_links(chart: Path = MONITORING_CHART) -> dict[str, str]:
    """files/<folder> -> the relative link target into infrastructure/monitoring/ it must be."""
    files_dir = chart / "files"
    return {
        rel: os.path.relpath(MONITORING_SRC.joinpath(*parts), (files_dir / rel).parent) for rel, parts in LINKS.items()
    }


def monitoring_files() -> dict[str, str]:
    """The generated files of the chart's files/ (what is not a link): relative path (under files/) -> text."""
    files: dict[str, str] = {}
    am = MONITORING_SRC / "alertmanager" / "alertmanager.yml"
    if am.exists():
        spec = alertmanager_config_spec(yaml.safe_load(am.read_text()))
        files["alertmanager/alertmanagerconfig-spec.yaml"] = (
            "# Translated from infrastructure/monitoring/alertmanager/alertmanager.yml by `make helm-sync-monitoring`"
            f" (tools/render.py); do not edit. {SECRET_NAME_TOKEN} = values alertmanagerConfig.secretName.\n"
            + _dump(spec)
        )
    lines = [
        "<!-- Generated by `make helm-sync-monitoring` (tools/render.py); do not edit. -->",
        "# Where files/ comes from",
        "",
        "The rules and dashboards are not copied: `prometheus/rules` and `grafana/dashboards` are symbolic links to",
        "`infrastructure/monitoring/` (Helm follows them), where `make monitoring-generate` writes them once.",
        "`alertmanager/alertmanagerconfig-spec.yaml` is `infrastructure/monitoring/alertmanager/alertmanager.yml`",
        "translated into an AlertmanagerConfig spec (a different format, so a generated file; its drift is tested).",
        "",
        "| files/ | source (infrastructure/monitoring/) | sha256 of the source |",
        "| --- | --- | --- |",
    ]
    for rel in LINKS:
        lines.append(f"| `{rel}/` (link) | `{rel}/` | - |")
    if am.exists():
        digest = hashlib.sha256(am.read_bytes()).hexdigest()
        lines.append(f"| `alertmanager/alertmanagerconfig-spec.yaml` | `alertmanager/alertmanager.yml` | `{digest}` |")
    files["PROVENANCE.md"] = "\n".join(lines) + "\n"
    return files


def sync_monitoring(chart: Path = MONITORING_CHART) -> list[Path]:
    """Make files/ what it should be: the links, and the generated files (stale generated files removed; the
    links' targets are never touched). Returns what changed."""
    files_dir = chart / "files"
    changed: list[Path] = []
    for rel, target in monitoring_links(chart).items():
        link = files_dir / rel
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.is_dir():
            shutil.rmtree(link)  # an old copy of the folder
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target, target_is_directory=True)
        changed.append(link)
    wanted = monitoring_files()
    linked = {files_dir / rel for rel in LINKS}
    for old in files_dir.rglob("*") if files_dir.exists() else []:
        if any(old == link or link in old.parents for link in linked):
            continue
        if old.is_file() and not old.is_symlink() and str(old.relative_to(files_dir)) not in wanted:
            old.unlink()
            changed.append(old)
    for rel, text in wanted.items():
        path = files_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.render", description="Render infrastructure/k8s; sync monitoring files."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write the rendered manifests of ENV into OUT_DIR")
    w.add_argument("env", choices=ENVIRONMENTS)
    w.add_argument("out_dir", type=Path)
    sub.add_parser("sync-monitoring", help="copy infrastructure/monitoring files into the monitoring-stack chart")
    args = parser.parse_args(argv)
    try:
        if args.command == "write":
            paths = write(args.env, args.out_dir)
            print(f"wrote {len(paths)} files into {args.out_dir}")
        else:
            changed = sync_monitoring()
            print(f"monitoring-stack/files: {len(changed)} file(s) updated")
    except RenderError as exc:
        print(f"render: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
