#!/bin/sh
# make run: creates (first time only) a TRAINING profile with synthetic data
# under ./training/, then opens the full-screen client on it. The training
# passphrase (Training-2026!) is printed in the README; it protects only
# invented data.
set -eu
nexus=${1:?usage: run-training.sh NEXUS_BINARY}
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/training"
conf="$dir/nexus.conf"
pass='Training-2026!'
mkdir -p "$dir"; chmod 700 "$dir"
if [ ! -f "$conf" ]; then
  umask 077
  printf '[cache]\ndir = %s/profile\n' "$dir" > "$conf"
fi
if [ ! -f "$dir/profile/nexus.key" ]; then
  echo "Creating a training profile (user 'trainee', role scheduling, 500 synthetic items)..."
  printf '%s\n' "$pass" | "$nexus" --config "$conf" init --user trainee --role scheduling \
      --team training --training 500 --passphrase-fd 0
fi
# The client needs a terminal; without one (CI, a pipe) check the profile
# instead, so `make run` still says whether it is sound.
if [ -t 0 ] && [ -t 1 ]; then
  exec "$nexus" --config "$conf"
fi
echo "No terminal: checking the training profile instead of opening the client."
printf '%s\n' "$pass" | "$nexus" --config "$conf" verify --passphrase-fd 0
