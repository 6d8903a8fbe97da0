#!/usr/bin/env bash
# Stops what ./deploy/local/up.sh started: kepud (gracefully), then Redis (its data stays in
# deploy/local/.data).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run_dir="$root/deploy/local/.run"
redis_port="${KEPU_REDIS_PORT:-6390}"

stop_pid() {
  local name="$1" file="$2"
  if [ -s "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null; then
    echo "kepu: stopping $name"
    kill -TERM "$(cat "$file")"
    for _ in $(seq 1 300); do
      kill -0 "$(cat "$file")" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$file"
}

stop_pid kepud "$run_dir/kepud.pid"
if redis-cli -p "$redis_port" PING >/dev/null 2>&1; then
  echo "kepu: stopping redis"
  redis-cli -p "$redis_port" SHUTDOWN >/dev/null 2>&1 || true
fi
rm -f "$run_dir/redis.pid"
echo "kepu: stopped"
