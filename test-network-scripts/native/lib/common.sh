# shellcheck shell=bash
# shellcheck disable=SC2034 # settings used by the scripts that source this file
# Shared settings and helpers of the native test network: locations, ports, binary lookup,
# processes started by PID, waiting.

NATIVE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "${NATIVE_DIR}/../.." && pwd)"
NETWORK_DEF="${REPO_ROOT}/network"
CHAINCODE_DIR="${GRIDSHARE_CHAINCODE_DIR:-${REPO_ROOT}/chaincode}"
WORK_DIR="${GRIDSHARE_FABRIC_DIR:-${REPO_ROOT}/.gridshare/fabric-native}"

CHANNEL=energy
CC_NAME="${GRIDSHARE_CC_NAME:-gridshare}"
CC_VERSION="${GRIDSHARE_CC_VERSION:-1.0}"
# Each organization runs its own chaincode server beside its peer, as each organization of a
# consortium does: the utility's on GRIDSHARE_CC_SERVER_PORT, the retailer's 1000 ports above it.
CC_SERVER_PORT="${GRIDSHARE_CC_SERVER_PORT:-9999}"
CC_PROBE="${GRIDSHARE_CC_PROBE:-consortium:GetConsortium}"
# "none": a chaincode definition without private data collections.
COLLECTIONS_CONFIG="${GRIDSHARE_COLLECTIONS_CONFIG:-${CHAINCODE_DIR}/collections_config.json}"
ENDORSEMENT_POLICY_FILE="${NETWORK_DEF}/endorsement-policy.txt"

ORDERER_DOMAIN=gridshare.local
ORDERER_HOST="orderer.${ORDERER_DOMAIN}"
ORDERER_ADDRESS=127.0.0.1:7050
ORDERER_ADMIN_ADDRESS=127.0.0.1:7053
ORDERER_OPERATIONS_ADDRESS=127.0.0.1:9443

PEER_ORGS=(utility retailer)
declare -A ORG_MSP=([utility]=UtilityMSP [retailer]=RetailerMSP [orderer]=OrdererMSP)
declare -A ORG_DOMAIN=([utility]=utility.gridshare.local [retailer]=retailer.gridshare.local [orderer]=${ORDERER_DOMAIN})
declare -A PEER_ADDRESS=([utility]=127.0.0.1:7051 [retailer]=127.0.0.1:9051)
declare -A PEER_CHAINCODE_ADDRESS=([utility]=127.0.0.1:7052 [retailer]=127.0.0.1:9052)
declare -A PEER_OPERATIONS_ADDRESS=([utility]=127.0.0.1:9444 [retailer]=127.0.0.1:9445)
declare -A CC_SERVER_PORT_OFFSET=([utility]=0 [retailer]=1000)
declare -A CA_PORT=([utility]=7054 [retailer]=8054 [orderer]=9054)
declare -A CA_OPERATIONS_PORT=([utility]=17054 [retailer]=18054 [orderer]=19054)

REQUIRED_BINARIES=(peer orderer configtxgen osnadmin)
CA_BINARIES=(fabric-ca-server fabric-ca-client)

log() { printf '[network] %s\n' "$*" >&2; }
die() {
  printf '[network] ERROR: %s\n' "$*" >&2
  exit 1
}

# Path of a Fabric binary: from FABRIC_BIN when set (and only there), else from PATH.
find_binary() {
  local name=$1
  if [[ -n "${FABRIC_BIN:-}" ]]; then
    [[ -x "${FABRIC_BIN}/${name}" ]] && printf '%s\n' "${FABRIC_BIN}/${name}"
    return 0
  fi
  command -v "${name}" 2>/dev/null || true
}

binary_dir() { dirname "$(find_binary peer)"; }

# Decides where the binaries, the sample configuration and the ccaas builder come from, and fails
# with everything that is missing named at once.
resolve_fabric() {
  local missing=() name where
  for name in "${REQUIRED_BINARIES[@]}"; do
    [[ -n "$(find_binary "${name}")" ]] || missing+=("${name}")
  done
  CRYPTO_MODE="${GRIDSHARE_FABRIC_CRYPTO:-}"
  if [[ -z "${CRYPTO_MODE}" ]]; then
    CRYPTO_MODE=cryptogen
    if [[ -n "$(find_binary fabric-ca-server)" && -n "$(find_binary fabric-ca-client)" ]]; then
      CRYPTO_MODE=ca
    fi
  fi
  case "${CRYPTO_MODE}" in
    ca) for name in "${CA_BINARIES[@]}"; do [[ -n "$(find_binary "${name}")" ]] || missing+=("${name}"); done ;;
    cryptogen) [[ -n "$(find_binary cryptogen)" ]] || missing+=("cryptogen (or fabric-ca-server and fabric-ca-client)") ;;
    *) die "GRIDSHARE_FABRIC_CRYPTO must be 'ca' or 'cryptogen', not '${CRYPTO_MODE}'" ;;
  esac
  for name in node npm; do
    command -v "${name}" >/dev/null 2>&1 || missing+=("${name} (Node.js 20)")
  done
  if ((${#missing[@]} > 0)); then
    where="PATH"
    [[ -n "${FABRIC_BIN:-}" ]] && where="FABRIC_BIN=${FABRIC_BIN}"
    die "missing Fabric binaries: ${missing[*]} (looked in ${where}). Get Fabric 3.1 (or 2.5) release binaries with fabric-samples' install-fabric.sh ('./install-fabric.sh binary' puts them in bin/), then set FABRIC_BIN=<release>/bin and FABRIC_CFG_PATH=<release>/config."
  fi

  local release_dir
  release_dir="$(cd "$(binary_dir)/.." && pwd)"
  SAMPLE_CONFIG="${FABRIC_CFG_PATH:-${release_dir}/config}"
  for name in core.yaml orderer.yaml; do
    [[ -f "${SAMPLE_CONFIG}/${name}" ]] || missing+=("${SAMPLE_CONFIG}/${name}")
  done
  CCAAS_BUILDER="${FABRIC_CCAAS_BUILDER:-${release_dir}/builders/ccaas}"
  for name in detect build release; do
    [[ -x "${CCAAS_BUILDER}/bin/${name}" ]] || missing+=("${CCAAS_BUILDER}/bin/${name}")
  done
  if ((${#missing[@]} > 0)); then
    die "missing Fabric release files: ${missing[*]}. FABRIC_CFG_PATH must hold the release's core.yaml and orderer.yaml (its config/ folder); the chaincode-as-a-service builder comes with the release in builders/ccaas (or set FABRIC_CCAAS_BUILDER)."
  fi
}

# Runs a Fabric binary found by find_binary.
fabric() {
  local name=$1
  shift
  "$(find_binary "${name}")" "$@"
}

pid_file() { printf '%s/pids/%s.pid\n' "${WORK_DIR}" "$1"; }

# True when the process recorded under this name still runs.
is_running() {
  local file pid
  file="$(pid_file "$1")"
  [[ -f "${file}" ]] || return 1
  pid="$(<"${file}")"
  [[ -n "${pid}" ]] && kill -0 "${pid}" 2>/dev/null
}

running_processes() {
  local file name
  for file in "${WORK_DIR}"/pids/*.pid; do
    [[ -e "${file}" ]] || continue
    name="$(basename "${file}" .pid)"
    if is_running "${name}"; then printf '%s\n' "${name}"; fi
  done
}

# Starts a long-running process in its own session (so stopping it also stops its children, as
# for `npm run`), logging to logs/<name>.log and recording its PID in pids/<name>.pid.
start_process() {
  local name=$1
  shift
  mkdir -p "${WORK_DIR}/logs" "${WORK_DIR}/pids"
  setsid "$@" >"${WORK_DIR}/logs/${name}.log" 2>&1 </dev/null &
  printf '%s\n' "$!" >"$(pid_file "${name}")"
  log "started ${name} (pid $!, log ${WORK_DIR}/logs/${name}.log)"
}

# Stops one recorded process group (TERM, then KILL after 15 s) and forgets its PID.
stop_process() {
  local name=$1 file pid i
  file="$(pid_file "${name}")"
  [[ -f "${file}" ]] || return 0
  pid="$(<"${file}")"
  if [[ -n "${pid}" ]] && kill -0 "${pid}" 2>/dev/null; then
    kill -TERM -- "-${pid}" 2>/dev/null || kill -TERM "${pid}" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "${pid}" 2>/dev/null; then
      log "${name} (pid ${pid}) ignored TERM; sending KILL"
      kill -KILL -- "-${pid}" 2>/dev/null || kill -KILL "${pid}" 2>/dev/null || true
    fi
    log "stopped ${name} (pid ${pid})"
  fi
  rm -f "${file}"
}

# Retries a command until it succeeds or the timeout (seconds) passes.
wait_for() {
  local what=$1 timeout=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      die "timed out after ${timeout}s waiting for ${what}"
    fi
    sleep 1
  done
}

# True when something accepts TCP connections on host:port.
port_open() {
  local host=${1%:*} port=${1##*:}
  (exec 3<>"/dev/tcp/${host}/${port}") 2>/dev/null
}

# Minimal HTTP GET over bash's /dev/tcp (operations endpoints are plain HTTP on loopback).
http_get() {
  local host=${1%%/*} path="/${1#*/}"
  local addr=${host%:*} port=${host##*:}
  (
    exec 3<>"/dev/tcp/${addr}/${port}" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "${path}" "${host}" >&3
    cat <&3
  ) 2>/dev/null
}

require_free_ports() {
  local busy=() address
  for address in "$@"; do
    if port_open "${address}"; then busy+=("${address}"); fi
  done
  ((${#busy[@]} == 0)) || die "ports already in use: ${busy[*]} (another Fabric network or service is running)"
}

org_dir() {
  if [[ $1 == orderer ]]; then
    printf '%s/crypto/ordererOrganizations/%s\n' "${WORK_DIR}" "${ORDERER_DOMAIN}"
  else
    printf '%s/crypto/peerOrganizations/%s\n' "${WORK_DIR}" "${ORG_DOMAIN[$1]}"
  fi
}
org_tls_ca() { printf '%s/tlsca/tlsca.%s-cert.pem\n' "$(org_dir "$1")" "${ORG_DOMAIN[$1]}"; }
org_admin_msp() { printf '%s/users/Admin@%s/msp\n' "$(org_dir "$1")" "${ORG_DOMAIN[$1]}"; }
peer_host() { printf 'peer0.%s\n' "${ORG_DOMAIN[$1]}"; }
peer_dir() { printf '%s/peers/%s\n' "$(org_dir "$1")" "$(peer_host "$1")"; }
orderer_dir() { printf '%s/orderers/%s\n' "$(org_dir orderer)" "${ORDERER_HOST}"; }
orderer_admin_tls() { printf '%s/users/Admin@%s/tls\n' "$(org_dir orderer)" "${ORDERER_DOMAIN}"; }
node_config_dir() { printf '%s/nodes/%s\n' "${WORK_DIR}" "$1"; }
tls_ca_bundle() { printf '%s/tls-ca-bundle.pem\n' "${WORK_DIR}"; }

# Runs the peer CLI as an organization's admin against that organization's peer.
peer_as_admin() {
  local org=$1
  shift
  FABRIC_CFG_PATH="$(node_config_dir "$(peer_host "${org}")")" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_LOCALMSPID="${ORG_MSP[$org]}" \
    CORE_PEER_MSPCONFIGPATH="$(org_admin_msp "${org}")" \
    CORE_PEER_ADDRESS="${PEER_ADDRESS[$org]}" \
    CORE_PEER_TLS_ROOTCERT_FILE="$(org_tls_ca "${org}")" \
    FABRIC_LOGGING_SPEC=WARN \
    fabric peer "$@"
}
