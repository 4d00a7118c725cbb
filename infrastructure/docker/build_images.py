"""Build (or reuse) the api-service and web-interface images with podman; print their references.

    python3 infrastructure/docker/build_images.py [--force] [--json] [--tag TAG ...]

Used by `make images` and by the test fixture ``built_images`` (tests/infra/conftest.py), so both build the same
way. The images are tagged ``localhost/openpolicy/<name>:in-<hash>`` where ``<hash>`` covers everything that
enters the build (Dockerfile, rootfs.sh, .dockerignore, pyproject.toml, uv.lock, README.md, src/**, the base
image's ID): when an image with that tag exists it is reused and nothing is built, so a fresh check costs well
under a second. Stdlib only: it runs before the project's virtualenv exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = ROOT / "infrastructure" / "docker"
DOCKERFILE = DOCKER_DIR / "services" / "Dockerfile"
CONTAINERS_CONF = DOCKER_DIR / "containers.conf"
BASE_SCRIPT = DOCKER_DIR / "images" / "build-base.sh"
LOCAL_BASE = "localhost/debian:bookworm-slim"
REPOSITORY = "localhost/openpolicy"
TARGETS = ("api-service", "web-interface")
CA_BUNDLE = Path(os.environ.get("OPENPOLICY_BUILD_CA", "/etc/ssl/certs/ca-certificates.crt"))
# Files outside src/ that enter the build context (see .dockerignore) or shape the build.
INPUT_FILES = (
    "infrastructure/docker/services/Dockerfile",
    "infrastructure/docker/services/rootfs.sh",
    ".dockerignore",
    "pyproject.toml",
    "uv.lock",
    "README.md",
)
SKIP_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def podman_env() -> dict[str, str]:
    """The environment for podman: the project's containers.conf (runc, ulimits) unless one is set."""
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(CONTAINERS_CONF))
    return env


def podman(*args: str, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], env=podman_env(), check=check, text=True, capture_output=capture, timeout=1800
    )


def _source_files() -> Iterable[Path]:
    for path in sorted((ROOT / "src").rglob("*")):
        if path.is_file() and not SKIP_PARTS.intersection(path.parts) and path.suffix != ".pyc":
            yield path


def input_hash(base_image: str) -> str:
    """sha256 over the build inputs (paths and contents) and the base image's ID; 16 hex digits."""
    digest = hashlib.sha256()
    base_id = podman("image", "inspect", "--format", "{{.Id}}", base_image).stdout.strip()
    digest.update(f"base:{base_id}\n".encode())
    files = [ROOT / name for name in INPUT_FILES] + list(_source_files())
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def ensure_base(base_image: str) -> None:
    """Make the local Debian base when it is missing (infrastructure/docker/images/build-base.sh)."""
    if podman("image", "exists", base_image, check=False).returncode == 0:
        return
    if base_image != LOCAL_BASE:
        raise SystemExit(f"base image {base_image} is missing (only {LOCAL_BASE} can be made here)")
    subprocess.run([str(BASE_SCRIPT), base_image], env=podman_env(), check=True)


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, text=True, capture_output=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def build_args() -> dict[str, str]:
    """OCI label values: version from pyproject.toml, revision and created from git (stable for a commit)."""
    version = "0.0.0"
    for line in (ROOT / "pyproject.toml").read_text().splitlines():
        if line.startswith("version = "):
            version = line.split("=", 1)[1].strip().strip('"')
            break
    revision = _git("rev-parse", "HEAD") or "unknown"
    dirty = bool(_git("status", "--porcelain", "--", "src", "pyproject.toml", "uv.lock"))
    created = _git("log", "-1", "--format=%cI") or "1970-01-01T00:00:00Z"
    return {
        "VERSION": version,
        "REVISION": revision + ("-dirty" if dirty else ""),
        "CREATED": created,
        "SOURCE": os.environ.get("OPENPOLICY_SOURCE_URL", "https://github.com/openpolicy/openpolicy-platform"),
    }


def build(target: str, tags: Sequence[str], base_image: str, *, quiet: bool, no_cache: bool = False) -> float:
    """podman build one target; return the seconds it took."""
    command = [
        "build",
        *(["--no-cache"] if no_cache else []),
        "--format",
        "docker",  # HEALTHCHECK, SHELL and STOPSIGNAL are Docker-format image fields
        "--network",
        "host",
        "--layers",
        "--file",
        str(DOCKERFILE),
        "--target",
        target,
        "--build-arg",
        f"BASE_IMAGE={base_image}",
    ]
    for name, value in build_args().items():
        command += ["--build-arg", f"{name}={value}"]
    if CA_BUNDLE.is_file():
        command += ["--secret", f"id=cacert,src={CA_BUNDLE}"]
    for tag in tags:
        command += ["--tag", tag]
    command.append(str(ROOT))
    started = time.monotonic()
    result = podman(*command, check=False, capture=quiet)
    if result.returncode != 0:
        output = (result.stdout or "")[-4000:] + (result.stderr or "")[-4000:] if quiet else ""
        raise SystemExit(f"podman build --target {target} failed (exit {result.returncode})\n{output}")
    return time.monotonic() - started


def ensure_images(
    *,
    base_image: str = LOCAL_BASE,
    force: bool = False,
    cold: bool = False,
    extra_tags: Sequence[str] = (),
    quiet: bool = True,
) -> dict[str, str]:
    """Build the images unless images of the same inputs exist; return {target: reference}.

    ``cold`` builds the first target without podman's layer cache (the second then reuses its layers, as on a
    fresh CI machine); empty the cache mounts too (/var/tmp/buildah-cache) to measure a truly cold build.
    """
    ensure_base(base_image)
    key = input_hash(base_image)
    refs: dict[str, str] = {}
    for target in TARGETS:
        ref = f"{REPOSITORY}/{target}:in-{key}"
        exists = podman("image", "exists", ref, check=False).returncode == 0
        tags = [ref, *(f"{REPOSITORY}/{target}:{tag}" for tag in extra_tags)]
        if force or cold or not exists:
            seconds = build(target, tags, base_image, quiet=quiet, no_cache=cold and target == TARGETS[0])
            print(f"built {ref} in {seconds:.1f}s", file=sys.stderr)
            _untag_stale(target, keep=ref)
        else:
            for tag in tags[1:]:
                podman("tag", ref, tag)
        refs[target] = ref
    return refs


def _untag_stale(target: str, keep: str) -> None:
    """Drop ``in-<hash>`` tags of earlier inputs built over two hours ago (their layers stay as build cache).

    Younger ones stay: another test session on this machine may be running containers from them right now.
    """
    listed = podman(
        *("images", "--filter", f"reference={REPOSITORY}/{target}", "--filter", "until=2h"),
        *("--format", "{{.Repository}}:{{.Tag}}"),
        check=False,
    )
    for ref in listed.stdout.split():
        if ref != keep and ref.split(":")[-1].startswith("in-"):
            podman("untag", ref, ref, check=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="build even when images of these inputs exist")
    parser.add_argument("--cold", action="store_true", help="build without the layer cache (to measure)")
    parser.add_argument("--base-image", default=LOCAL_BASE, help=f"base image (default {LOCAL_BASE})")
    parser.add_argument("--tag", action="append", default=[], help="extra tag for both images (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the references as JSON")
    parser.add_argument("--verbose", action="store_true", help="show podman build's output")
    args = parser.parse_args(argv)
    refs = ensure_images(
        base_image=args.base_image, force=args.force, cold=args.cold, extra_tags=args.tag, quiet=not args.verbose
    )
    if args.json:
        print(json.dumps(refs))
    else:
        for target, ref in refs.items():
            size = podman("image", "inspect", "--format", "{{.Size}}", ref).stdout.strip()
            print(f"{target}: {ref} ({int(size) / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
