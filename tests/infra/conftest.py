"""Fixtures of the infrastructure tests.

``built_images`` builds the api-service and web-interface images with podman — or reuses them: images are tagged
with a hash of everything that enters the build (infrastructure/docker/build_images.py), so when nothing changed
the fixture only hashes the inputs and asks podman whether the tags exist (well under a second). The Helm tests'
``podman kube play`` uses it too.
"""

from __future__ import annotations

import shutil

import pytest
from tests.support.containers import load_script


@pytest.fixture(scope="session")
def built_images() -> dict[str, str]:
    """``{"api-service": "localhost/openpolicy/api-service:in-<hash>", "web-interface": ...}``, built if needed."""
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed: `make system-deps` installs it (APT_PACKAGES in mk/docker.mk)")
    builder = load_script("build_images")
    refs: dict[str, str] = builder.ensure_images()
    return refs
