#!/usr/bin/env bash
#
# Deploys Gridshare onto fabric-samples' test-network (Docker), with Org1MSP as the utility and
# Org2MSP as the retailer, and writes the gateway app's connection file.
#
#   FABRIC_SAMPLES=<fabric-samples checkout> deploy.sh [--up] [--ccaas] [--sequence N]
#
#   --up          first run `./network.sh up createChannel -c energy -ca` (Fabric CAs, so the
#                 gateway app can enroll household members from Org2's CA)
#   --ccaas       deploy as a chaincode service (`deployCCAAS`: needs chaincode/Dockerfile)
#                 instead of `deployCC -ccl typescript` (the peer builds and launches it)
#   --sequence N  chaincode definition sequence for an upgrade (default 1)
#
# Environment: FABRIC_SAMPLES (required), GRIDSHARE_CONNECTION_FILE (default
# <repo>/.gridshare/fabric-samples/connection.json). fabric-samples' own requirements apply:
# Docker, and its bin/ and config/ from install-fabric.sh.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
CHAINCODE_DIR="${REPO_ROOT}/chaincode"
COLLECTIONS_CONFIG="${GRIDSHARE_COLLECTIONS_CONFIG:-${CHAINCODE_DIR}/collections_config.fabric-samples.json}"
ENDORSEMENT_POLICY="AND('Org1MSP.peer','Org2MSP.peer')"
CONNECTION_FILE="${GRIDSHARE_CONNECTION_FILE:-${REPO_ROOT}/.gridshare/fabric-samples/connection.json}"
CHANNEL=energy
CC_NAME=gridshare

log() { printf '[fabric-samples] %s\n' "$*" >&2; }
die() {
  printf '[fabric-samples] ERROR: %s\n' "$*" >&2
  exit 1
}

usage() { sed -n '3,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

bring_up=false
as_service=false
sequence=1
while (($# > 0)); do
  case "$1" in
    --up) bring_up=true ;;
    --ccaas) as_service=true ;;
    --sequence)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--sequence needs a positive integer"
      sequence=$2
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
  shift
done

[[ -n "${FABRIC_SAMPLES:-}" ]] || die "set FABRIC_SAMPLES to a fabric-samples checkout (with bin/ and config/ from install-fabric.sh)"
TEST_NETWORK="${FABRIC_SAMPLES}/test-network"
[[ -x "${TEST_NETWORK}/network.sh" ]] || die "${TEST_NETWORK}/network.sh not found: is FABRIC_SAMPLES a fabric-samples checkout?"
[[ -f "${COLLECTIONS_CONFIG}" ]] || die "collections config ${COLLECTIONS_CONFIG} does not exist"
if [[ ${as_service} == true && ! -f "${CHAINCODE_DIR}/Dockerfile" ]]; then
  die "deployCCAAS builds the chaincode image from ${CHAINCODE_DIR}/Dockerfile, which does not exist"
fi

cd "${TEST_NETWORK}"
if [[ ${bring_up} == true ]]; then
  log "starting test-network with Fabric CAs and channel ${CHANNEL}"
  ./network.sh up createChannel -c "${CHANNEL}" -ca
fi

deploy_args=(-c "${CHANNEL}" -ccn "${CC_NAME}" -ccp "${CHAINCODE_DIR}" -ccs "${sequence}"
  -cccg "${COLLECTIONS_CONFIG}" -ccep "${ENDORSEMENT_POLICY}")
if [[ ${as_service} == true ]]; then
  log "deploying ${CC_NAME} as a chaincode service (deployCCAAS)"
  ./network.sh deployCCAAS "${deploy_args[@]}"
else
  # deployCC's packaging runs npm install and npm run build in the chaincode folder.
  log "deploying ${CC_NAME} as TypeScript chaincode (deployCC -ccl typescript)"
  ./network.sh deployCC "${deploy_args[@]}" -ccl typescript
fi

with_ca=false
[[ -f "${TEST_NETWORK}/organizations/fabric-ca/org1/ca-cert.pem" ]] && with_ca=true
[[ ${with_ca} == true ]] || log "no Fabric CAs (network started without -ca): the connection file has no CA entries"
mkdir -p "$(dirname "${CONNECTION_FILE}")"
node "${REPO_ROOT}/test-network-scripts/native/lib/write-connection.js" "${SCRIPT_DIR}/connection.template.json" \
  "${TEST_NETWORK}" "${CONNECTION_FILE}" "${with_ca}" || die "cannot write ${CONNECTION_FILE}"
log "connection file: ${CONNECTION_FILE}"
log "start the gateway app (it runs consortium:Init with Org1MSP as utility, Org2MSP as retailer on first start):"
log "  GRIDSHARE_LEDGER=fabric GRIDSHARE_NETWORK=${CONNECTION_FILE} GRIDSHARE_DEV_LOGIN=1 npm start"
