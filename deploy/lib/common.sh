# Shared by deploy/local/up.sh and tests/run.sh: the Debian packages Kepu needs and a helper that
# installs whichever are missing. Source it; it defines functions and arrays only.

# Building kepud and its clients.
KEPU_BUILD_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libhiredis-dev libsodium-dev
)
# Running it.
KEPU_RUN_PACKAGES=(redis-server redis-tools)
# Testing it.
KEPU_TEST_PACKAGES=(libgtest-dev libgmock-dev libbenchmark-dev clang-format python3-scipy)

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

# kepu_jobs: how many parallel build jobs this machine takes.
kepu_jobs() {
  nproc 2>/dev/null || echo 2
}
