"""FAKE `helm` / `kubectl` used by tests/integration/test_ops_deploy.py (see tests/support/ops.py).

Not the real tools: it appends its argv to $FAKE_KUBE_LOG and answers from the scenario in $FAKE_KUBE_STATE,
printing the JSON shapes the real `helm history -o json` and `kubectl get -o json` print.
Usage (through the shims FakeKube writes): fake_kube_tool.py helm|kubectl ARGS...
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def entry(rev: int, status: str, desc: str) -> dict[str, Any]:
    return {
        "revision": rev,
        "updated": "2026-11-26T08:00:00Z",
        "status": status,
        "chart": "openpolicy-platform-0.1.0",
        "app_version": "0.1.0",
        "description": desc,
    }


def helm(args: list[str], state: dict[str, Any]) -> int:
    history: list[dict[str, Any]] = state["history"]

    def supersede() -> None:
        for e in history:
            if e["status"] == "deployed":
                e["status"] = "superseded"

    cmd = args[0]
    if cmd == "version":
        print(state["helm_version"])
        return 0
    if cmd == "history":
        if not history:
            print("Error: release: not found", file=sys.stderr)
            return 1
        print(json.dumps(history))
        return 0
    if cmd == "upgrade":
        rev = len(history) + 1
        outcome = state.get("upgrade", "ok")
        if outcome == "ok":
            supersede()
            history.append(entry(rev, "deployed", "Upgrade complete"))
            print('Release "openpolicy" has been upgraded. Happy Helming!')
            return 0
        flag = "rollback-on-failure" if "--rollback-on-failure" in args else "atomic"
        previous = [e for e in history if e["status"] == "deployed"]
        history.append(entry(rev, "failed", "Upgrade failed: context deadline exceeded"))
        if outcome == "fail-rolled-back" and previous:
            supersede()
            history.append(entry(rev + 1, "deployed", f"Rollback to {previous[-1]['revision']}"))
            print(
                "Error: UPGRADE FAILED: release openpolicy failed, and has been rolled back due to "
                f"{flag} being set: context deadline exceeded",
                file=sys.stderr,
            )
            return 1
        print("Error: UPGRADE FAILED: context deadline exceeded", file=sys.stderr)
        return 1
    if cmd == "rollback":
        to = args[2] if len(args) > 2 and args[2].isdigit() else None
        supersede()
        history.append(entry(len(history) + 1, "deployed", f"Rollback to {to}"))
        print("Rollback was a success! Happy Helming!")
        return 0
    print(f"fake helm: unexpected command {args}", file=sys.stderr)
    return 64


def kubectl(args: list[str], state: dict[str, Any]) -> int:
    if "rollout" in args:
        if state.get("rollout", "ok") != "ok":
            print('error: deployment "openpolicy-api-service" exceeded its progress deadline', file=sys.stderr)
            return 1
        print("deployment successfully rolled out")
        return 0
    if "get" in args and "pods" in args:
        pods = []
        for comp, char in (("api-service", "a"), ("web-interface", "b")):
            image = f"ghcr.io/openpolicy/{comp}@sha256:{char * 64}"
            pods.append(
                {
                    "metadata": {"name": f"openpolicy-{comp}-1", "labels": {"app.kubernetes.io/component": comp}},
                    "spec": {"containers": [{"name": comp}]},
                    "status": {
                        "phase": "Running",
                        "containerStatuses": [{"name": comp, "ready": True, "image": image, "imageID": image}],
                    },
                }
            )
        print(json.dumps({"items": pods}))
        return 0
    if "get" in args:
        items = [
            {"kind": "Deployment", "metadata": {"name": f"openpolicy-{c}"}} for c in ("api-service", "web-interface")
        ]
        print(json.dumps({"items": items}))
        return 0
    print(f"fake kubectl: unexpected command {args}", file=sys.stderr)
    return 64


def main() -> int:
    tool, args = sys.argv[1], sys.argv[2:]
    with open(os.environ["FAKE_KUBE_LOG"], "a") as log:
        log.write(json.dumps([tool, *args]) + "\n")
    with open(os.environ["FAKE_KUBE_STATE"]) as fh:
        state = json.load(fh)
    code = helm(args, state) if tool == "helm" else kubectl(args, state)
    with open(os.environ["FAKE_KUBE_STATE"], "w") as fh:
        json.dump(state, fh)
    return code


if __name__ == "__main__":
    sys.exit(main())
