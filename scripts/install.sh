#!/bin/sh
# Installs the downstash binary for this machine from a release: picks the asset (OS, CPU, AVX2 or
# baseline, glibc or musl, Rosetta), downloads it and SHASUMS256.txt, refuses it unless its sha256
# matches, unpacks it into the bin dir and runs `downstash version`. With --systemd it also installs
# the unit and an env file for the service.
#
#   curl -fsSL <release url>/install.sh | sh
#   sh install.sh [--version v0.1.0] [--from DIR|URL] [--bin-dir DIR] [--target NAME] [--systemd]
#   sh install.sh --print-target      # only print the asset this machine would get
#
# Environment: DOWNSTASH_REPO (owner/name of the GitHub releases, default downstash/downstash),
# DOWNSTASH_VERSION, DOWNSTASH_INSTALL_FROM, DOWNSTASH_BIN_DIR, DOWNSTASH_TARGET,
# DOWNSTASH_SYSTEMD_DIR (default /etc/systemd/system), DOWNSTASH_CONFIG_DIR (default /etc/downstash).
set -eu

repo="${DOWNSTASH_REPO:-downstash/downstash}"
version="${DOWNSTASH_VERSION:-latest}"
from="${DOWNSTASH_INSTALL_FROM:-}"
bin_dir="${DOWNSTASH_BIN_DIR:-}"
target="${DOWNSTASH_TARGET:-}"
cpuinfo="${DOWNSTASH_CPUINFO:-/proc/cpuinfo}"
systemd_dir="${DOWNSTASH_SYSTEMD_DIR:-/etc/systemd/system}"
config_dir="${DOWNSTASH_CONFIG_DIR:-/etc/downstash}"
with_systemd=0
print_target=0

fail() {
  echo "install.sh: $*" >&2
  exit 1
}

usage() {
  cat <<'USAGE'
Usage: install.sh [--version v0.1.0] [--from DIR|URL] [--bin-dir DIR] [--target NAME] [--systemd]
       install.sh --print-target
  --version       release to install (default: latest)
  --from          directory or URL holding the release assets and SHASUMS256.txt
  --bin-dir       where to put downstash (default: /usr/local/bin as root, else ~/.downstash/bin)
  --target        asset to install instead of the detected one (e.g. linux-x64-baseline)
  --systemd       also install the systemd unit and /etc/downstash/downstash.env
  --print-target  print the asset this machine would get, and stop
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="${2:?--version needs a value}"; shift 2 ;;
    --from) from="${2:?--from needs a value}"; shift 2 ;;
    --bin-dir) bin_dir="${2:?--bin-dir needs a value}"; shift 2 ;;
    --target) target="${2:?--target needs a value}"; shift 2 ;;
    --systemd) with_systemd=1; shift ;;
    --print-target) print_target=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument $1 (see --help)" ;;
  esac
done

is_musl() {
  [ -f /etc/alpine-release ] && return 0
  ldd --version 2>&1 | grep -qi musl
}

has_avx2() {
  grep -qw avx2 "$cpuinfo" 2>/dev/null
}

detect_target() {
  os=$(uname -s)
  cpu=$(uname -m)
  case "$os" in
    Linux)
      case "$cpu" in
        x86_64 | amd64)
          if is_musl; then echo linux-x64-musl
          elif has_avx2; then echo linux-x64
          else echo linux-x64-baseline
          fi ;;
        aarch64 | arm64)
          is_musl && fail "no musl build for arm64; use a glibc system or the Docker image"
          echo linux-arm64 ;;
        *) fail "no build for Linux on $cpu" ;;
      esac ;;
    Darwin)
      case "$cpu" in
        arm64) echo darwin-arm64 ;;
        x86_64)
          # A shell under Rosetta reports x86_64 on Apple silicon: the native build is faster.
          if [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then echo darwin-arm64
          else echo darwin-x64
          fi ;;
        *) fail "no build for macOS on $cpu" ;;
      esac ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
      fail "on Windows, download downstash-windows-x64.zip from the release and unzip it" ;;
    *) fail "no build for $os" ;;
  esac
}

[ -n "$target" ] || target=$(detect_target)
case "$target" in
  linux-x64 | linux-x64-baseline | linux-arm64 | linux-x64-musl | darwin-arm64 | darwin-x64) ;;
  *) fail "unknown target $target" ;;
esac
asset="downstash-$target.tar.gz"
if [ "$print_target" = 1 ]; then
  echo "$asset"
  exit 0
fi

if [ -z "$from" ]; then
  if [ "$version" = latest ]; then from="https://github.com/$repo/releases/latest/download"
  else from="https://github.com/$repo/releases/download/$version"
  fi
fi
if [ -z "$bin_dir" ]; then
  if [ "$(id -u)" = 0 ]; then bin_dir=/usr/local/bin; else bin_dir="$HOME/.downstash/bin"; fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/downstash-install.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# fetch NAME: copies a release file into $work, from a directory or over HTTP(S).
fetch() {
  case "$from" in
    http://* | https://*)
      if command -v curl >/dev/null 2>&1; then curl --fail --silent --show-error --location --output "$work/$1" "$from/$1"
      elif command -v wget >/dev/null 2>&1; then wget --quiet --output-document "$work/$1" "$from/$1"
      else fail "needs curl or wget to download"
      fi || fail "could not download $from/$1" ;;
    file://*) cp "${from#file://}/$1" "$work/$1" 2>/dev/null || fail "no $1 in ${from#file://}" ;;
    *) cp "$from/$1" "$work/$1" 2>/dev/null || fail "no $1 in $from" ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d ' ' -f 1
  else fail "needs sha256sum or shasum to verify the download"
  fi
}

# verify NAME: its sha256 must be the one SHASUMS256.txt lists for it.
verify() {
  expected=$(awk -v name="$1" '$2 == name || $2 == "*" name { print $1; exit }' "$work/SHASUMS256.txt")
  [ -n "$expected" ] || fail "SHASUMS256.txt lists no $1"
  actual=$(sha256_of "$work/$1")
  [ "$actual" = "$expected" ] || fail "checksum mismatch for $1: expected $expected, got $actual (nothing was installed)"
}

echo "downstash: installing $asset from $from" >&2
fetch SHASUMS256.txt
fetch "$asset"
verify "$asset"

tar -xzf "$work/$asset" -C "$work"
[ -f "$work/downstash-$target/downstash" ] || fail "$asset holds no downstash-$target/downstash"
mkdir -p "$bin_dir"
# Copy then rename: a running downstash keeps its old file, and nobody sees a half-written one.
cp "$work/downstash-$target/downstash" "$bin_dir/.downstash.new"
chmod 755 "$bin_dir/.downstash.new"
mv -f "$bin_dir/.downstash.new" "$bin_dir/downstash"

if ! installed=$("$bin_dir/downstash" version 2>&1); then
  case "$target" in
    linux-x64) hint=" (\"Illegal instruction\"? try --target linux-x64-baseline)" ;;
    *) hint="" ;;
  esac
  fail "the installed $bin_dir/downstash does not run: $installed$hint"
fi
echo "downstash: installed $installed at $bin_dir/downstash" >&2

if [ "$with_systemd" = 1 ]; then
  fetch downstash.service
  verify downstash.service
  mkdir -p "$systemd_dir" "$config_dir"
  sed "s|/usr/local/bin/downstash|$bin_dir/downstash|g" "$work/downstash.service" >"$systemd_dir/downstash.service"
  if [ ! -f "$config_dir/downstash.env" ]; then
    # Tokens may go here; until then the service generates them on its first start.
    (umask 077 && printf '%s\n' \
      '# Environment of the downstash service (systemctl restart downstash after editing).' \
      '# DOWNSTASH_HOST=0.0.0.0' \
      '# DOWNSTASH_PUBLIC_URL=https://redis.example.com' \
      '# UPSTASH_REDIS_REST_TOKEN=' >"$config_dir/downstash.env")
  fi
  echo "downstash: unit at $systemd_dir/downstash.service, environment in $config_dir/downstash.env" >&2
  if [ "$systemd_dir" = /etc/systemd/system ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    echo "downstash: start it with: systemctl enable --now downstash" >&2
  fi
fi

case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "downstash: add $bin_dir to your PATH, e.g. export PATH=\"$bin_dir:\$PATH\"" >&2 ;;
esac
