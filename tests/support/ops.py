"""Test helpers of the ops area.

FAKE helm and kubectl: no Kubernetes API server can run on these machines, so `openpolicy deploy` is driven
against two small stand-in executables put first on PATH. They are FAKES (the one fake the team rules allow
here): they only record the command lines they are given and answer with the JSON shapes the real tools print
(`helm history -o json`, `kubectl get -o json`), following a scenario written to a state file. The flags the
deploy command emits are separately checked against the real helm binary's `--help`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

FAKE_SHIM = """#!/bin/sh
# FAKE {tool} for tests (tests/support/ops.py): records argv, answers from a scenario file. Not the real {tool}.
exec {python} {script} {tool} "$@"
"""


class FakeKube:
    """A folder with FAKE `helm` and `kubectl` executables, their scenario state and the recorded commands."""

    def __init__(self, root: Path, *, helm_version: str, history: list[dict[str, Any]] | None = None) -> None:
        self.bin = root / "fake-bin"
        self.bin.mkdir(parents=True)
        self.state_path = root / "fake-kube-state.json"
        self.log_path = root / "fake-kube-commands.jsonl"
        self.log_path.write_text("")
        for tool in ("helm", "kubectl"):
            path = self.bin / tool
            script = Path(__file__).with_name("fake_kube_tool.py")
            path.write_text(FAKE_SHIM.format(python=sys.executable, script=script, tool=tool))
            path.chmod(0o755)
        self.write_state({"helm_version": helm_version, "history": history or [], "upgrade": "ok", "rollout": "ok"})

    def write_state(self, state: dict[str, Any]) -> None:
        self.state_path.write_text(json.dumps(state))

    def update(self, **changes: Any) -> None:
        state = json.loads(self.state_path.read_text())
        state.update(changes)
        self.write_state(state)

    def state(self) -> dict[str, Any]:
        return dict(json.loads(self.state_path.read_text()))

    def commands(self) -> list[list[str]]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["FAKE_KUBE_STATE"] = str(self.state_path)
        env["FAKE_KUBE_LOG"] = str(self.log_path)
        return env


def deployed_history(revisions: int) -> list[dict[str, Any]]:
    """A release history whose last revision is deployed."""
    return [
        {
            "revision": rev,
            "updated": "2026-11-25T08:00:00Z",
            "status": "deployed" if rev == revisions else "superseded",
            "chart": "openpolicy-platform-0.1.0",
            "app_version": "0.1.0",
            "description": "Upgrade complete" if rev > 1 else "Install complete",
        }
        for rev in range(1, revisions + 1)
    ]
