#!/bin/sh
# make run: creates (first time only) a TRAINING setup with synthetic data
# under ./training/ — a training hub (nexus-hub init --training, 500
# synthetic items for the trainee) and a TRAINING profile that syncs with it
# over a local pipe (no SSH) — then opens the full-screen client on it. The
# training passphrase (Training-2026!) is printed in the README; it protects
# only invented data. ROLE (or a second argument) opens another role's
# laptop on the same training hub: `make run ROLE=supervisor`.
# NX_TRAINING_DIR puts the setup elsewhere (the tests' tmux run of S).
set -eu
nexus=${1:?usage: run-training.sh NEXUS_BINARY [ROLE]}
role=${2:-${ROLE:-scheduling}}
hub="$(dirname "$nexus")/nexus-hub"
root=$(cd "$(dirname "$0")/.." && pwd)
dir="${NX_TRAINING_DIR:-$root/training}"
pass='Training-2026!'
# The trainee agent keeps the first paths (profile/, nexus.conf); every
# other role gets its own laptop beside it, a user of team "training".
case "$role" in
  scheduling) user=trainee; prof="$dir/profile"; conf="$dir/nexus.conf" ;;
  eligibility|prior-auth|roi|supervisor|operations|privacy-officer|security-officer|auditor)
    user="trainee-$role"; prof="$dir/profile-$role"; conf="$dir/nexus-$role.conf" ;;
  *) echo "run-training.sh: unknown role '$role' (scheduling, eligibility, prior-auth, roi," \
          "supervisor, operations, privacy-officer, security-officer, auditor)" >&2; exit 2 ;;
esac
mkdir -p "$dir"; chmod 700 "$dir"
umask 077
if [ ! -f "$dir/profile/nexus.key" ] && [ "$role" != scheduling ]; then
  "$0" "$nexus" scheduling </dev/null >/dev/null
fi
if [ ! -f "$prof/nexus.key" ]; then
  if [ "$role" = scheduling ]; then
    echo "Creating a training hub and profile (user 'trainee', role scheduling, 500 synthetic items)..."
    rm -rf "$dir/hub" "$dir/hub.key"
    "$hub" init --store "$dir/hub" --training >/dev/null
    "$hub" seed --store "$dir/hub" --synthetic 500 --assignee trainee --team training >/dev/null
  else
    echo "Creating a training profile for user '$user', role $role, team training..."
  fi
  printf '[cache]\ndir = %s\n\n[sync]\nhost = local:%s/hub\ninterval_seconds = 30\n' \
      "$prof" "$dir" > "$conf"
  printf '%s\n' "$pass" | "$nexus" --config "$conf" init --user "$user" --role "$role" \
      --team training --training 0 --kdf interactive --passphrase-fd 0 >/dev/null
  printf '%s\n' "$pass" | "$nexus" --config "$conf" key --passphrase-fd 0 > "$dir/$user.pub"
  "$hub" user add --store "$dir/hub" --user "$user" --role "$role" --team training \
      --key "$dir/$user.pub" >/dev/null
  printf '%s\n' "$pass" | NEXUS_HUB="$hub" "$nexus" --config "$conf" sync --passphrase-fd 0
fi
# The client needs a terminal; without one (CI, a pipe) check the profile
# instead, so `make run` still says whether it is sound.
if [ -t 0 ] && [ -t 1 ]; then
  NEXUS_HUB="$hub" exec "$nexus" --config "$conf"
fi
echo "No terminal: checking the training profile instead of opening the client."
printf '%s\n' "$pass" | "$nexus" --config "$conf" verify --passphrase-fd 0
