#!/usr/bin/env bash
# Cut a distroless-style root file system out of this (Debian bookworm) system's installed packages.
#
#   rootfs.sh DEST
#
# Run inside the Dockerfile's `rootfs` stage. DEST receives the files of the runtime packages below (docs, man
# pages, locales, glibc's iconv modules and tzdata's "right/" zones left out), the matching stdlib bytecode that
# Debian compiled at install time, /etc/passwd and /etc/group with the service user 10001, the CA bundle, an
# ld.so.cache, and /var/lib/dpkg/status.d/<package> records (the layout distroless uses, which image scanners
# read) — nothing else: no apt, dpkg, perl, coreutils, compilers or package caches.
set -euo pipefail

DEST="${1:?usage: rootfs.sh DEST}"
PY=python3.11
# The runtime closure of CPython 3.11 and the compiled wheels of uv.lock (greenlet needs libstdc++).
# Left out on purpose: libsqlite3-0, libncursesw6/libtinfo6/libreadline8, libdb5.3, libnsl2/libtirpc3 (stdlib
# modules sqlite3, curses, readline, dbm and nis, which the platform does not import).
PACKAGES=(
  base-files tzdata ca-certificates dash
  libc6 libgcc-s1 libstdc++6 zlib1g libssl3 libffi8 libexpat1 libbz2-1.0 liblzma5 libuuid1 libcrypt1
  libpython3.11-minimal libpython3.11-stdlib python3.11-minimal python3-minimal
)

mkdir -p "$DEST"
LIST="$(mktemp)"
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W "$pkg" >/dev/null 2>&1 || { echo "rootfs.sh: package $pkg is not installed in the base image" >&2; exit 1; }
  dpkg-query -L "$pkg"
done |
  # merged /usr: /bin, /lib, /lib64 and /sbin are symlinks into /usr (made below)
  sed -E 's#^/(bin|sbin|lib|lib64)/#/usr/\1/#' |
  grep -vE '^/usr/share/(doc|man|info|lintian|locale|bug|menu|debianutils|gdb|gcc|binfmts)/' |
  grep -vE '^/usr/lib/x86_64-linux-gnu/gconv/|^/usr/share/zoneinfo/right/|^/usr/lib/python3[.0-9]*/(ensurepip|pydoc_data)/' |
  grep -vE '^/usr/bin/(py3compile|py3clean|py3versions)$|^/usr/sbin/update-ca-certificates$' |
  sort -u >"$LIST.all"

: >"$LIST"
while IFS= read -r path; do
  if [ -L "$path" ] || [ -f "$path" ]; then
    printf '%s\n' "${path#/}" >>"$LIST"
    # Debian byte-compiles the stdlib at install time; keep the matching bytecode (the root is read-only later).
    case "$path" in
      *.py)
        pyc="$(dirname "$path")/__pycache__/$(basename "$path" .py).cpython-311.pyc"
        [ -f "$pyc" ] && printf '%s\n' "${pyc#/}" >>"$LIST"
        ;;
    esac
  fi
done <"$LIST.all"

tar -C / --no-recursion -cf - -T "$LIST" | tar -C "$DEST" -xf -
rm -f "$LIST" "$LIST.all"

for dir in bin sbin lib lib64; do
  ln -sfn "usr/$dir" "$DEST/$dir"
done
ln -sfn dash "$DEST/usr/bin/sh"

# Identity: root, the service user 10001 and nobody. No shells, no passwords.
mkdir -p "$DEST/etc" "$DEST/root" "$DEST/tmp" "$DEST/var/tmp" "$DEST/run" "$DEST/var/lib/dpkg/status.d" \
  "$DEST/usr/lib/ssl" "$DEST/etc/ssl/certs"
chmod 0700 "$DEST/root"
chmod 1777 "$DEST/tmp" "$DEST/var/tmp"
cat >"$DEST/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
openpolicy:x:10001:10001:Open Policy Platform:/tmp:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$DEST/etc/group" <<'EOF'
root:x:0:
openpolicy:x:10001:
nogroup:x:65534:
EOF
cat >"$DEST/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
networks: files
protocols: files
services: files
EOF

# TLS trust: the bundle update-ca-certificates made in the base image, where OpenSSL and Python look for it.
cp /etc/ssl/certs/ca-certificates.crt "$DEST/etc/ssl/certs/ca-certificates.crt"
ln -sfn /etc/ssl/certs "$DEST/usr/lib/ssl/certs"
ln -sfn /etc/ssl/certs/ca-certificates.crt "$DEST/usr/lib/ssl/cert.pem"
ln -sfn /usr/share/zoneinfo/Etc/UTC "$DEST/etc/localtime"
echo "Etc/UTC" >"$DEST/etc/timezone"

# Package records for scanners (trivy, grype, syft read /var/lib/dpkg/status.d/ as in distroless).
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -s "$pkg" >"$DEST/var/lib/dpkg/status.d/$pkg"
done

# The dynamic loader's cache for the copied libraries.
mkdir -p "$DEST/etc/ld.so.conf.d"
cp -a /etc/ld.so.conf "$DEST/etc/ld.so.conf"
cp -a /etc/ld.so.conf.d/. "$DEST/etc/ld.so.conf.d/"
ldconfig -r "$DEST"

# Smoke test of the cut: the interpreter starts and its TLS, compression, ctypes, uuid and decimal modules load.
chroot "$DEST" /usr/bin/$PY -c 'import ssl, zlib, bz2, lzma, ctypes, uuid, decimal, json, zoneinfo, hashlib; ssl.create_default_context()'
echo "rootfs: $(du -sh "$DEST" | cut -f1) in $(find "$DEST" -type f | wc -l) files from ${#PACKAGES[@]} packages"
