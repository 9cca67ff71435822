#!/usr/bin/env bash
# Set-up of what the tests talk to, from Debian's packages: a Redis server on 127.0.0.1:6379 (kept in memory
# only), the Chromium that the admin-page test drives and the libfaketime of the chaos run. Idempotent: it installs
# and starts only what is missing.
# Needs root (or sudo) for apt-get. Honours REDIS_URL (redis://host:port) for where Redis should answer.
set -euo pipefail

url="${REDIS_URL:-redis://127.0.0.1:6379}"
hostport="${url#redis://}"
hostport="${hostport##*@}"
hostport="${hostport%%/*}"
host="${hostport%%:*}"
port="${hostport##*:}"
[ "$port" = "$hostport" ] && port=6379

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

redis_answers() {
  if command -v redis-cli >/dev/null 2>&1; then
    redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG
  else
    # No client yet: a bare TCP probe is enough to decide whether to start a server.
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}

# The suite also starts its own servers (paused, cluster, sentinel) on free ports: it needs the binaries either way.
if ! command -v redis-server >/dev/null 2>&1; then
  echo "setup: installing redis-server"
  apt_install redis-server
fi
if ! redis_answers; then
  echo "setup: starting redis-server on $host:$port"
  redis-server --daemonize yes --bind "$host" --port "$port" --save "" --appendonly no
  for _ in $(seq 1 50); do redis_answers && break; sleep 0.2; done
  redis_answers || { echo "setup: Redis does not answer at $url" >&2; exit 1; }
fi
echo "setup: Redis answers at $host:$port"

if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing chromium"
  apt_install chromium
fi
echo "setup: $(chromium --version 2>/dev/null || echo 'chromium present')"

# The chaos run (npm run chaos) starts instances with their wall clock off through libfaketime.
if ! compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null && [ ! -e /usr/lib/faketime/libfaketime.so.1 ]; then
  echo "setup: installing libfaketime"
  apt_install libfaketime
fi
echo "setup: libfaketime present"
