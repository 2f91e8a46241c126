#!/usr/bin/env bash
# Deploys DiMaskDino.Batch to Azure with one command (README.md, "Deploy to Azure"):
#   1. the Bicep deployment (bicep/main.bicep with bicep/<profile>.bicepparam) at subscription scope;
#   2. the worker and training images, built in the registry by `az acr build` (no local Docker needed);
#   3. the Bicep deployment again, now pointing the worker and the training job at those images;
#   4. the Functions app as a zip package (Flex Consumption runs no custom containers);
#   5. Event Grid subscriptions for the Functions blob triggers (Flex Consumption only supports the Event Grid source);
#   6. the demo model(s) uploaded to the `models` container with the signed-in identity (--auth-mode login).
# Every step is safe to re-run: deployments are incremental, an image tag that exists is not rebuilt, subscriptions
# are created or updated, and a model blob that exists is left alone. --what-if only previews step 1.
# No key or secret is ever an argument of a command (argument lists are visible to every user of the machine): the
# one key this script needs, the blob extension's system key for the Event Grid webhook, goes from `az` into a file
# only the owner can read, and `az` reads the endpoint back from that file (@file).
# With --profile prod (hardened) the registry and the data account are private: images are built on the registry's
# agent pool inside the virtual network, and models are uploaded only from a machine that can reach the account.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/.." && pwd)"
readonly script_dir repo_root
# `az containerapp` and friends live in CLI extensions: install them on first use without asking.
export AZURE_EXTENSION_USE_DYNAMIC_INSTALL=yes_without_prompt

profile="dev"
env_name=""
location="${AZURE_LOCATION:-swedencentral}"
what_if=false
skip_functions=false
models=()

usage() {
  cat <<'USAGE'
Usage: infra/deploy.sh [options]

  --profile dev|prod     parameter file: bicep/dev.bicepparam (serverless T4) or bicep/prod.bicepparam (serverless A100); default dev
  --name NAME            environment name (resource group rg-NAME, resource token); default dimaskdino-<profile>
  --location REGION      Azure region with serverless GPUs and Flex Consumption; default $AZURE_LOCATION or swedencentral
  --model PATH           an .onnx model to upload to the models container (repeatable); default: models/*.onnx
  --skip-functions       do not publish the Functions app (e.g. before src/DiMaskDino.Functions exists)
  --what-if              show what the Bicep deployment would change, and change nothing
  -h, --help             this text

Needs: az (logged in: az login), and dotnet 10 SDK plus zip or python3 for the Functions package.
USAGE
}

fail() {
  echo "error: $*" >&2
  exit 1
}

step() {
  echo "==> $*" >&2
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --profile)
      [[ $# -ge 2 ]] || fail "--profile needs a value (dev or prod)"
      profile="$2"
      shift 2
      ;;
    --name)
      [[ $# -ge 2 ]] || fail "--name needs a value"
      env_name="$2"
      shift 2
      ;;
    --location)
      [[ $# -ge 2 ]] || fail "--location needs a value"
      location="$2"
      shift 2
      ;;
    --model)
      [[ $# -ge 2 ]] || fail "--model needs a path"
      models+=("$2")
      shift 2
      ;;
    --skip-functions)
      skip_functions=true
      shift
      ;;
    --what-if)
      what_if=true
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      fail "unknown argument '$1'"
      ;;
  esac
done

case "${profile}" in
  dev | prod) ;;
  *) fail "--profile must be dev or prod, got '${profile}'" ;;
esac
[[ "${env_name}" =~ ^[A-Za-z0-9][A-Za-z0-9-]{0,39}$ ]] || [[ -z "${env_name}" ]] ||
  fail "--name must be 1-40 letters, digits or hyphens, starting with a letter or digit, got '${env_name}'"
[[ -n "${env_name}" ]] || env_name="dimaskdino-${profile}"
[[ "${location}" =~ ^[a-z0-9]+$ ]] || fail "--location must be a region name such as swedencentral, got '${location}'"

readonly param_file="${repo_root}/bicep/${profile}.bicepparam"
readonly deployment_name="${env_name}"
[[ -f "${param_file}" ]] || fail "${param_file} not found"

# ---- prerequisites -------------------------------------------------------------------------------------------------
command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli"
az account show --output none 2>/dev/null || fail "not logged in to Azure: run 'az login' (and 'az account set --subscription ...')"
if [[ "${what_if}" == false && "${skip_functions}" == false ]]; then
  command -v dotnet >/dev/null 2>&1 || fail "the .NET 10 SDK (dotnet) is required to package the Functions app (or pass --skip-functions)"
  command -v zip >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 ||
    fail "zip or python3 is required to package the Functions app (or pass --skip-functions)"
  [[ -f "${repo_root}/src/DiMaskDino.Functions/DiMaskDino.Functions.csproj" ]] ||
    fail "src/DiMaskDino.Functions/DiMaskDino.Functions.csproj not found (or pass --skip-functions)"
fi
if [[ ${#models[@]} -eq 0 ]]; then
  shopt -s nullglob
  models=("${repo_root}"/models/*.onnx)
  shopt -u nullglob
fi
for model in "${models[@]}"; do
  [[ -f "${model}" ]] || fail "model '${model}' not found"
  [[ "${model}" == *.onnx ]] || fail "model '${model}' is not an .onnx file"
done

# The deploying identity gets upload rights on images/models/datasets (bicep/access.bicep, "deployer").
if [[ "$(az account show --query user.type --output tsv)" == "servicePrincipal" ]]; then
  principal_id="$(az ad sp show --id "$(az account show --query user.name --output tsv)" --query id --output tsv)"
  principal_type="ServicePrincipal"
else
  principal_id="$(az ad signed-in-user show --query id --output tsv)"
  principal_type="User"
fi
export AZURE_ENV_NAME="${env_name}" AZURE_LOCATION="${location}"
export AZURE_PRINCIPAL_ID="${principal_id}" AZURE_PRINCIPAL_TYPE="${principal_type}"

# ---- helpers -------------------------------------------------------------------------------------------------------
output() { # output NAME: an output of the last deployment
  az deployment sub show --name "${deployment_name}" --query "properties.outputs.${1}.value" --output tsv
}

deploy_infrastructure() {
  az deployment sub create \
    --name "${deployment_name}" \
    --location "${location}" \
    --parameters "${param_file}" \
    --output none
}

image_tag() {
  local tag
  tag="$(git -C "${repo_root}" rev-parse --short=12 HEAD 2>/dev/null || echo "untracked")"
  if [[ -n "$(git -C "${repo_root}" status --porcelain -- src build global.json Directory.Build.props \
    Directory.Build.targets Directory.Packages.props 2>/dev/null)" ]]; then
    tag="${tag}-dirty-$(date -u +%Y%m%d%H%M%S)"
  fi
  echo "${tag}"
}

# The build context holds only what the Dockerfiles copy, so neither artifacts/ nor .git is uploaded.
stage_build_context() {
  local context="$1"
  cp "${repo_root}"/{global.json,Directory.Build.props,Directory.Build.targets,Directory.Packages.props} "${context}/"
  cp -R "${repo_root}/build" "${repo_root}/src" "${context}/"
  find "${context}/src" -depth -type d \( -name bin -o -name obj \) -exec rm -rf {} +
  cp "${script_dir}"/*.Dockerfile "${context}/"
}

build_image() { # build_image REGISTRY REPOSITORY TAG DOCKERFILE CONTEXT [AGENT_POOL]
  local registry="$1" repository="$2" tag="$3" dockerfile="$4" context="$5" pool="${6:-}"
  local placement=()
  [[ -z "${pool}" ]] || placement=(--agent-pool "${pool}")
  if az acr repository show --name "${registry}" --image "${repository}:${tag}" --output none 2>/dev/null; then
    step "image ${repository}:${tag} already in ${registry}"
  else
    step "building ${repository}:${tag} in ${registry} (az acr build${pool:+ on agent pool ${pool}})"
    az acr build --registry "${registry}" --image "${repository}:${tag}" --file "${context}/${dockerfile}" \
      "${placement[@]}" "${context}" --output none
  fi
}

scale_agent_pool() { # scale_agent_pool REGISTRY POOL COUNT: the private registry's build agents bill while allocated
  az acr agentpool update --registry "$1" --name "$2" --count "$3" --output none
}

publish_functions() { # publish_functions RESOURCE_GROUP APP WORK_DIR
  local group="$1" app="$2" work="$3"
  step "publishing src/DiMaskDino.Functions"
  # linux-x64 only: the package drops the Windows and macOS native libraries (480 MB -> 337 MB, measured).
  dotnet publish "${repo_root}/src/DiMaskDino.Functions/DiMaskDino.Functions.csproj" \
    --configuration Release --runtime linux-x64 --no-self-contained --output "${work}/functions" --nologo --verbosity quiet
  if command -v zip >/dev/null 2>&1; then
    (cd "${work}/functions" && zip -q -r "${work}/functions.zip" .)
  else
    (cd "${work}/functions" && python3 -m zipfile -c "${work}/functions.zip" .)
  fi
  step "deploying the Functions package to ${app}"
  az functionapp deployment source config-zip --resource-group "${group}" --name "${app}" \
    --src "${work}/functions.zip" --output none
}

# One Event Grid subscription per blob-triggered function: BlobCreated events of the function's container, with
# the path's fixed ending (e.g. "/_label.json", ".onnx") as subject filter, delivered to the blob extension's webhook.
# The key never becomes an argument: `az` writes it to key_file, the shell builtins printf and $(<file) put it into
# the endpoint file, and `az` reads the endpoint with @file. Both files are in ${work} (mode 700), created mode 600.
subscribe_blob_triggers() { # subscribe_blob_triggers RESOURCE_GROUP APP TOPIC WORK_DIR
  local group="$1" app="$2" topic="$3" work="$4" host attempt function path container suffix
  local key_file="${work}/blobs-extension.key" endpoint_file="${work}/event-grid-endpoint"
  host="$(az functionapp show --resource-group "${group}" --name "${app}" --query defaultHostName --output tsv)"
  (umask 077 && : >"${key_file}" && : >"${endpoint_file}")
  for attempt in $(seq 1 30); do
    az functionapp keys list --resource-group "${group}" --name "${app}" \
      --query systemKeys.blobs_extension --output tsv >"${key_file}" 2>/dev/null || : >"${key_file}"
    [[ -s "${key_file}" ]] && break
    step "waiting for the Functions host to load the blob extension (${attempt}/30)"
    sleep 10
  done
  if [[ ! -s "${key_file}" ]]; then
    step "no blobs_extension key on ${app}: no blob-triggered function is deployed, so no Event Grid subscription"
    return 0
  fi
  while IFS=$'\t' read -r function path; do
    [[ -n "${function}" ]] || continue
    function="${function##*/}"
    container="${path%%/*}"
    suffix="${path##*\}}"
    step "Event Grid: ${container} blobs ending in '${suffix}' -> ${function}"
    printf 'https://%s/runtime/webhooks/blobs?functionName=Host.Functions.%s&code=%s' \
      "${host}" "${function}" "$(<"${key_file}")" >"${endpoint_file}"
    az eventgrid system-topic event-subscription create \
      --resource-group "${group}" --system-topic-name "${topic}" \
      --name "$(echo "blob-${function}" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9-\n' '-' | cut -c1-64)" \
      --endpoint-type webhook \
      --endpoint "@${endpoint_file}" \
      --included-event-types Microsoft.Storage.BlobCreated \
      --subject-begins-with "/blobServices/default/containers/${container}/blobs/" \
      --subject-ends-with "${suffix}" \
      --output none
  done < <(az functionapp function list --resource-group "${group}" --name "${app}" \
    --query "[?config.bindings[?type=='blobTrigger']].[name, config.bindings[?type=='blobTrigger'] | [0].path]" \
    --output tsv)
  rm -f "${key_file}" "${endpoint_file}"
}

upload_model() { # upload_model ACCOUNT PATH: skips a blob that exists; retries while a new role assignment propagates
  local account="$1" file="$2" name attempt
  name="$(basename "${file}")"
  for attempt in $(seq 1 20); do
    if [[ "$(az storage blob exists --auth-mode login --account-name "${account}" --container-name models \
      --name "${name}" --query exists --output tsv 2>/dev/null)" == "true" ]]; then
      step "models/${name} already uploaded"
      return 0
    fi
    if az storage blob upload --auth-mode login --account-name "${account}" --container-name models \
      --name "${name}" --file "${file}" --overwrite false --output none 2>/dev/null; then
      step "uploaded models/${name}"
      return 0
    fi
    step "waiting for the storage role assignment to take effect (${attempt}/20)"
    sleep 15
  done
  fail "could not upload ${file} to models/${name} as ${AZURE_PRINCIPAL_ID}"
}

# ---- what-if -------------------------------------------------------------------------------------------------------
if [[ "${what_if}" == true ]]; then
  if az deployment sub show --name "${deployment_name}" --output none 2>/dev/null; then
    WORKER_IMAGE="$(az containerapp show --resource-group "$(output AZURE_RESOURCE_GROUP)" \
      --name "$(output WORKER_APP_NAME)" --query "properties.template.containers[0].image" --output tsv)"
    TRAINING_IMAGE="$(az containerapp job show --resource-group "$(output AZURE_RESOURCE_GROUP)" \
      --name "$(output TRAINING_JOB_NAME)" --query "properties.template.containers[0].image" --output tsv)"
    export WORKER_IMAGE TRAINING_IMAGE
  fi
  step "what-if: ${deployment_name} (${param_file#"${repo_root}/"}, ${location})"
  az deployment sub what-if --name "${deployment_name}" --location "${location}" --parameters "${param_file}"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# ---- 1. infrastructure (first run: placeholder images) -------------------------------------------------------------
# Resource providers the deployment uses; registering one that is registered is a no-op.
for namespace in Microsoft.App Microsoft.ContainerRegistry Microsoft.EventGrid Microsoft.Insights \
  Microsoft.ManagedIdentity Microsoft.OperationalInsights Microsoft.ServiceBus Microsoft.Storage Microsoft.Web; do
  if [[ "$(az provider show --namespace "${namespace}" --query registrationState --output tsv 2>/dev/null)" != "Registered" ]]; then
    step "registering resource provider ${namespace}"
    az provider register --namespace "${namespace}" --wait --output none
  fi
done
if az deployment sub show --name "${deployment_name}" --query "properties.provisioningState" --output tsv 2>/dev/null |
  grep -qx Succeeded; then
  step "infrastructure of ${deployment_name} exists; images first"
else
  step "deploying the infrastructure (${deployment_name}, ${profile}, ${location})"
  deploy_infrastructure
fi
resource_group="$(output AZURE_RESOURCE_GROUP)"
registry="$(output AZURE_CONTAINER_REGISTRY_NAME)"
registry_endpoint="$(output AZURE_CONTAINER_REGISTRY_ENDPOINT)"
network_isolated="$(output NETWORK_ISOLATED)"
agent_pool="$(output AZURE_CONTAINER_REGISTRY_AGENT_POOL)"

# ---- 2. images -----------------------------------------------------------------------------------------------------
tag="$(image_tag)"
mkdir -p "${work}/context"
stage_build_context "${work}/context"
if [[ -n "${agent_pool}" ]]; then
  step "starting one build agent in ${registry}/${agent_pool} (the registry is private)"
  scale_agent_pool "${registry}" "${agent_pool}" 1
  trap 'scale_agent_pool "${registry}" "${agent_pool}" 0 || true; rm -rf "${work}"' EXIT
fi
build_image "${registry}" dimaskdino-worker "${tag}" worker.Dockerfile "${work}/context" "${agent_pool}"
build_image "${registry}" dimaskdino-training "${tag}" training.Dockerfile "${work}/context" "${agent_pool}"
if [[ -n "${agent_pool}" ]]; then
  scale_agent_pool "${registry}" "${agent_pool}" 0
  trap 'rm -rf "${work}"' EXIT
fi

# ---- 3. infrastructure with the images -----------------------------------------------------------------------------
export WORKER_IMAGE="${registry_endpoint}/dimaskdino-worker:${tag}"
export TRAINING_IMAGE="${registry_endpoint}/dimaskdino-training:${tag}"
step "deploying ${deployment_name} with the images tagged ${tag}"
deploy_infrastructure

# ---- 4. and 5. control plane ---------------------------------------------------------------------------------------
if [[ "${skip_functions}" == false ]]; then
  functions_app="$(output FUNCTIONS_APP_NAME)"
  publish_functions "${resource_group}" "${functions_app}" "${work}"
  subscribe_blob_triggers "${resource_group}" "${functions_app}" "$(output EVENTGRID_SYSTEM_TOPIC_NAME)" "${work}"
fi

# ---- 6. demo model -------------------------------------------------------------------------------------------------
if [[ ${#models[@]} -eq 0 ]]; then
  step "no model to upload (models/*.onnx is empty): make one as docs/training.md shows, then re-run with --model PATH"
elif [[ "${network_isolated}" == "true" ]] &&
  ! az storage container exists --auth-mode login --account-name "$(output STORAGE_ACCOUNT_NAME)" --name models \
    --output none 2>/dev/null; then
  step "the data account is private (hardened) and not reachable from here: upload the models from a machine in the"
  step "virtual network of ${resource_group}: az storage blob upload --auth-mode login --account-name $(output STORAGE_ACCOUNT_NAME) --container-name models --name NAME.onnx --file PATH"
else
  for model in "${models[@]}"; do
    upload_model "$(output STORAGE_ACCOUNT_NAME)" "${model}"
  done
fi

step "done. Next:"
cat <<NEXT
  jobs API:        $(output JOBS_API_URL)
  data account:    $(output STORAGE_ACCOUNT_NAME) (drop images under images/<dataset>/, then images/<dataset>/_label.json)
  worker:          $(output WORKER_APP_NAME) (scales from zero on the shards queue)
  training job:    az containerapp job start --resource-group ${resource_group} --name $(output TRAINING_JOB_NAME)
  tear down:       az group delete --name ${resource_group} --yes && az deployment sub delete --name ${deployment_name}
NEXT
