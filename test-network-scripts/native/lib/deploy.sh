# shellcheck shell=bash
# Deploys the chaincode as a service, the flow of fabric-samples' deployCCAAS.sh: build, package
# (connection.json + metadata.json of type ccaas), install on both peers, approve for both
# organizations with the collections config and the endorsement policy, check commit readiness,
# commit, query the committed definition, start the chaincode server and wait until it answers.

cc_package_dir() { printf '%s/chaincode-package\n' "${WORK_DIR}"; }
orderer_flags() { printf '%s\n' -o "${ORDERER_ADDRESS}" --tls --cafile "$(org_tls_ca orderer)"; }

build_chaincode() {
  log "building the chaincode (npm run build in ${CHAINCODE_DIR})"
  if [[ ! -d "${CHAINCODE_DIR}/node_modules/fabric-shim" ]]; then
    (cd "${CHAINCODE_DIR}" && npm install --no-audit --no-fund) >"${WORK_DIR}/logs/chaincode-npm-install.log" 2>&1 ||
      die "npm install in ${CHAINCODE_DIR} failed: see ${WORK_DIR}/logs/chaincode-npm-install.log"
  fi
  (cd "${CHAINCODE_DIR}" && npm run build --if-present) >"${WORK_DIR}/logs/chaincode-build.log" 2>&1 ||
    die "chaincode build failed: see ${WORK_DIR}/logs/chaincode-build.log"
}

deterministic_tgz() {
  local from=$1 to=$2
  shift 2
  tar -C "${from}" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - "$@" | gzip -n >"${to}"
}

# The chaincode server of one organization (see CC_SERVER_PORT_OFFSET).
cc_server_address() { printf '127.0.0.1:%s\n' "$((CC_SERVER_PORT + CC_SERVER_PORT_OFFSET[$1]))"; }

# connection.json's address, a template the ccaas builder renders on each peer with that peer's
# CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG ({"org": "<org>"}): every peer dials its own
# organization's server, and both peers install one package with one package ID.
cc_address_template() {
  local org template='' keyword='if'
  for org in "${PEER_ORGS[@]}"; do
    template+="{{${keyword} eq .org \\\"${org}\\\"}}$(cc_server_address "${org}")"
    keyword='else if'
  done
  printf '%s{{end}}\n' "${template}"
}

# A chaincode-as-a-service package holds no code, only where the peer finds the running server.
package_chaincode() {
  local dir label
  dir="$(cc_package_dir)"
  label="${CC_NAME}_${CC_VERSION}"
  rm -rf "${dir}"
  mkdir -p "${dir}/src" "${dir}/pkg"
  printf '{\n  "address": "%s",\n  "dial_timeout": "10s",\n  "tls_required": false\n}\n' "$(cc_address_template)" >"${dir}/src/connection.json"
  printf '{\n  "type": "ccaas",\n  "label": "%s"\n}\n' "${label}" >"${dir}/pkg/metadata.json"
  # Reproducible archives (fixed owner and times, no gzip timestamp): the same address and label
  # give the same package ID, so a redeploy finds the package already installed.
  deterministic_tgz "${dir}/src" "${dir}/pkg/code.tar.gz" connection.json
  deterministic_tgz "${dir}/pkg" "${dir}/${label}.tar.gz" metadata.json code.tar.gz
  CC_PACKAGE_FILE="${dir}/${label}.tar.gz"
  CC_PACKAGE_ID="$(fabric peer lifecycle chaincode calculatepackageid "${CC_PACKAGE_FILE}")" ||
    die "cannot compute the package ID of ${CC_PACKAGE_FILE}"
  log "packaged ${label} as a service, one server per organization (package ID ${CC_PACKAGE_ID})"
}

install_chaincode() {
  local org
  for org in "${PEER_ORGS[@]}"; do
    if peer_as_admin "${org}" lifecycle chaincode queryinstalled 2>/dev/null | grep -q "Package ID: ${CC_PACKAGE_ID},"; then
      log "$(peer_host "${org}") already has ${CC_PACKAGE_ID}"
      continue
    fi
    peer_as_admin "${org}" lifecycle chaincode install "${CC_PACKAGE_FILE}" >"${WORK_DIR}/logs/install-${org}.log" 2>&1 ||
      die "install on $(peer_host "${org}") failed: see ${WORK_DIR}/logs/install-${org}.log"
    log "installed on $(peer_host "${org}")"
  done
}

# The next sequence: one past the committed definition, or 1 on a fresh channel.
next_sequence() {
  local committed
  committed="$(peer_as_admin utility lifecycle chaincode querycommitted -C "${CHANNEL}" -n "${CC_NAME}" -O json 2>/dev/null || true)"
  if [[ -z "${committed}" ]]; then
    printf '1\n'
  else
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).sequence+1))' <<<"${committed}"
  fi
}

definition_flags() {
  printf '%s\n' --channelID "${CHANNEL}" --name "${CC_NAME}" --version "${CC_VERSION}" --sequence "${CC_SEQUENCE}" \
    --signature-policy "${ENDORSEMENT_POLICY}"
  [[ ${COLLECTIONS_CONFIG} == none ]] || printf '%s\n' --collections-config "${COLLECTIONS_CONFIG}"
}

# An organization's chaincode server process: `chaincode-<org>` for Gridshare,
# `chaincode-<name>-<org>` for others deployed beside it (GRIDSHARE_CC_NAME), so each can be
# stopped on its own.
cc_process_name() {
  if [[ ${CC_NAME} == gridshare ]]; then printf 'chaincode-%s\n' "$1"; else printf 'chaincode-%s-%s\n' "${CC_NAME}" "$1"; fi
}

approve_and_commit() {
  local org readiness flags=() orderer=() peers=()
  ENDORSEMENT_POLICY="$(tr -d '\n' <"${ENDORSEMENT_POLICY_FILE}")"
  CC_SEQUENCE="${GRIDSHARE_CC_SEQUENCE:-$(next_sequence)}"
  mapfile -t flags < <(definition_flags)
  mapfile -t orderer < <(orderer_flags)
  for org in "${PEER_ORGS[@]}"; do
    peer_as_admin "${org}" lifecycle chaincode approveformyorg "${orderer[@]}" "${flags[@]}" --package-id "${CC_PACKAGE_ID}" \
      >"${WORK_DIR}/logs/approve-${org}.log" 2>&1 || die "approval by ${ORG_MSP[$org]} failed: see ${WORK_DIR}/logs/approve-${org}.log"
    log "${ORG_MSP[$org]} approved ${CC_NAME} sequence ${CC_SEQUENCE}"
  done

  readiness="$(peer_as_admin utility lifecycle chaincode checkcommitreadiness "${flags[@]}" -O json)" ||
    die "checkcommitreadiness failed"
  for org in "${PEER_ORGS[@]}"; do
    grep -q "\"${ORG_MSP[$org]}\": true" <<<"${readiness}" || die "${ORG_MSP[$org]} has not approved: ${readiness}"
  done

  for org in "${PEER_ORGS[@]}"; do
    peers+=(--peerAddresses "${PEER_ADDRESS[$org]}" --tlsRootCertFiles "$(org_tls_ca "${org}")")
  done
  peer_as_admin utility lifecycle chaincode commit "${orderer[@]}" "${flags[@]}" "${peers[@]}" \
    >"${WORK_DIR}/logs/commit.log" 2>&1 || die "commit failed: see ${WORK_DIR}/logs/commit.log"
  wait_for "the definition of ${CC_NAME} to be committed on both peers" 60 committed_on_all_peers
  log "committed ${CC_NAME} sequence ${CC_SEQUENCE} (endorsement policy ${ENDORSEMENT_POLICY})"
}

committed_on_all_peers() {
  local org
  for org in "${PEER_ORGS[@]}"; do
    peer_as_admin "${org}" lifecycle chaincode querycommitted -C "${CHANNEL}" -n "${CC_NAME}" -O json |
      grep -q "\"sequence\": ${CC_SEQUENCE}," || return 1
  done
}

start_chaincode_server() {
  local org name addresses=()
  for org in "${PEER_ORGS[@]}"; do
    stop_process "$(cc_process_name "${org}")"
    addresses+=("$(cc_server_address "${org}")")
  done
  require_free_ports "${addresses[@]}"
  for org in "${PEER_ORGS[@]}"; do
    name="$(cc_process_name "${org}")"
    # shellcheck disable=SC2016 # expanded by the inner shell
    start_process "${name}" env CHAINCODE_SERVER_ADDRESS="$(cc_server_address "${org}")" CHAINCODE_ID="${CC_PACKAGE_ID}" \
      bash -c 'cd "$1" && exec npm run start:server' start-chaincode "${CHAINCODE_DIR}"
  done
  wait_for "the chaincode to answer on both peers" 120 chaincode_answers
  log "chaincode servers of ${PEER_ORGS[*]} answer through their peers"
}

# The chaincode answers when a query through each peer reaches it: a result, or an error from the
# chaincode itself (before the gateway app's consortium:Init, GetConsortium says NOT_INITIALISED).
# A peer that cannot reach the server reports "error in simulation" instead.
chaincode_answers() {
  local org output
  for org in "${PEER_ORGS[@]}"; do
    if output="$(peer_as_admin "${org}" chaincode query -C "${CHANNEL}" -n "${CC_NAME}" -c "{\"Args\":[\"${CC_PROBE}\"]}" 2>&1)"; then
      continue
    fi
    grep -q 'response: status:' <<<"${output}" && ! grep -q 'error in simulation' <<<"${output}" || return 1
  done
}

write_connection_file() {
  local with_ca=false
  [[ ${CRYPTO_MODE} == ca ]] && with_ca=true
  node "${NATIVE_DIR}/lib/write-connection.js" "${NETWORK_DEF}/connection.template.json" "${WORK_DIR}" \
    "${WORK_DIR}/connection.json" "${with_ca}" || die "cannot write ${WORK_DIR}/connection.json"
  log "connection file: ${WORK_DIR}/connection.json"
}
