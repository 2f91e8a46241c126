#!/usr/bin/env bash
# Starts Azurite (npm package azurite) on loopback for local development and creates the storage layout
# (containers images, models, datasets, jobs, labels, reports; queues shards, finalize and their -poison queues).
# The package is installed once under .tools/azurite/ (the same pinned install the integration tests use) and data
# is kept under .azurite/data/; both folders are git-ignored. Safe to re-run: a running Azurite is reused and existing
# containers and queues are kept.
#
# Ports: AZURITE_BLOB_PORT (10000), AZURITE_QUEUE_PORT (10001), AZURITE_TABLE_PORT (10002). AZURITE_STATE_DIR moves
# the data, pid and log (default .azurite/), AZURITE_TOOL_DIR the npm install (default .tools/azurite/).
# Stop with infra/local/azurite-stop.sh.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"
readonly script_dir repo_root
# One pin for the repository: the integration tests' version file (3.37.0 until that file exists).
readonly version_file="${repo_root}/tests/DiMaskDino.IntegrationTests/Azurite/azurite.version"
if [[ -f "${version_file}" ]]; then
  azurite_version="$(tr -d '[:space:]' <"${version_file}")"
else
  azurite_version="3.37.0"
fi
readonly azurite_version
readonly state_dir="${AZURITE_STATE_DIR:-${repo_root}/.azurite}"
readonly tool_dir="${AZURITE_TOOL_DIR:-${repo_root}/.tools/azurite}"
readonly data_dir="${state_dir}/data"
readonly pid_file="${state_dir}/azurite.pid"
readonly log_file="${state_dir}/azurite.log"
readonly blob_port="${AZURITE_BLOB_PORT:-10000}"
readonly queue_port="${AZURITE_QUEUE_PORT:-10001}"
readonly table_port="${AZURITE_TABLE_PORT:-10002}"
readonly host="127.0.0.1"

fail() {
  echo "error: $*" >&2
  exit 1
}

for port in "${blob_port}" "${queue_port}" "${table_port}"; do
  if ! [[ "${port}" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    fail "port '${port}' is not a TCP port number"
  fi
done
command -v node >/dev/null 2>&1 || fail "Node.js (node, npm) is required to run Azurite"
command -v npm >/dev/null 2>&1 || fail "npm is required to install Azurite"
command -v curl >/dev/null 2>&1 || fail "curl is required to wait for Azurite"

mkdir -p "${data_dir}" "${tool_dir}"
# Neither folder belongs in git, whatever the repository's .gitignore says.
for folder in "${state_dir}" "${tool_dir}"; do
  [[ -f "${folder}/.gitignore" ]] || echo '*' >"${folder}/.gitignore"
done

azurite="${tool_dir}/node_modules/.bin/azurite"
if [[ ! -x "${azurite}" ]] || ! grep -q "\"version\": \"${azurite_version}\"" "${tool_dir}/node_modules/azurite/package.json" 2>/dev/null; then
  echo "installing azurite ${azurite_version} into ${tool_dir}" >&2
  npm install --prefix "${tool_dir}" --no-save --no-audit --no-fund --loglevel error "azurite@${azurite_version}" >&2
fi

if [[ -f "${pid_file}" ]] && kill -0 "$(cat "${pid_file}")" 2>/dev/null; then
  echo "azurite already running (pid $(cat "${pid_file}"))" >&2
else
  nohup "${azurite}" --silent --location "${data_dir}" \
    --blobHost "${host}" --blobPort "${blob_port}" \
    --queueHost "${host}" --queuePort "${queue_port}" \
    --tableHost "${host}" --tablePort "${table_port}" \
    --skipApiVersionCheck --disableTelemetry >"${log_file}" 2>&1 &
  echo $! >"${pid_file}"
  echo "azurite started (pid $(cat "${pid_file}"), log ${log_file})" >&2
fi

readonly blob_endpoint="http://${host}:${blob_port}/devstoreaccount1"
readonly queue_endpoint="http://${host}:${queue_port}/devstoreaccount1"
ready=false
for _ in $(seq 1 60); do
  if curl --silent --output /dev/null "${blob_endpoint}?comp=list" && curl --silent --output /dev/null "${queue_endpoint}?comp=list"; then
    ready=true
    break
  fi
  kill -0 "$(cat "${pid_file}")" 2>/dev/null || fail "azurite exited; see ${log_file}"
  sleep 0.5
done
[[ "${ready}" == true ]] || fail "azurite did not answer on ${host}:${blob_port}/${queue_port} within 30 s; see ${log_file}"

node "${script_dir}/create-layout.mjs" "${blob_endpoint}" "${queue_endpoint}"

# The development account and key are Azurite's published, fixed values (emulator only, never Azure).
cat <<SETTINGS
Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=${blob_endpoint};QueueEndpoint=${queue_endpoint};TableEndpoint=http://${host}:${table_port}/devstoreaccount1;"
Pipeline__QueueKind=StorageQueue
SETTINGS
