#!/usr/bin/env bash
# Fetches the kernels the harness boots under QEMU (kernel/vm.ts) into the kernel cache, without
# installing them: `apt-get download` the newest Debian cloud image of each version asked for (default:
# 6.1 and 6.12) and unpack it with dpkg-deb, so the host's own boot setup is never touched.
# Cache: $TIMENS_KERNEL_CACHE, default .cache/kernels. Needs Debian bookworm's apt sources.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${TIMENS_KERNEL_CACHE:-.cache/kernels}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(6.1 6.12)
for v in "${versions[@]}"; do
  case "$v" in
    6.1) pattern='^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' ;;
    6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64$' ;;
    *) echo "fetch-kernels: no Debian package known for Linux $v" >&2; exit 2 ;;
  esac
  # The newest package of that version the archive offers.
  pkg="$(apt-cache pkgnames linux-image- | grep -E "$pattern" | sort -V | tail -n 1)"
  if [ -z "$pkg" ]; then echo "fetch-kernels: apt knows no package for Linux $v (apt-get update?)" >&2; exit 1; fi
  if ls "$cache/$pkg/boot"/vmlinuz-* >/dev/null 2>&1; then echo "$pkg: already in $cache"; continue; fi
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download "$pkg" >/dev/null)
  dpkg-deb -x "$tmp"/*.deb "$cache/$pkg"
  rm -rf "$tmp"
  echo "$pkg: unpacked into $cache/$pkg"
done
