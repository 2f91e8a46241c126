#!/usr/bin/env bash
# Stops the Azurite started by infra/local/azurite-start.sh (only that process, by its recorded pid).
# --clean also deletes its data (.azurite/data, or under AZURITE_STATE_DIR). Safe to run when Azurite is not running.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"
readonly script_dir repo_root
readonly state_dir="${AZURITE_STATE_DIR:-${repo_root}/.azurite}"
readonly pid_file="${state_dir}/azurite.pid"

clean=false
case "${1:-}" in
  "") ;;
  --clean) clean=true ;;
  *)
    echo "usage: infra/local/azurite-stop.sh [--clean]" >&2
    exit 2
    ;;
esac

if [[ -f "${pid_file}" ]]; then
  pid="$(cat "${pid_file}")"
  if kill -0 "${pid}" 2>/dev/null; then
    # Azurite closes its services and flushes its data on SIGTERM.
    kill -TERM "${pid}"
    for _ in $(seq 1 100); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "${pid}" 2>/dev/null; then
      echo "azurite (pid ${pid}) did not stop within 10 s; sending SIGKILL" >&2
      kill -KILL "${pid}"
    fi
    echo "azurite stopped (pid ${pid})" >&2
  else
    echo "azurite was not running (stale pid ${pid})" >&2
  fi
  rm -f "${pid_file}"
else
  echo "azurite was not running" >&2
fi

if [[ "${clean}" == true ]]; then
  rm -rf "${state_dir}/data" "${state_dir}/azurite.log"
  echo "azurite data deleted" >&2
fi
