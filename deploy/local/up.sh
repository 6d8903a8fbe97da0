#!/usr/bin/env bash
# Installs what is missing, builds, and starts Kepu on this machine: redis-server with the
# project's config and Kepu's module (its record writes), and kepud with every service. Safe to
# run again: it restarts kepud with the fresh build, restarts its own Redis only when the module
# was rebuilt (the append-only file keeps the data), and otherwise leaves Redis and its data
# alone. ./deploy/local/down.sh stops everything.
#
# Environment: KEPU_GRPC_PORT (7070), KEPU_HTTP_PORT (8080), KEPU_REDIS_PORT (6390),
# KEPU_BUILD_DIR (build/release), KEPU_HTTP_HOST (127.0.0.1; 0.0.0.0 lets phones on your network
# open the client).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source deploy/lib/common.sh

grpc_port="${KEPU_GRPC_PORT:-7070}"
http_port="${KEPU_HTTP_PORT:-8080}"
http_host="${KEPU_HTTP_HOST:-127.0.0.1}"
redis_port="${KEPU_REDIS_PORT:-6390}"
build_dir="${KEPU_BUILD_DIR:-build/release}"
data_dir="$root/deploy/local/.data"
run_dir="$root/deploy/local/.run"
mkdir -p "$data_dir/redis" "$run_dir"

kepu_ensure_packages "${KEPU_BUILD_PACKAGES[@]}" "${KEPU_RUN_PACKAGES[@]}"

echo "kepu: building ($build_dir)"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKEPU_BUILD_TESTS=OFF >/dev/null
ninja -C "$build_dir" -j "$(kepu_jobs)" kepud kepuctl kepu-gateway kepu_redis_module
redis_module="$(cd "$build_dir" && pwd)/services/core/kepu_redis_module.so"
module_sum="$(sha256sum "$redis_module" | cut -d' ' -f1)"

# The mobile client (clients/mobile), built into clients/mobile/dist, which the gateway serves.
kepu_ensure_node
kepu_npm_ci clients/mobile
echo "kepu: building the mobile client (clients/mobile/dist)"
(cd clients/mobile && npm run --silent build >/dev/null)

# Redis: start it unless ours is already answering with this build of Kepu's module. Ours (its
# folder is deploy/local/.data/redis) with another build, or none (as an older up.sh started
# it), is shut down and started again: its append-only file keeps the data. Another Redis on
# the port is left alone.
redis_has_module() {
  redis-cli -p "$redis_port" COMMAND INFO kepu.write.v1 2>/dev/null | grep -q kepu.write.v1
}
if redis-cli -p "$redis_port" PING >/dev/null 2>&1; then
  redis_dir="$(redis-cli -p "$redis_port" CONFIG GET dir 2>/dev/null | sed -n 2p)"
  if [ "$redis_dir" != "$(cd "$data_dir/redis" && pwd -P)" ]; then
    echo "kepu: another Redis (folder '${redis_dir:-unknown}') answers on 127.0.0.1:$redis_port;"
    echo "      stop it or choose another port with KEPU_REDIS_PORT"
    exit 1
  fi
  if ! redis_has_module || [ "$(cat "$run_dir/redis-module.sha256" 2>/dev/null)" != "$module_sum" ]; then
    echo "kepu: restarting redis on 127.0.0.1:$redis_port with this build of Kepu's module"
    redis-cli -p "$redis_port" SHUTDOWN >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do
      redis-cli -p "$redis_port" PING >/dev/null 2>&1 || break
      sleep 0.1
    done
    if redis-cli -p "$redis_port" PING >/dev/null 2>&1; then
      echo "kepu: redis on 127.0.0.1:$redis_port did not shut down; see $run_dir/redis.log"
      exit 1
    fi
  fi
fi
if redis-cli -p "$redis_port" PING >/dev/null 2>&1; then
  echo "kepu: redis already running on 127.0.0.1:$redis_port"
else
  echo "kepu: starting redis on 127.0.0.1:$redis_port"
  redis-server deploy/redis/redis.conf --port "$redis_port" --dir "$data_dir/redis" \
    --pidfile "$run_dir/redis.pid" --logfile "$run_dir/redis.log" --loadmodule "$redis_module"
  for _ in $(seq 1 100); do
    redis-cli -p "$redis_port" PING >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -p "$redis_port" PING >/dev/null || { echo "kepu: redis did not start; see $run_dir/redis.log"; exit 1; }
  echo "$module_sum" > "$run_dir/redis-module.sha256"
fi
redis_has_module || { echo "kepu: redis on 127.0.0.1:$redis_port has no Kepu module; see $run_dir/redis.log"; exit 1; }

# The key that hashes session tokens: made once, kept with the data.
if [ ! -s "$data_dir/token.key" ]; then
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$data_dir/token.key"
  chmod 600 "$data_dir/token.key"
fi

# The city admin kepud makes on start (KEPU_ADMIN_PHONE/PASSWORD): the password is made once,
# kept with the data, and printed below.
admin_phone="${KEPU_ADMIN_PHONE:-13800000000}"
if [ ! -s "$data_dir/admin.password" ]; then
  echo "kepu$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')" > "$data_dir/admin.password"
  chmod 600 "$data_dir/admin.password"
fi
admin_password="$(cat "$data_dir/admin.password")"

# kepud: stop a running one (gracefully), then start the fresh build.
if [ -s "$run_dir/kepud.pid" ] && kill -0 "$(cat "$run_dir/kepud.pid")" 2>/dev/null; then
  echo "kepu: restarting kepud"
  kill -TERM "$(cat "$run_dir/kepud.pid")"
  for _ in $(seq 1 200); do
    kill -0 "$(cat "$run_dir/kepud.pid")" 2>/dev/null || break
    sleep 0.1
  done
fi
: > "$run_dir/kepud.log"
KEPU_TOKEN_KEY="$(cat "$data_dir/token.key")" KEPU_ADMIN_PHONE="$admin_phone" \
  KEPU_ADMIN_PASSWORD="$admin_password" nohup "$build_dir/services/kepud/kepud" \
  --listen="127.0.0.1:$grpc_port" --redis="127.0.0.1:$redis_port" --services=all \
  --http_listen="$http_host:$http_port" --http_root="$root/clients/mobile/dist" \
  >>"$run_dir/kepud.log" 2>&1 &
echo $! > "$run_dir/kepud.pid"
for _ in $(seq 1 100); do
  grep -q '"event":"kepud.listening"' "$run_dir/kepud.log" && break
  kill -0 "$(cat "$run_dir/kepud.pid")" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q '"event":"kepud.listening"' "$run_dir/kepud.log"; then
  echo "kepu: kepud did not start:"; cat "$run_dir/kepud.log"; exit 1
fi

kepuctl="$build_dir/clients/kepuctl/kepuctl"

# Demo data: Jining's regions, departments, service lines, teams, volunteers and an account for
# every role (deploy/seed). Safe to run again: what is there already is left as it is.
echo "kepu: loading the demo data (deploy/seed)"
"$kepuctl" --server="127.0.0.1:$grpc_port" demo load --admin-phone="$admin_phone" \
  --admin-password="$admin_password" --seed-dir=deploy/seed > "$run_dir/demo-accounts.txt"

cat <<INFO

Kepu is running.
  Open the mobile client:      http://127.0.0.1:$http_port/   (a phone-sized window: DevTools, device toolbar)
  kepud (gRPC, every service)  127.0.0.1:$grpc_port    log: deploy/local/.run/kepud.log
  HTTP gateway (Connect JSON)  $http_host:$http_port    e.g.
    curl -X POST http://127.0.0.1:$http_port/kepu.v1.IdentityService/Login \\
      -H 'content-type: application/json' -d '{"phone":"13900000001","password":"resident2026"}' 
  redis (AOF, fsync always)    127.0.0.1:$redis_port    data: deploy/local/.data/redis

City admin: $admin_phone / $admin_password
Demo accounts, one of each role ($(($(wc -l < "$run_dir/demo-accounts.txt") - 1)) in all, listed in deploy/local/.run/demo-accounts.txt):
$(awk 'NR == 1 || !seen[$1]++' "$run_dir/demo-accounts.txt")

Try (the README, "One order through every role", walks an order through every role):
  export PATH="$root/$build_dir/clients/kepuctl:\$PATH" KEPU_SERVER=127.0.0.1:$grpc_port
  kepuctl --profile=resident login --phone=13900000001 --password=resident2026
  kepuctl --profile=resident catalog lines

Stop everything with ./deploy/local/down.sh
INFO
"$kepuctl" --server="127.0.0.1:$grpc_port" health
