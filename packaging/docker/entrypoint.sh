#!/bin/sh
# Container entry point: runs `downstash "$@"` as the unprivileged downstash user. A volume that
# a platform mounts fresh (fly.io volumes, bind mounts) is owned by root, so when started as root
# this gives the data dir to DOWNSTASH_UID:DOWNSTASH_GID first, then drops privileges with setpriv
# (util-linux, in every Debian image) and execs, so downstash is PID 1 and receives SIGTERM itself.
set -eu

binary="${DOWNSTASH_BINARY:-/usr/local/bin/downstash}"
data_dir="${DOWNSTASH_DATA_DIR:-/data}"
uid="${DOWNSTASH_UID:-10001}"
gid="${DOWNSTASH_GID:-10001}"

if [ "$(id -u)" = 0 ] && [ "$uid" != 0 ]; then
  mkdir -p "$data_dir"
  # Only what is not already theirs: a large data dir is not walked on every start.
  if [ "$(stat -c %u:%g "$data_dir")" != "$uid:$gid" ]; then chown -R "$uid:$gid" "$data_dir"; fi
  chmod 700 "$data_dir"
  exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all -- "$binary" "$@"
fi
exec "$binary" "$@"
