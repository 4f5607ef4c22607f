#!/usr/bin/env bash
#
# Gridshare on a real Fabric network from Fabric's release binaries, without Docker (in the
# manner of fabric-samples' test-network-nano-bash). Everything listens on 127.0.0.1 with TLS.
#
#   network.sh up              CAs (or cryptogen), orderer, one peer per organization, channel energy
#   network.sh deploy          chaincode as a service: package, install, approve, commit, start, wait
#   network.sh status          what runs, with PIDs
#   network.sh down [--purge]  stop what this script started (by PID); --purge deletes the work dir
#
# Environment:
#   FABRIC_BIN             folder of the release binaries (else they are looked up on PATH)
#   FABRIC_CFG_PATH        the release's config/ folder (core.yaml, orderer.yaml); default <bin>/../config
#   FABRIC_CCAAS_BUILDER   the chaincode-as-a-service builder; default <bin>/../builders/ccaas
#   GRIDSHARE_FABRIC_DIR   work directory; default <repo>/.gridshare/fabric-native
#   GRIDSHARE_FABRIC_CRYPTO  ca | cryptogen; default ca when fabric-ca-server/-client are found
#   GRIDSHARE_CHAINCODE_DIR       the chaincode project; default <repo>/chaincode
#   GRIDSHARE_COLLECTIONS_CONFIG  default <chaincode>/collections_config.json; none = no collections
#   GRIDSHARE_CC_NAME      chaincode name; default gridshare (another name deploys a second chaincode)
#   GRIDSHARE_CC_SERVER_PORT  port of the utility's chaincode server on 127.0.0.1 (the retailer's: +1000); default 9999
#   GRIDSHARE_CC_VERSION, GRIDSHARE_CC_SEQUENCE  chaincode definition (sequence default: next one)
#   GRIDSHARE_CC_PROBE     query that shows the chaincode answers; default consortium:GetConsortium
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/crypto.sh
source "${NATIVE_DIR}/lib/crypto.sh"
# shellcheck source=lib/nodes.sh
source "${NATIVE_DIR}/lib/nodes.sh"
# shellcheck source=lib/deploy.sh
source "${NATIVE_DIR}/lib/deploy.sh"

usage() {
  sed -n '3,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

all_listen_addresses() {
  local org
  printf '%s\n' "${ORDERER_ADDRESS}" "${ORDERER_ADMIN_ADDRESS}" "${ORDERER_OPERATIONS_ADDRESS}"
  for org in "${PEER_ORGS[@]}"; do
    printf '%s\n' "${PEER_ADDRESS[$org]}" "${PEER_CHAINCODE_ADDRESS[$org]}" "${PEER_OPERATIONS_ADDRESS[$org]}"
  done
  if [[ ${CRYPTO_MODE} == ca ]]; then
    for org in utility retailer orderer; do
      printf '127.0.0.1:%s\n127.0.0.1:%s\n' "${CA_PORT[$org]}" "${CA_OPERATIONS_PORT[$org]}"
    done
  fi
}

refuse_if_running() {
  local running
  running="$(running_processes | tr '\n' ' ')"
  [[ -z "${running}" ]] || die "a network is already running from ${WORK_DIR} (${running% }); run 'network.sh down' first"
}

cmd_up() {
  resolve_fabric
  refuse_if_running
  local addresses=()
  mapfile -t addresses < <(all_listen_addresses)
  require_free_ports "${addresses[@]}"

  # Every `up` starts from a clean slate: a new network, new identities, an empty ledger.
  rm -rf "${WORK_DIR}"
  mkdir -p "${WORK_DIR}/logs" "${WORK_DIR}/pids"
  printf 'CRYPTO_MODE=%s\n' "${CRYPTO_MODE}" >"${WORK_DIR}/network.env"
  log "work directory ${WORK_DIR}; binaries from $(binary_dir); sample config from ${SAMPLE_CONFIG}"

  # Whatever fails from here on, leave nothing running.
  trap 'log "up failed; stopping what was started"; stop_all' EXIT
  generate_crypto
  start_orderer
  create_channel
  start_peers
  join_peers
  trap - EXIT
  log "network up: channel ${CHANNEL} with ${ORG_MSP[utility]} (${PEER_ADDRESS[utility]}) and ${ORG_MSP[retailer]} (${PEER_ADDRESS[retailer]}); next: network.sh deploy"
}

load_network_state() {
  [[ -f "${WORK_DIR}/network.env" ]] || die "no network in ${WORK_DIR}; run 'network.sh up' first"
  CRYPTO_MODE="$(sed -n 's/^CRYPTO_MODE=//p' "${WORK_DIR}/network.env")"
  local name
  for name in orderer "$(peer_host utility)" "$(peer_host retailer)"; do
    is_running "${name}" || die "${name} is not running; run 'network.sh up' first"
  done
}

cmd_deploy() {
  resolve_fabric
  load_network_state
  [[ ${COLLECTIONS_CONFIG} == none || -f "${COLLECTIONS_CONFIG}" ]] || die "collections config ${COLLECTIONS_CONFIG} does not exist"
  [[ -f "${CHAINCODE_DIR}/package.json" ]] || die "no chaincode project in ${CHAINCODE_DIR}"
  build_chaincode
  package_chaincode
  install_chaincode
  approve_and_commit
  start_chaincode_server
  write_connection_file
  log "deployed ${CC_NAME} on ${CHANNEL}"
  if [[ ${CC_NAME} == gridshare ]]; then
    log "The gateway app initialises the consortium (consortium:Init) on its first start:"
    log "  GRIDSHARE_LEDGER=fabric GRIDSHARE_NETWORK=${WORK_DIR}/connection.json npm start"
  fi
}

stop_all() {
  # Reverse order of start: chaincode servers, peers, orderer, CAs.
  local file name
  for file in "${WORK_DIR}"/pids/chaincode*.pid; do
    if [[ -e "${file}" ]]; then stop_process "$(basename "${file}" .pid)"; fi
  done
  for name in "$(peer_host retailer)" "$(peer_host utility)" orderer ca-orderer ca-retailer ca-utility; do
    stop_process "${name}"
  done
}

cmd_down() {
  local purge=false
  [[ ${1:-} == --purge ]] && purge=true
  [[ -n ${1:-} && ${1} != --purge ]] && die "unknown option for down: $1"
  stop_all
  if [[ ${purge} == true ]]; then
    rm -rf "${WORK_DIR}"
    log "removed ${WORK_DIR}"
  fi
}

cmd_status() {
  local file name pid state
  if [[ ! -d "${WORK_DIR}/pids" ]]; then
    log "no network in ${WORK_DIR}"
    return 0
  fi
  for file in "${WORK_DIR}"/pids/*.pid; do
    [[ -e "${file}" ]] || continue
    name="$(basename "${file}" .pid)"
    pid="$(<"${file}")"
    state=stopped
    is_running "${name}" && state=running
    printf '%-34s pid %-8s %s\n' "${name}" "${pid}" "${state}"
  done
  [[ -f "${WORK_DIR}/connection.json" ]] && printf 'connection file: %s\n' "${WORK_DIR}/connection.json"
  return 0
}

main() {
  local command=${1:-}
  shift || true
  case "${command}" in
    up) cmd_up "$@" ;;
    deploy) cmd_deploy "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
