#!/usr/bin/env bash
# End-to-end test of the Debian package in a Debian 13 (trixie) chroot made with debootstrap:
#   1. install a stand-in for the old Python package (kaifareader 0.3: /usr/lib/kaifareader/kaifareader.py,
#      conffile /etc/kaifareader/meter.json, /lib/systemd/system/kaifareader.service, 0777 log directory) and
#      edit its meter.json like a user would;
#   2. upgrade it with our .deb (`dpkg -i` + `apt-get -f install`, which pulls nodejs' and our dependencies):
#      no conffile question, the user's meter.json kept byte for byte, the Python files gone, our unit in place,
#      the system user in dialout, `kaifareader --version`, `config check` and `decode` of a real telegram;
#   3. `dpkg --purge`: user, group, configuration, state and logs removed;
#   4. a fresh install (meter.json from the template, 0640 root:kaifareader) and a second purge.
# Nothing runs inside the chroot's systemd (there is none): maintainer scripts take their "no systemd" paths.
#
# Usage (as root): scripts/deb-chroot-test.sh [path/to/kaifareader_<version>_<arch>.deb]
#   default .deb: the newest dist/kaifareader_*_<host arch>.deb (npm run package:deb)
# Environment:
#   KAIFAREADER_CHROOT_SUITE   Debian suite (default trixie)
#   KAIFAREADER_CHROOT_MIRROR  package mirror (default: the first Debian mirror in /etc/apt/sources.list*)
#   KAIFAREADER_CHROOT_CACHE   base chroot kept between runs (default /var/tmp/kaifareader-chroot-<suite>);
#                              delete it to start from a fresh debootstrap
# Runtime measured on 2 cores: first run 135 s (109 s of it debootstrap + nodejs download), later runs 10 s.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
arch=$(dpkg --print-architecture)
deb=${1:-$(ls -t "$repo"/dist/kaifareader_*_"$arch".deb 2>/dev/null | head -n 1 || true)}
suite=${KAIFAREADER_CHROOT_SUITE:-trixie}
cache=${KAIFAREADER_CHROOT_CACHE:-/var/tmp/kaifareader-chroot-$suite}
vector=$repo/test/fixtures/vectors/evn_netznoe-pdf_1.json

die() {
  echo "deb-chroot-test: $*" >&2
  exit 2
}
[ -n "$deb" ] && [ -f "$deb" ] || die "no .deb found: run 'npm run package:deb' first or pass the .deb's path"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount): run it with sudo"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
[ -f "$vector" ] || die "$vector is missing"

default_mirror() {
  local m
  m=$(grep -hoE '^(URIs:|deb) +[^ ]*/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
    /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1 | awk '{print $2}' || true)
  echo "${m:-http://deb.debian.org/debian}"
}
mirror=${KAIFAREADER_CHROOT_MIRROR:-$(default_mirror)}

started=$(date +%s)
work=$(mktemp -d /var/tmp/kaifareader-chroot-test.XXXXXX)
root=$work/root
cleanup() {
  if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc"; fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
step() { printf '\n== %s\n' "$*"; }
pass() { echo "ok   $*"; }
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}
check() { # check "description" command…
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

step "base chroot: Debian $suite from $mirror (cache $cache)"
if [ ! -x "$cache/usr/bin/node" ]; then
  rm -rf "$cache.partial"
  debootstrap --variant=minbase --include=nodejs,ca-certificates "$suite" "$cache.partial" "$mirror"
  cp /etc/resolv.conf "$cache.partial/etc/resolv.conf"
  chroot "$cache.partial" apt-get update -qq
  mv "$cache.partial" "$cache"
fi
cp -a "$cache" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
echo "node $(in_root node --version) in the chroot; setup took $(($(date +%s) - started)) s"

step "stand-in for the old Python package kaifareader 0.3"
old=$work/python-pkg
mkdir -p "$old/DEBIAN" "$old/usr/lib/kaifareader" "$old/etc/kaifareader" "$old/lib/systemd/system"
cat >"$old/DEBIAN/control" <<'EOF'
Package: kaifareader
Version: 0.3
Architecture: all
Maintainer: test stand-in <stand-in@example.org>
Description: stand-in for the Python kaifareader 0.3 package (same paths, no Python)
EOF
echo /etc/kaifareader/meter.json >"$old/DEBIAN/conffiles"
printf '#!/bin/sh\nset -e\n[ "$1" = configure ] || exit 0\nmkdir -p /var/run/kaifareader /var/log/kaifareader\nchmod 777 /var/run/kaifareader /var/log/kaifareader\n' >"$old/DEBIAN/postinst"
chmod 0755 "$old/DEBIAN/postinst"
echo '# stand-in for the Python script' >"$old/usr/lib/kaifareader/kaifareader.py"
printf '[Service]\nExecStart=/usr/bin/python3 /usr/lib/kaifareader/kaifareader.py\n[Install]\nWantedBy=multi-user.target\n' \
  >"$old/lib/systemd/system/kaifareader.service"
cat >"$old/etc/kaifareader/meter.json" <<'EOF'
{
  "loglevel": "logging.INFO",
  "logfile": "/var/log/kaifareader/kaifa.log",
  "port": "/dev/ttyUSB0",
  "baudrate": 2400,
  "parity": "serial.PARITY_NONE",
  "stopbits": "serial.STOPBITS_ONE",
  "bytesize": "serial.EIGHTBITS",
  "key_hex_string": "",
  "interval": 15,
  "supplier": "EVN",
  "export_format": "SOLARVIEW",
  "export_file_abspath": "/var/run/kaifareader/kaifa.txt"
}
EOF
dpkg-deb --root-owner-group --build "$old" "$root/tmp/kaifareader_0.3_all.deb" >/dev/null
in_root dpkg -i /tmp/kaifareader_0.3_all.deb >/dev/null
# The user fills in the key (the public example key of the EVN/Netz NÖ documentation).
key=$(node -e 'process.stdout.write(require(process.argv[1]).key_hex)' "$vector")
sed -i "s/\"key_hex_string\": \"\"/\"key_hex_string\": \"$key\"/" "$root/etc/kaifareader/meter.json"
cp "$root/etc/kaifareader/meter.json" "$work/user-meter.json"
echo "old log line" >"$root/var/log/kaifareader/kaifa.log"
check "Python stand-in installed" test -f "$root/usr/lib/kaifareader/kaifareader.py"

step "upgrade to $(basename "$deb") with dpkg -i + apt-get -f install"
cp "$deb" "$root/tmp/new.deb"
set +e
in_root dpkg -i /tmp/new.deb </dev/null >"$work/dpkg.log" 2>&1
echo "dpkg -i exit $? (1 is expected while dependencies are missing)"
in_root apt-get -f install -y -q </dev/null >>"$work/dpkg.log" 2>&1
apt_rc=$?
set -e
sed 's/^/  | /' "$work/dpkg.log" | grep -vE 'Get:|Unpacking|Selecting|Preparing|Setting up lib' || true
check "apt-get -f install succeeded" test "$apt_rc" = 0
check "dpkg asked no conffile question" sh -c "! grep -q 'Configuration file' '$work/dpkg.log'"
status=$(in_root dpkg-query -W -f '${Version} ${db:Status-Abbrev}' kaifareader)
check "installed and configured ($status)" sh -c "echo '$status' | grep -Eq '^1:[^ ]+ ii'"
check "the user's meter.json is kept byte for byte" cmp -s "$work/user-meter.json" "$root/etc/kaifareader/meter.json"
check "no meter.json.python-upgrade left behind" test ! -e "$root/etc/kaifareader/meter.json.python-upgrade"
check "meter.json is 0640 root:kaifareader" test "$(in_root stat -c '%a %U:%G' /etc/kaifareader/meter.json)" = "640 root:kaifareader"
check "/etc/kaifareader is 0750 root:kaifareader" test "$(in_root stat -c '%a %U:%G' /etc/kaifareader)" = "750 root:kaifareader"
check "the Python script is gone" test ! -e "$root/usr/lib/kaifareader/kaifareader.py"
check "our unit is in place (not lost in the /lib → /usr/lib move)" grep -q '^User=kaifareader$' "$root/usr/lib/systemd/system/kaifareader.service"
check "/var/log/kaifareader is no longer world-writable" test "$(in_root stat -c '%a' /var/log/kaifareader)" = 750
check "old log kept" grep -q "old log line" "$root/var/log/kaifareader/kaifa.log"
check "system user kaifareader with home /var/lib/kaifareader and nologin" \
  sh -c "in_passwd=\$(chroot '$root' getent passwd kaifareader); echo \"\$in_passwd\" | grep -q ':/var/lib/kaifareader:/usr/sbin/nologin$'"
check "kaifareader is in group dialout" sh -c "chroot '$root' id -nG kaifareader | grep -qw dialout"
if [ -x "$root/usr/bin/deb-systemd-helper" ]; then
  check "service enabled" test -L "$root/etc/systemd/system/multi-user.target.wants/kaifareader.service"
else
  echo "note deb-systemd-helper (init-system-helpers) is not in this chroot: enabling skipped, as intended"
fi

want=$(dpkg-deb -f "$deb" Version | sed 's/^[0-9]*://; s/-[^-]*$//')
got=$(in_root kaifareader --version 2>&1 || true)
check "kaifareader --version prints $want (got: $got)" test "$got" = "$want"

set +e
check_out=$(in_root runuser -u kaifareader -- kaifareader config check --config /etc/kaifareader/meter.json 2>&1)
check_rc=$?
set -e
echo "$check_out" | sed 's/^/  | /'
check "config check accepts the Python meter.json as the service user (exit $check_rc)" test "$check_rc" = 0
check "config check does not print the key" sh -c "! printf '%s' \"\$1\" | grep -qi '$key'" sh "$check_out"

mapfile -t frames < <(node -e 'for (const f of require(process.argv[1]).frames_hex) console.log(f)' "$vector")
set +e
decode_out=$(in_root kaifareader decode --json --key "$key" "${frames[@]}" 2>&1)
decode_rc=$?
set -e
echo "$decode_out" | head -c 1500 | sed 's/^/  | /'
echo
check "kaifareader decode exits 0 (exit $decode_rc)" test "$decode_rc" = 0
check "decode shows 1.8.0 = 12937 Wh from the vector" sh -c "printf '%s' \"\$1\" | grep -q 12937" sh "$decode_out"

step "dpkg --purge"
in_root dpkg --purge kaifareader >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge"; }
check "user removed" sh -c "! chroot '$root' getent passwd kaifareader >/dev/null"
check "group removed" sh -c "! chroot '$root' getent group kaifareader >/dev/null"
for d in /etc/kaifareader /var/lib/kaifareader /var/log/kaifareader /usr/lib/kaifareader /run/kaifareader; do
  check "$d removed" test ! -e "$root$d"
done
check "package gone from dpkg" sh -c "! chroot '$root' dpkg-query -W kaifareader >/dev/null 2>&1"

step "fresh install, then purge again"
in_root dpkg -i /tmp/new.deb </dev/null >"$work/fresh.log" 2>&1 || { cat "$work/fresh.log"; fail "dpkg -i (fresh)"; }
check "meter.json created from the template" cmp -s "$root/usr/share/kaifareader/meter.json" "$root/etc/kaifareader/meter.json"
check "meter.json is 0640 root:kaifareader" test "$(in_root stat -c '%a %U:%G' /etc/kaifareader/meter.json)" = "640 root:kaifareader"
check "/var/lib/kaifareader belongs to kaifareader" test "$(in_root stat -c '%a %U' /var/lib/kaifareader)" = "750 kaifareader"
in_root dpkg --purge kaifareader >/dev/null 2>&1 || fail "second purge"
check "clean after the second purge" sh -c "test ! -e '$root/etc/kaifareader' && ! chroot '$root' getent passwd kaifareader >/dev/null"

echo
echo "deb-chroot-test: $failures failure(s), $(($(date +%s) - started)) s in all"
[ "$failures" = 0 ]
