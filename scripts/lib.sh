# Shared set-up for scripts/run, scripts/test and scripts/bench. Source it; do not run it.
# shellcheck shell=bash
set -euo pipefail

VF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VF_PG_USER=${VF_PG_USER:-viralforge-pg}

say() { printf '\033[1;35m[viralforge]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[viralforge]\033[0m %s\n' "$*" >&2; exit 1; }

# Debian packages the studio needs at run time (and chromium for the browser tests).
vf_install_packages() {
  local wanted=(ffmpeg espeak-ng pocketsphinx pocketsphinx-en-us libgomp1 fonts-dejavu-core postgresql "$@")
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "Missing packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}"
  fi
  say "Installing ${missing[*]} (apt-get)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

vf_require_dotnet() {
  command -v dotnet >/dev/null 2>&1 || die "The .NET 10 SDK is required (dotnet was not found on PATH). See https://learn.microsoft.com/dotnet/core/install/linux-debian"
}

vf_pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql."
  echo "$dir"
}

vf_free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

# Runs a command as the PostgreSQL OS user: PostgreSQL refuses to run as root.
vf_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    # From /, which it may enter: the caller's folder may be one it cannot (a clone under /root).
    (cd / && runuser -u "$VF_PG_USER" -- "$@")
  else
    "$@"
  fi
}

vf_ensure_pg_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  id -u "$VF_PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$VF_PG_USER"
}

# vf_pg_home DIR: where the cluster for DIR really lives. As root, PostgreSQL runs as $VF_PG_USER,
# which cannot enter a folder only root may open (a clone under /root is mode 700): such a cluster
# lives under /var/lib/viralforge instead, and DIR becomes a link to it, so the next start finds it.
vf_pg_home() {
  local dir=$1 parent home
  parent=$(dirname "$dir")
  mkdir -p "$parent"
  # Not root, already relocated, or reachable: the cluster lives where DIR points (a link's target may need making again).
  if [ "$(id -u)" -ne 0 ] || [ -L "$dir" ] || vf_as_pg test -x "$parent" 2>/dev/null; then
    mkdir -p "$(readlink -f "$dir")"
    readlink -f "$dir"
    return 0
  fi
  if [ -f "$dir/data/PG_VERSION" ]; then
    die "The PostgreSQL cluster in $dir cannot be started: its OS user $VF_PG_USER cannot enter $(readlink -f "$parent") (a folder only its owner may open). Move the clone to a folder others may enter (for example /srv or /opt), or run: chmod o+x on each folder above it."
  fi
  home=/var/lib/viralforge/pg-$(readlink -f "$parent" | sha256sum | cut -c1-16)
  say "$VF_PG_USER cannot enter $(readlink -f "$parent") (only its owner may), so PostgreSQL keeps its data in $home, linked from $dir." >&2
  mkdir -p "$home"
  chmod 755 /var/lib/viralforge
  rm -rf "$dir"
  ln -s "$home" "$dir"
  echo "$home"
}

# vf_pg_start DIR: creates (once) and starts a cluster in DIR on a free loopback port.
# Sets VF_PG_PORT, VF_PG_PASSWORD and VF_CONNECTION.
vf_pg_start() {
  local dir=$1 bin
  bin=$(vf_pg_bin)
  vf_ensure_pg_user
  dir=$(vf_pg_home "$dir")
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    say "Creating a PostgreSQL cluster in $dir…"
    mkdir -p "$dir/data" "$dir/run"
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$dir/password"
    [ "$(id -u)" -eq 0 ] && chown -R "$VF_PG_USER" "$dir"
    chmod 700 "$dir/data"
    chmod 600 "$dir/password"
    [ "$(id -u)" -eq 0 ] && chown "$VF_PG_USER" "$dir/password"
    vf_as_pg "$bin/initdb" -D "$dir/data" -U viralforge --pwfile="$dir/password" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  VF_PG_PASSWORD=$(cat "$dir/password")
  if [ -f "$dir/port" ]; then VF_PG_PORT=$(cat "$dir/port"); else VF_PG_PORT=""; fi
  if ! vf_as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    if [ -z "$VF_PG_PORT" ] || (exec 3<>"/dev/tcp/127.0.0.1/$VF_PG_PORT") 2>/dev/null; then
      VF_PG_PORT=$(vf_free_port 55432)
    fi
    echo "$VF_PG_PORT" > "$dir/port"
    vf_as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start \
      -o "-p $VF_PG_PORT -c listen_addresses=127.0.0.1 -k $dir/run -c max_connections=300 -c fsync=${VF_PG_FSYNC:-on}" >/dev/null \
      || { tail -n 20 "$dir/postgres.log" >&2; die "PostgreSQL did not start (log above)."; }
  fi
  VF_CONNECTION="Host=127.0.0.1;Port=$VF_PG_PORT;Username=viralforge;Password=$VF_PG_PASSWORD;Database=viralforge;Maximum Pool Size=60"
  PGPASSWORD=$VF_PG_PASSWORD psql -h 127.0.0.1 -p "$VF_PG_PORT" -U viralforge -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='viralforge'" | grep -q 1 \
    || PGPASSWORD=$VF_PG_PASSWORD psql -h 127.0.0.1 -p "$VF_PG_PORT" -U viralforge -d postgres -qc "CREATE DATABASE viralforge" >/dev/null
}

vf_pg_stop() {
  local dir=$1 bin
  bin=$(vf_pg_bin)
  [ -e "$dir" ] || return 0
  dir=$(readlink -f "$dir")
  [ -f "$dir/data/PG_VERSION" ] || return 0
  vf_as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

vf_build() {
  local config=${1:-Release}
  say "Building ($config)…"
  dotnet build "$VF_ROOT/ViralForge.sln" -c "$config" -nologo -v quiet -clp:ErrorsOnly
}

# A real S3 implementation on loopback for the tests and benchmarks (s3rver, pinned in tools/s3rver).
vf_require_s3rver() {
  command -v node >/dev/null 2>&1 || vf_install_packages nodejs npm
  local dir="$VF_ROOT/tools/s3rver"
  if [ ! -x "$dir/node_modules/.bin/s3rver" ]; then
    say "Installing the loopback S3 store for tests (npm ci)…"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm could not install tools/s3rver; the S3 tests need it."
  fi
  export VIRALFORGE_TEST_S3RVER="$dir/node_modules/.bin/s3rver"
}
