# Shared by deploy/local/up.sh and tests/run.sh: the Debian packages Kepu needs and a helper that
# installs whichever are missing. Source it; it defines functions and arrays only.

# Building kepud and its clients.
KEPU_BUILD_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libhiredis-dev libsodium-dev libboost-dev libmsgpack-dev
  libcurl4-openssl-dev nlohmann-json3-dev
)
# Running it.
KEPU_RUN_PACKAGES=(redis-server redis-tools)
# Testing it (python3 runs tests/notify/fake_provider.py, the fake SMS and webhook provider).
KEPU_TEST_PACKAGES=(libgtest-dev libgmock-dev libbenchmark-dev clang-format python3 python3-scipy
  chromium fonts-wqy-zenhei wrk jq)

# kepu_ensure_packages PACKAGE...: installs the packages that are not installed yet (apt-get, as
# root or through sudo). Does nothing when all are there.
kepu_ensure_packages() {
  local missing=()
  local package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "kepu: installing ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
}

# kepu_ensure_node: Node.js 20 or newer with npm (the mobile client and the web tests). Installs
# the nodejs package when node is missing; fails clearly when what is there is too old (Debian 12's
# own nodejs is 18: use NodeSource's 20.x repository).
kepu_ensure_node() {
  if ! command -v node >/dev/null 2>&1; then
    kepu_ensure_packages nodejs
  fi
  local major
  major="$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/')"
  if [ -z "$major" ] || [ "$major" -lt 20 ] || ! command -v npm >/dev/null 2>&1; then
    echo "kepu: Node.js >= 20 with npm is needed (found: $(node --version 2>/dev/null || echo none))" >&2
    return 1
  fi
}

# kepu_npm_ci DIR: installs DIR's npm packages from its lockfile, unless node_modules already
# matches it.
kepu_npm_ci() {
  local dir="$1"
  if [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    return 0
  fi
  echo "kepu: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

# kepu_jobs: how many parallel build jobs this machine takes.
kepu_jobs() {
  nproc 2>/dev/null || echo 2
}
