#!/bin/sh
# Installs the Debian packages Nexus needs, only those missing, quietly when all
# are present. Sets: "build" (compile and run) and "test" (make test, make bench,
# make fuzz). Called by the Makefile; safe to run any number of times.
set -eu

BUILD_PKGS="gcc make pkg-config libncurses-dev libsqlite3-dev libsodium-dev \
libssh-dev libssl-dev libinih-dev libicu-dev libjansson-dev"
TEST_PKGS="libcriterion-dev tmux openssh-server openssh-client clang \
libclang-rt-14-dev valgrind libsqlcipher-dev sqlite3"

want=""
case "${1:-build}" in
  build) want="$BUILD_PKGS" ;;
  test)  want="$BUILD_PKGS $TEST_PKGS" ;;
  *) echo "usage: scripts/deps.sh [build|test]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "scripts/deps.sh: missing packages:$missing (run as root to install)" >&2
    exit 1
  fi
else
  SUDO=
fi

echo "scripts/deps.sh: installing$missing"
# Keep package maintainer scripts from starting services (openssh-server would
# otherwise leave an sshd listening on port 22). policy-rc.d exit 101 = "do not
# start"; removed again whatever happens.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  made_policy=1
fi
cleanup() { [ "$made_policy" -eq 1 ] && $SUDO rm -f "$policy"; return 0; }
trap cleanup EXIT INT TERM

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
  $SUDO apt-get update -qq >/dev/null 2>&1 || true
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# Belt and braces: if a service manager started sshd anyway, stop it.
if dpkg-query -W openssh-server >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
  $SUDO touch /etc/ssh/sshd_not_to_be_run 2>/dev/null || true
fi
