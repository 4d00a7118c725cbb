"""Check every layer of an image for things that must not ship: compilers, package caches, secrets.

    python3 infrastructure/docker/layer_check.py [--secret-bundle FILE] IMAGE [IMAGE ...]

Reads the layers themselves (``podman image save --format docker-archive``), not the merged file system, so a
file added in one layer and deleted in a later one is still found. Exit 1 and one line per finding when
something is found. Stdlib only. Findings:

- compilers, assemblers and linkers (gcc, cc, c++, clang, as, ld, rustc, go ...), gcc's libexec, C headers;
- package managers (pip, uv, apt, dpkg) and their caches and lists (~/.cache/pip, ~/.cache/uv, apt lists and
  archives);
- secrets: the build-time CA bundle secret (by content, and any of its certificates that the image's public
  Debian bundle does not contain, e.g. a TLS-inspecting proxy's CA), /run/secrets, private keys (PEM), .env
  files, .git folders, SSH keys.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CONTAINERS_CONF = Path(__file__).resolve().parent / "containers.conf"
BIN_DIRS = ("bin/", "sbin/", "usr/bin/", "usr/sbin/", "usr/local/bin/", "usr/local/sbin/", "opt/venv/bin/")
COMPILERS = re.compile(
    r"^(gcc|g\+\+|cc|c\+\+|cpp|c89|c99|clang|clang\+\+|tcc|as|ld|ld\.bfd|ld\.gold|gold|rustc|cargo|go|gfortran|"
    r"x86_64-linux-gnu-(gcc|g\+\+|cpp|as|ld)(-\d+)?|(gcc|g\+\+|cpp)-\d+)$"
)
PACKAGE_MANAGERS = re.compile(r"^(pip|pip3|pip3\.\d+|uv|uvx|apt|apt-get|aptitude|dpkg|easy_install)$")
CACHE_PATTERNS = (
    (re.compile(r"(^|/)\.cache/(pip|uv)(/|$)"), "pip/uv cache"),
    (re.compile(r"^root/\.cache/"), "cache in /root"),
    (re.compile(r"^var/lib/apt/lists/[^/]+$"), "apt list"),
    (re.compile(r"^var/cache/apt/.+\.(bin|deb)$"), "apt cache"),
    (re.compile(r"^usr/share/python-wheels/"), "bundled pip wheels"),
    (re.compile(r"(^|/)site-packages/pip/"), "pip package"),
    (re.compile(r"^usr/lib/gcc/"), "gcc libexec"),
    (re.compile(r"^usr/include/"), "C headers"),
)
SECRET_PATTERNS = (
    (re.compile(r"^run/secrets/."), "build secret path"),
    (re.compile(r"(^|/)\.env(\.[^/]*)?$"), ".env file"),
    (re.compile(r"(^|/)\.git/"), ".git folder"),
    (re.compile(r"(^|/)id_(rsa|ecdsa|ed25519)$"), "SSH private key"),
)
PRIVATE_KEY = re.compile(rb"-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{16}")
PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----\s+(.+?)\s+-----END CERTIFICATE-----", re.S)
PUBLIC_BUNDLE = "etc/ssl/certs/ca-certificates.crt"
MAX_SCAN_BYTES = 8 * 1024 * 1024


@dataclass
class Report:
    image: str
    layers: int = 0
    files: int = 0
    findings: list[str] = field(default_factory=list)


def _certs(data: bytes) -> set[bytes]:
    return {re.sub(rb"\s+", b"", m.group(1)) for m in PEM_CERT.finditer(data)}


def _layers(archive: Path) -> Iterator[tuple[str, tarfile.TarFile]]:
    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))  # type: ignore[arg-type]
        for name in manifest[0]["Layers"]:
            member = outer.extractfile(name)
            if member is None:
                continue
            with tarfile.open(fileobj=io.BytesIO(member.read())) as layer:
                yield name, layer


def check_image(image: str, secret_bundle: Path | None) -> Report:
    report = Report(image)
    secret = secret_bundle.read_bytes() if secret_bundle and secret_bundle.is_file() else b""
    secret_hash = hashlib.sha256(secret).hexdigest() if secret else ""
    with tempfile.TemporaryDirectory(prefix="layer-check-") as tmp:
        archive = Path(tmp) / "image.tar"
        env = dict(os.environ)
        env.setdefault("CONTAINERS_CONF", str(CONTAINERS_CONF))
        subprocess.run(
            ["podman", "image", "save", "--format", "docker-archive", "-o", str(archive), image],
            check=True,
            env=env,
            capture_output=True,
        )
        public_certs: set[bytes] = set()
        suspicious: list[tuple[str, bytes]] = []
        for layer_name, layer in _layers(archive):
            report.layers += 1
            short = layer_name.split("/")[0][:12]
            for member in layer:
                path = member.name.removeprefix("./").lstrip("/")
                parent, _, base = path.rpartition("/")
                report.files += 1
                if f"{parent}/" in BIN_DIRS and COMPILERS.match(base):
                    report.findings.append(f"{image} layer {short}: compiler/linker /{path}")
                if f"{parent}/" in BIN_DIRS and PACKAGE_MANAGERS.match(base):
                    report.findings.append(f"{image} layer {short}: package manager /{path}")
                for pattern, what in CACHE_PATTERNS + SECRET_PATTERNS:
                    if pattern.search(path):
                        report.findings.append(f"{image} layer {short}: {what} /{path}")
                if not member.isfile() or member.size > MAX_SCAN_BYTES:
                    continue
                handle = layer.extractfile(member)
                data = handle.read() if handle else b""
                if path == PUBLIC_BUNDLE:
                    public_certs |= _certs(data)
                if secret_hash and len(data) == len(secret) and hashlib.sha256(data).hexdigest() == secret_hash:
                    report.findings.append(f"{image} layer {short}: the build CA bundle secret as /{path}")
                if PRIVATE_KEY.search(data):
                    report.findings.append(f"{image} layer {short}: PEM private key in /{path}")
                if b"-----BEGIN CERTIFICATE-----" in data:
                    suspicious.append((f"{short}:/{path}", data))
        private_certs = _certs(secret) - public_certs if secret else set()
        for where, data in suspicious:
            if private_certs & _certs(data):
                report.findings.append(f"{image} layer {where}: a certificate of the build CA secret")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+")
    parser.add_argument(
        "--secret-bundle",
        type=Path,
        default=Path(os.environ.get("OPENPOLICY_BUILD_CA", "/etc/ssl/certs/ca-certificates.crt")),
        help="the CA bundle passed to the build as the `cacert` secret (default: this machine's)",
    )
    args = parser.parse_args(argv)
    failed = False
    for image in args.images:
        report = check_image(image, args.secret_bundle)
        for line in report.findings:
            print(line)
        failed = failed or bool(report.findings)
        status = "FAIL" if report.findings else "clean"
        print(f"layer check {image}: {status} ({report.layers} layers, {report.files} entries)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
