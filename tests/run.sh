#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test through ctest:
# once in a release build, once under AddressSanitizer + UndefinedBehaviorSanitizer. Checks the
# formatting. The gateway's tests (tests/web) and the mobile client's unit and browser tests
# (clients/mobile) run under ctest too, against the build's kepud. Benchmarks are built, not run
# (see README, "Benchmarks").
#
# Environment: KEPU_SKIP_SANITIZE=1 skips the sanitizer pass (local iteration only; CI runs it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source deploy/lib/common.sh

started=$SECONDS
kepu_ensure_packages "${KEPU_BUILD_PACKAGES[@]}" "${KEPU_RUN_PACKAGES[@]}" \
  "${KEPU_TEST_PACKAGES[@]}"
kepu_ensure_node
jobs="$(kepu_jobs)"
# The Node packages of the web tests and the mobile client (from their lockfiles).
for web_dir in tests/web clients/mobile; do
  if [ -f "$web_dir/package-lock.json" ]; then kepu_npm_ci "$web_dir"; fi
done
echo "== mobile client: build (clients/mobile/dist, which the browser test opens)"
(cd clients/mobile && npm run --silent build >/dev/null)

echo "== format (clang-format, Google style)"
mapfile -t sources < <(git ls-files '*.cc' '*.h' ':!third_party' 2>/dev/null || find services clients tests -name '*.cc' -o -name '*.h')
clang-format --dry-run -Werror "${sources[@]}"

run_suite() {
  local name="$1" dir="$2"
  shift 2
  echo "== $name: configure and build ($dir)"
  cmake -S . -B "$dir" -G Ninja -DKEPU_WERROR=ON "$@" >/dev/null
  ninja -C "$dir" -j "$jobs"
  echo "== $name: ctest"
  (cd "$dir" && ctest --output-on-failure --timeout 600 -j "$jobs")
}

run_suite release build/test-release -DCMAKE_BUILD_TYPE=RelWithDebInfo

if [ "${KEPU_SKIP_SANITIZE:-0}" != "1" ]; then
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  run_suite "asan+ubsan" build/test-asan -DCMAKE_BUILD_TYPE=Debug -DKEPU_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS=-O1
fi

echo "== all tests passed in $((SECONDS - started))s"
