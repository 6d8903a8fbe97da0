#!/usr/bin/env bash
# What the HTTP gateway costs: wrk POSTs CreateOrder (Connect JSON, a fresh request_id each time)
# to kepud's gateway, then GETs a static file of the same size as CreateOrder's answer from
# --http_root on the same gateway, and prints requests/s, p50 and p99 of both and their ratio.
# Starts its own redis-server (the project's config, a temporary folder, a free loopback port)
# and kepud (free loopback ports), loads the demo data, signs in a demo resident; everything is
# stopped and removed on exit.
#
# A third run POSTs GetOrder for the last order, whose answer is the same size: a read through
# the same gateway, to tell the gateway's cost from the write's.
#
# Environment: KEPUD, KEPUCTL, KEPU_REDIS_MODULE, KEPU_SEED_DIR (default: build/dev's binaries,
# deploy/seed);
# BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_DURATION (10s), BENCH_FSYNC (always, the
# project's; or everysec, no). Needs redis-server, wrk, curl, jq.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kepud="${KEPUD:-$root/build/dev/services/kepud/kepud}"
kepuctl="${KEPUCTL:-$root/build/dev/clients/kepuctl/kepuctl}"
# Absolute: redis-server enters its --dir before it loads modules.
redis_module="$(realpath -m "${KEPU_REDIS_MODULE:-$root/build/dev/services/core/kepu_redis_module.so}")"
seed_dir="${KEPU_SEED_DIR:-$root/deploy/seed}"
threads="${BENCH_THREADS:-2}"
connections="${BENCH_CONNECTIONS:-32}"
duration="${BENCH_DURATION:-10s}"
fsync="${BENCH_FSYNC:-always}"

for tool in redis-server wrk curl jq; do
  command -v "$tool" >/dev/null || { echo "gateway_bench: needs $tool (apt-get install $tool)" >&2; exit 2; }
done
for file in "$kepud" "$kepuctl" "$redis_module"; do
  [ -x "$file" ] || { echo "gateway_bench: $file is not an executable (set KEPUD / KEPUCTL / KEPU_REDIS_MODULE)" >&2; exit 2; }
done
[ -f "$seed_dir/accounts.tsv" ] || { echo "gateway_bench: no $seed_dir/accounts.tsv (set KEPU_SEED_DIR)" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/kepu-gateway-bench.XXXXXX")"
redis_pid=""
kepud_pid=""
cleanup() {
  local status=$?
  for pid in $kepud_pid $redis_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ "$status" -ne 0 ] && [ -f "$tmp/kepud.log" ]; then
    echo "--- kepud log (last lines) ---" >&2
    tail -n 30 "$tmp/kepud.log" >&2
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits (up to $3 tenths of a second) for a line matching $2 in file $1, while process $4 lives.
wait_for_line() {
  local file="$1" pattern="$2" tenths="$3" pid="$4"
  for _ in $(seq 1 "$tenths"); do
    grep -q "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Redis: the project's config (AOF, appendfsync as asked), a free port, a temporary folder.
mkdir -p "$tmp/redis" "$tmp/www"
for attempt in 1 2 3 4 5; do
  redis_port=$((20000 + RANDOM % 40000))
  port_is_free "$redis_port" || continue
  redis-server "$root/deploy/redis/redis.conf" --port "$redis_port" --bind 127.0.0.1 \
    --loadmodule "$redis_module" \
    --dir "$tmp/redis" --daemonize no --logfile "" --appendfsync "$fsync" \
    >"$tmp/redis.log" 2>&1 &
  redis_pid=$!
  if wait_for_line "$tmp/redis.log" "Ready to accept connections" 300 "$redis_pid"; then break; fi
  kill -KILL "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
done
[ -n "$redis_pid" ] || { echo "gateway_bench: redis-server did not start:" >&2; cat "$tmp/redis.log" >&2; exit 1; }

# kepud with the gateway on free ports; the static root holds the file of the second run.
admin_phone=13800000000
admin_password="kepu$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')"
KEPU_TOKEN_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
  KEPU_ADMIN_PHONE="$admin_phone" KEPU_ADMIN_PASSWORD="$admin_password" \
  "$kepud" --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --http_root="$tmp/www" \
  --redis="127.0.0.1:$redis_port" --password_cost=min >"$tmp/kepud.log" 2>&1 &
kepud_pid=$!
wait_for_line "$tmp/kepud.log" '"event":"kepud.listening"' 600 "$kepud_pid" &&
  wait_for_line "$tmp/kepud.log" '"event":"gateway.listening"' 600 "$kepud_pid" ||
  { echo "gateway_bench: kepud did not start" >&2; exit 1; }
address_of() { grep "\"event\":\"$1\"" "$tmp/kepud.log" | head -n 1 | jq -r .address; }
grpc_address="$(address_of kepud.listening)"
http="http://$(address_of gateway.listening)"

KEPUCTL_CONFIG="$tmp/kepuctl.json" "$kepuctl" --server="$grpc_address" demo load \
  --admin-phone="$admin_phone" --admin-password="$admin_password" --seed-dir="$seed_dir" \
  >"$tmp/demo.txt" 2>"$tmp/demo.err" || { cat "$tmp/demo.err" >&2; exit 1; }

# A demo resident signs in through the gateway.
read -r phone password < <(awk -F'\t' '$1 == "resident" {print $3, $4; exit}' "$seed_dir/accounts.tsv")
token="$(curl -sS --fail-with-body -H 'content-type: application/json' \
  -d "{\"phone\":\"$phone\",\"password\":\"$password\"}" \
  "$http/kepu.v1.IdentityService/Login" | jq -r .token)"
[ -n "$token" ] && [ "$token" != null ] || { echo "gateway_bench: login failed" >&2; exit 1; }

# The README walkthrough's order, a week ahead, 09:00-11:00 in Jining; @RID@ becomes the
# request id. Every request repeats this draft, so after 100 orders each answer carries the
# maximum of 100 possible duplicates: the warm-up below reaches that steady size.
day="$(TZ=Asia/Shanghai date -d '+7 days' +%F)"
start="$(date -u -d "${day}T09:00:00+08:00" +%FT%TZ)"
end="$(date -u -d "${day}T11:00:00+08:00" +%FT%TZ)"
jq -cn --arg from "$start" --arg until "$end" '{
  requestId: "@RID@",
  draft: {
    serviceLineId: "elderly-smart-help", communityId: "rencheng-guhuai-zhuyuan",
    address: "竹竿巷社区党群服务中心", audience: "AUDIENCE_ELDERLY", expectedAttendees: 30,
    preferredWindows: [{"start": $from, "end": $until}],
    description: "老年人防范电信诈骗讲座", contact: {name: "潘文", phone: "13900000001"}
  }
}' >"$tmp/create.json"

create_once() {
  sed "s/@RID@/$1/" "$tmp/create.json" |
    curl -sS --fail-with-body -H 'content-type: application/json' \
      -H "authorization: Bearer $token" --data-binary @- \
      "$http/kepu.v1.OrderService/CreateOrder"
}
for i in $(seq 1 110); do create_once "bench-warmup-$i" >/dev/null; done
create_once "bench-size-probe" >"$tmp/answer.json"
answer_bytes="$(stat -c %s "$tmp/answer.json")"
jq -e '.state == "ORDER_STATE_SUBMITTED"' "$tmp/answer.json" >/dev/null ||
  { echo "gateway_bench: CreateOrder did not answer an order:" >&2; cat "$tmp/answer.json" >&2; exit 1; }

# The static file: as many bytes as CreateOrder's answer.
head -c "$answer_bytes" /dev/zero | tr '\0' 'x' >"$tmp/www/answer.txt"
curl -sS --fail -o "$tmp/static.out" "$http/answer.txt"
[ "$(stat -c %s "$tmp/static.out")" = "$answer_bytes" ] ||
  { echo "gateway_bench: the static file came back with another size" >&2; exit 1; }

# wrk: each thread numbers its requests; thread id + counter + run id make the request id.
cat >"$tmp/create.lua" <<'LUA'
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  local template = file:read("*a"):gsub("%s+$", "")
  file:close()
  local at = template:find("@RID@", 1, true)
  prefix = template:sub(1, at - 1)
  suffix = template:sub(at + 5)
  token = args[2]
  run = args[3]
  counter = 0
  first_failure = ""
end

function request()
  counter = counter + 1
  local body = prefix .. string.format("b%s-%d-%d", run, tid, counter) .. suffix
  return wrk.format("POST", "/kepu.v1.OrderService/CreateOrder", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

function response(status, headers, body)
  if status ~= 200 and first_failure == "" then
    first_failure = status .. " " .. body:sub(1, 300)
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local failure = thread:get("first_failure")
    if failure ~= "" then io.write("first failure: " .. failure .. "\n") end
  end
end
LUA

run_wrk() {  # name, wrk arguments...
  local name="$1"
  shift
  # (the token stays out of what is printed)
  echo "== $name: wrk -t$threads -c$connections -d$duration --latency ${*//$token/<token>}" >&2
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" >"$tmp/$name.wrk" 2>&1
  cat "$tmp/$name.wrk" >&2
}
run_id="$(date +%s)"
run_wrk create -s "$tmp/create.lua" "$http/kepu.v1.OrderService/CreateOrder" -- \
  "$tmp/create.json" "$token" "$run_id"
probe_id="$(jq -r .id "$tmp/answer.json")"
cat >"$tmp/get.lua" <<'LUA'
function init(args)
  wrk.method = "POST"
  wrk.body = '{"orderId":"' .. args[1] .. '"}'
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
end
LUA
run_wrk get -s "$tmp/get.lua" "$http/kepu.v1.OrderService/GetOrder" -- "$probe_id" "$token"
run_wrk static "$http/answer.txt"

# wrk's numbers: Requests/sec, the 50% and 99% latency lines (us, ms or s → ms), non-2xx.
rps() { awk '/^Requests\/sec:/ {print $2}' "$tmp/$1.wrk"; }
percentile() {
  awk -v p="$2%" '$1 == p {
    v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
    if (unit == "us") v /= 1000; else if (unit == "s") v *= 1000; else if (unit == "m") v *= 60000
    printf "%.2f", v }' "$tmp/$1.wrk"
}
non2xx() { awk '/Non-2xx or 3xx responses:/ {print $5; found=1} END {if (!found) print 0}' "$tmp/$1.wrk"; }
socket_errors() { awk '/Socket errors:/ {sub(/^ *Socket errors: /, ""); print; found=1} END {if (!found) print "none"}' "$tmp/$1.wrk"; }

orders="$(redis-cli -p "$redis_port" --no-auth-warning ZCARD "kepu:{jining}:index:community:rencheng-guhuai-zhuyuan")"
c_rps="$(rps create)"; s_rps="$(rps static)"; g_rps="$(rps get)"
g50="$(percentile get 50)"; g99="$(percentile get 99)"
c50="$(percentile create 50)"; c99="$(percentile create 99)"
s50="$(percentile static 50)"; s99="$(percentile static 99)"

echo
echo "gateway_bench: $(nproc) cores, wrk -t$threads -c$connections -d$duration, redis appendfsync $fsync,"
echo "answer size $answer_bytes bytes; orders in the community after the run: $orders"
echo
printf '| %-48s | %10s | %9s | %9s | %8s |\n' "target" "requests/s" "p50 ms" "p99 ms" "non-2xx"
printf '|%s|%s|%s|%s|%s|\n' "------------------------------------------------" "-----------:" "----------:" "----------:" "---------:"
printf '| %-48s | %10.0f | %9s | %9s | %8s |\n' "POST /kepu.v1.OrderService/CreateOrder (JSON)" "$c_rps" "$c50" "$c99" "$(non2xx create)"
printf '| %-48s | %10.0f | %9s | %9s | %8s |\n' "POST /kepu.v1.OrderService/GetOrder (JSON, same answer)" "$g_rps" "$g50" "$g99" "$(non2xx get)"
printf '| %-48s | %10.0f | %9s | %9s | %8s |\n' "GET /answer.txt ($answer_bytes bytes, --http_root)" "$s_rps" "$s50" "$s99" "$(non2xx static)"
printf '| %-48s | %10s | %9s | %9s | %8s |\n' "ratio: static÷create (req/s), create÷static (ms)" \
  "$(awk -v a="$s_rps" -v b="$c_rps" 'BEGIN {printf "%.1f", a / b}')" \
  "$(awk -v a="$c50" -v b="$s50" 'BEGIN {printf "%.1f", a / b}')" \
  "$(awk -v a="$c99" -v b="$s99" 'BEGIN {printf "%.1f", a / b}')" ""
printf '| %-48s | %10s | %9s | %9s | %8s |\n' "ratio: static÷GetOrder (req/s), GetOrder÷static (ms)" \
  "$(awk -v a="$s_rps" -v b="$g_rps" 'BEGIN {printf "%.1f", a / b}')" \
  "$(awk -v a="$g50" -v b="$s50" 'BEGIN {printf "%.1f", a / b}')" \
  "$(awk -v a="$g99" -v b="$s99" 'BEGIN {printf "%.1f", a / b}')" ""
echo
echo "socket errors: CreateOrder $(socket_errors create); static $(socket_errors static)"
if [ "$(non2xx create)" != 0 ] || [ "$(non2xx static)" != 0 ] || [ "$(non2xx get)" != 0 ]; then
  echo "gateway_bench: some answers were not 2xx (see the wrk output above)" >&2
  exit 1
fi
