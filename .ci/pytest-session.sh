#!/usr/bin/env bash
# Runs pytest inside a private D-Bus session with an unlocked gnome-keyring (a real Secret
# Service) and an Xvfb display, when those are installed; plain pytest otherwise.
set -uo pipefail
pytest_cmd=("$@")
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null \
   && command -v xvfb-run >/dev/null; then
  keyring_home="$(mktemp -d)"
  trap 'rm -rf "$keyring_home"' EXIT
  export E2B_AGENT_TEST_REAL_SERVICES=1
  # The keyring daemon keeps its files under a throwaway HOME, never the user's real keyring.
  KEYRING_HOME="$keyring_home" dbus-run-session -- bash -c '
    export HOME="$KEYRING_HOME" XDG_DATA_HOME="$KEYRING_HOME/.local/share"
    echo -n test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec xvfb-run -a -s "-screen 0 1280x900x24" "$@"' bash "${pytest_cmd[@]}"
  status=$?
else
  echo "pytest-session: dbus-run-session, gnome-keyring or xvfb-run missing; real-service tests skip" >&2
  "${pytest_cmd[@]}"
  status=$?
fi
# pytest's 5 means "no tests collected": that is a failure here, not a pass.
exit $status
