#!/usr/bin/env bash
# End-to-end test of the Debian package in a Debian 13 (trixie) chroot made with debootstrap, for this machine's
# architecture or, through qemu-user-static, for the Raspberry Pi ones (arm64, armhf):
#   1. install a stand-in for the old Python package (kaifareader 0.3: /usr/lib/kaifareader/kaifareader.py,
#      conffile /etc/kaifareader/meter.json, /lib/systemd/system/kaifareader.service, 0777 log directory) and
#      edit its meter.json like a user would;
#   2. upgrade it with our .deb (`dpkg -i` + `apt-get -f install`, which pulls nodejs' and our dependencies):
#      no conffile question, the user's meter.json kept byte for byte, the Python files gone, our unit in place,
#      the system user in dialout, `kaifareader --version`, `config check` and `decode` of a real telegram;
#   3. the daemon as the service user (the unit's NODE_OPTIONS) on a replay of that telegram with the history and
#      the dashboard: /api/v1/latest answers with the vector's values, the history sink is ok, libsql's native
#      addon is mapped into the process, SIGTERM stops it with exit 0; serialport's addon (loaded only for a
#      serial source) loads as the service user;
#   4. `dpkg --purge`: user, group, configuration, state and logs removed;
#   5. a fresh install (meter.json from the template, 0640 root:kaifareader) and a second purge.
# Nothing runs inside the chroot's systemd (there is none): maintainer scripts take their "no systemd" paths.
#
# Usage (as root): scripts/deb-chroot-test.sh [--arch amd64|arm64|armhf] [path/to/kaifareader_<version>_<arch>.deb]
#   --arch       the chroot's architecture (default: this machine's). A foreign one needs qemu-user-static (and
#                binfmt-support where qemu registers through update-binfmts); binfmt_misc is mounted if it is not.
#   default .deb: the newest dist/kaifareader_*_<arch>.deb (npm run package:deb [-- --arch <arch>])
# Environment:
#   KAIFAREADER_CHROOT_SUITE   Debian suite (default trixie)
#   KAIFAREADER_CHROOT_MIRROR  package mirror (default: the first Debian mirror in /etc/apt/sources.list*)
#   KAIFAREADER_CHROOT_CACHE   base chroot kept between runs (default /var/tmp/kaifareader-chroot-<suite>-<arch>);
#                              delete it to start from a fresh debootstrap
# Runtime measured on 2 shared cores with a fresh debootstrap: amd64 132 s (103 s of it debootstrap + nodejs),
# arm64 1300 s (1060 s), armhf 459 s (367 s) under qemu; later runs reuse the cached base chroot (arm64 131 s,
# armhf 64 s).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
host_arch=$(dpkg --print-architecture)
arch=$host_arch
if [ "${1:-}" = --arch ]; then
  arch=${2:-}
  shift 2 || true
fi
deb=${1:-$(ls -t "$repo"/dist/kaifareader_*_"$arch".deb 2>/dev/null | head -n 1 || true)}
suite=${KAIFAREADER_CHROOT_SUITE:-trixie}
cache=${KAIFAREADER_CHROOT_CACHE:-/var/tmp/kaifareader-chroot-$suite-$arch}
vector=$repo/test/fixtures/vectors/evn_netznoe-pdf_1.json

die() {
  echo "deb-chroot-test: $*" >&2
  exit 2
}
case $arch in
  amd64 | arm64 | armhf) ;;
  *) die "--arch must be amd64, arm64 or armhf (got '$arch')" ;;
esac
[ -n "$deb" ] && [ -f "$deb" ] ||
  die "no $arch .deb found: run 'npm run package:deb -- --arch $arch' first or pass the .deb's path"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount): run it with sudo"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
[ -f "$vector" ] || die "$vector is missing"
deb_arch=$(dpkg-deb -f "$deb" Architecture)
[ "$deb_arch" = "$arch" ] || die "$(basename "$deb") is for $deb_arch, the chroot is $arch: pass --arch $deb_arch"

# A foreign chroot runs its programs through qemu-user-static, which the kernel starts via binfmt_misc.
qemu=
if [ "$arch" != "$host_arch" ]; then
  case $arch in
    arm64) qemu=qemu-aarch64 ;;
    armhf) qemu=qemu-arm ;;
    amd64) qemu=qemu-x86_64 ;;
  esac
  command -v "$qemu-static" >/dev/null ||
    die "$qemu-static is missing: apt-get install qemu-user-static binfmt-support"
  if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
      die "cannot mount binfmt_misc (a container without it cannot run $arch programs)"
  fi
  if [ ! -e "/proc/sys/fs/binfmt_misc/$qemu" ]; then
    if command -v update-binfmts >/dev/null; then
      update-binfmts --enable "$qemu" || true
    elif [ -f "/usr/lib/binfmt.d/$qemu.conf" ]; then
      cat "/usr/lib/binfmt.d/$qemu.conf" >/proc/sys/fs/binfmt_misc/register || true
    fi
  fi
  grep -qx enabled "/proc/sys/fs/binfmt_misc/$qemu" 2>/dev/null ||
    die "binfmt_misc has no enabled $qemu entry: apt-get install qemu-user-static binfmt-support"
fi

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

step "base chroot: Debian $suite $arch from $mirror (cache $cache)"
if [ ! -x "$cache/usr/bin/node" ]; then
  rm -rf "$cache.partial"
  if [ -z "$qemu" ]; then
    debootstrap --variant=minbase --include=nodejs,ca-certificates "$suite" "$cache.partial" "$mirror"
  else
    # First stage unpacks on the host; the second runs the maintainer scripts as $arch programs under qemu.
    debootstrap --arch="$arch" --foreign --variant=minbase --include=nodejs,ca-certificates \
      "$suite" "$cache.partial" "$mirror"
    cp "$(command -v "$qemu-static")" "$cache.partial/usr/bin/" # for binfmt entries without the F flag
    chroot "$cache.partial" /debootstrap/debootstrap --second-stage
  fi
  cp /etc/resolv.conf "$cache.partial/etc/resolv.conf"
  chroot "$cache.partial" apt-get update -qq
  mv "$cache.partial" "$cache"
fi
cp -a "$cache" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
echo "node $(in_root node --version) ($(in_root node -p process.arch)) in the chroot; setup took $(($(date +%s) - started)) s"

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

step "the daemon on a replay source with history and dashboard, as the service user"
daemon_started=$(date +%s)
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
mkdir -p "$root/tmp/kf"
# The whole telegram on one line: one chunk every 5 s (replay's pace for untimed captures), looping.
node -e 'console.log(require(process.argv[1]).frames_hex.join(""))' "$vector" >"$root/tmp/kf/capture.txt"
printf '{"source": {"replay": "/tmp/kf/capture.txt", "loop": true}, "key": "%s", "data_dir": "/var/lib/kaifareader",\n "exports": {"history": true}, "http": {"host": "127.0.0.1", "port": %s}}\n' \
  "$key" "$port" >"$root/tmp/kf/run.json"
chmod 0755 "$root/tmp/kf"
in_root chown root:kaifareader /tmp/kf/run.json
chmod 0640 "$root/tmp/kf/run.json"
# setpriv execs (no fork), so $! is the daemon's own process: its /proc/<pid>/maps lists the addons it loaded.
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  NODE_OPTIONS="--jitless --max-semi-space-size=1" MALLOC_ARENA_MAX=2 \
  setpriv --reuid=kaifareader --regid=kaifareader --init-groups \
  kaifareader run --config /tmp/kf/run.json </dev/null >"$work/daemon.log" 2>&1 &
daemon_pid=$!
latest=$(node -e '
  const [url, pid] = process.argv.slice(1);
  const until = Date.now() + 180000;
  const alive = () => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
  (async () => {
    while (Date.now() < until && alive()) {
      try {
        const r = await fetch(url);
        if (r.status === 200) { console.log(await r.text()); return; }
      } catch {}
      await new Promise((ok) => setTimeout(ok, 500));
    }
    process.exitCode = 1;
  })();' "http://127.0.0.1:$port/api/v1/latest" "$daemon_pid" || true)
echo "first answer after $(($(date +%s) - daemon_started)) s: $(printf '%s' "$latest" | head -c 300)"
check "/api/v1/latest answers with the vector's 1.8.0 = 12937 Wh" sh -c "printf '%s' \"\$1\" | grep -q 12937" sh "$latest"
sleep 6 # a second telegram, so the history has rows from a running store
status_json=$(node -e 'fetch(process.argv[1]).then((r) => r.text()).then(console.log, () => process.exit(1))' \
  "http://127.0.0.1:$port/api/v1/status" || true)
echo "status: $(printf '%s' "$status_json" | head -c 600)"
check "/api/v1/status: diagnosis ok, history sink ok with rows" node -e '
  const s = JSON.parse(process.argv[1]);
  process.exit(s.diagnosis.state === "ok" && s.sinks.history.ok === true && s.history_rows >= 1 ? 0 : 1);' "$status_json"
history_json=$(node -e 'fetch(process.argv[1]).then((r) => r.text()).then(console.log, () => process.exit(1))' \
  "http://127.0.0.1:$port/api/v1/history?fields=energy_import_wh" || true)
check "/api/v1/history returns rows read back from SQLite" sh -c "printf '%s' \"\$1\" | grep -q 12937" sh "$history_json"
maps=$(cat "/proc/$daemon_pid/maps" 2>/dev/null || true)
check "libsql's native addon is loaded (/proc/$daemon_pid/maps)" sh -c "printf '%s' \"\$1\" | grep -q '@libsql/linux-.*/index.node'" sh "$maps"
# The daemon loads serialport only for a serial source (the replay above has none): the package's own copy is
# loaded the way src/transport/serial-source.ts does, as the service user under the unit's flags, and the addon
# must then be mapped into that process.
check "serialport's native addon loads as the service user (/proc/self/maps)" chroot "$root" /usr/bin/env -i \
  PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 NODE_OPTIONS="--jitless --max-semi-space-size=1" \
  setpriv --reuid=kaifareader --regid=kaifareader --init-groups node -e '
    const { createRequire } = require("node:module");
    const load = createRequire("/usr/lib/kaifareader/dist/transport/serial-source.js");
    load("@serialport/bindings-cpp");
    const maps = require("node:fs").readFileSync("/proc/self/maps", "utf8");
    process.exit(/bindings-cpp.*\.node/.test(maps) ? 0 : 1);'
kill -TERM "$daemon_pid" 2>/dev/null || true
set +e
wait "$daemon_pid"
daemon_rc=$?
set -e
sed 's/^/  | /' "$work/daemon.log" | head -n 30
check "SIGTERM stops the daemon with exit 0 (exit $daemon_rc)" test "$daemon_rc" = 0
check "history database written to /var/lib/kaifareader" test -s "$root/var/lib/kaifareader/history.db"
echo "daemon step took $(($(date +%s) - daemon_started)) s"

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
echo "deb-chroot-test ($arch): $failures failure(s), $(($(date +%s) - started)) s in all"
[ "$failures" = 0 ]
