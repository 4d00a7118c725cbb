#!/usr/bin/env bash
# Build the local Debian bookworm base image (no registry can be reached here, so nothing can be pulled).
#
#   infrastructure/docker/images/build-base.sh [IMAGE]      (default IMAGE: localhost/debian:bookworm-slim)
#
# Made like the official debian:bookworm-slim (debuerreotype): debootstrap --variant=minbase, then the "slim"
# step (dpkg path excludes for docs, man pages and locales, emptied apt lists and caches). Unlike the official
# slim image it also contains python3, python3-venv and ca-certificates, the only things our Dockerfile needs
# from its base. Skipped when the image already exists (delete it with `podman rmi IMAGE` to rebuild).
set -euo pipefail

IMAGE="${1:-localhost/debian:bookworm-slim}"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HERE="$(cd "$(dirname "$0")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$HERE/../containers.conf}"

if podman image exists "$IMAGE"; then
  echo "base image $IMAGE present"
  exit 0
fi

for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || { echo "build-base.sh: $tool is missing (make system-deps installs it)" >&2; exit 1; }
done

ROOTFS="$(mktemp -d /var/tmp/openpolicy-base.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT

echo "debootstrap $SUITE into $ROOTFS (about a minute)"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates "$SUITE" "$ROOTFS" "$MIRROR" \
  >"$ROOTFS.log" 2>&1 || { tail -20 "$ROOTFS.log" >&2; rm -f "$ROOTFS.log"; exit 1; }
rm -f "$ROOTFS.log"

# The "slim" step of the official image: keep future package installs from bringing docs back, drop them now.
cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
CFG
find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$ROOTFS"/usr/share/{groff,info,linda,lintian,man}/*
find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
  "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/log/* "$ROOTFS"/tmp/* "$ROOTFS"/root/.cache
# Same apt sources as the official image.
rm -f "$ROOTFS/etc/apt/sources.list"
cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

tar --numeric-owner -C "$ROOTFS" -c . |
  podman import --quiet --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --message "debootstrap --variant=minbase $SUITE + python3 python3-venv ca-certificates, slimmed" - "$IMAGE" >/dev/null
echo "base image $IMAGE built: $(podman image inspect --format '{{.Size}}' "$IMAGE") bytes"
