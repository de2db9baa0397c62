#!/usr/bin/env bash
# The Raspberry Pi packages end to end: builds the arm64 and armhf .debs and runs scripts/deb-chroot-test.sh on
# each in a Debian 13 chroot under qemu-user-static (install, --version, decode a real telegram, the daemon with
# history and dashboard answering /api/v1/latest, purge). Not in .ci/run: it takes too long for CI (see below).
#
# Usage (as root): scripts/deb-chroot-test-arm.sh [arm64] [armhf]   (default: both)
# Needs: apt-get install debootstrap qemu-user-static binfmt-support (installed here when missing).
# Measured on 2 shared cores, Debian 12 host, fresh debootstrap: arm64 1300 s (1060 s of it the emulated second
# stage and apt-get update), armhf 459 s (367 s), 1808 s in all with packaging. Later runs reuse the base chroots
# in /var/tmp/kaifareader-chroot-trixie-<arch> and skip that part: 226 s in all (arm64 131 s, armhf 64 s).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(arm64 armhf)
[ "$(id -u)" = 0 ] || {
  echo "deb-chroot-test-arm: needs root (debootstrap, chroot, binfmt_misc): run it with sudo" >&2
  exit 2
}
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
command -v update-binfmts >/dev/null || missing+=(binfmt-support)
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npx tsc -p tsconfig.json
summary=()
rc=0
for arch in "${arches[@]}"; do
  node scripts/package-deb.mjs --arch "$arch"
  t0=$(date +%s)
  if bash scripts/deb-chroot-test.sh --arch "$arch"; then result=passed; else
    result=FAILED
    rc=1
  fi
  summary+=("$arch: $result in $(($(date +%s) - t0)) s")
done
echo
printf 'deb-chroot-test-arm: %s\n' "${summary[@]}"
exit "$rc"
