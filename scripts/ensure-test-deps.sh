#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (run by `npm test` through `pretest`, and by
# .ci/run): socat (pty pairs), mosquitto (MQTT broker), chromium (dashboard via playwright-core), prometheus
# (promtool), dpkg-dev + lintian + fakeroot (Debian package), systemd (systemd-analyze, systemd-notify),
# python3 (binds the AF_UNIX datagram socket that stands in for systemd's notify socket), postgresql (the
# PostgreSQL sink's tests start their own cluster in a temp dir, see test/helpers/postgres.ts), influxdb and
# victoria-metrics (the line-protocol sink's tests start their own servers, test/helpers/tsdb.ts).
# As root with apt-get it installs what is missing; otherwise it says what to install and fails.
set -euo pipefail
pkgs="socat mosquitto chromium prometheus dpkg-dev lintian fakeroot systemd python3 postgresql influxdb victoria-metrics"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing test dependencies:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  # The tests start their own brokers on random loopback ports; the packaged service is not needed.
  (systemctl disable --now mosquitto 2>/dev/null || true)
  (systemctl disable --now postgresql 2>/dev/null || pg_ctlcluster --mode fast 15 main stop 2>/dev/null || true)
  (systemctl disable --now influxdb victoria-metrics 2>/dev/null || true)
else
  echo "the tests need these Debian packages:$missing" >&2
  echo "install them with: sudo apt-get install$missing" >&2
  exit 1
fi
