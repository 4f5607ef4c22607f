# shellcheck shell=bash
# The orderer and the peers: per-node configuration files derived from the release's sample
# configuration, starting them, the channel's genesis block and the joins.

render_config() {
  node "${NATIVE_DIR}/lib/render-node-config.js" "$@" || die "cannot write node configuration $2"
}

write_orderer_config() {
  local dir node tls
  dir="$(node_config_dir "${ORDERER_HOST}")"
  node="$(orderer_dir)"
  tls="${node}/tls"
  mkdir -p "${dir}" "${WORK_DIR}/data/${ORDERER_HOST}"
  render_config "${SAMPLE_CONFIG}/orderer.yaml" "${dir}/orderer.yaml" \
    "General.ListenAddress=${ORDERER_ADDRESS%:*}" \
    "General.ListenPort=${ORDERER_ADDRESS##*:}" \
    "General.TLS.Enabled=true" \
    "General.TLS.PrivateKey=${tls}/server.key" \
    "General.TLS.Certificate=${tls}/server.crt" \
    "General.TLS.RootCAs=[$(tls_ca_bundle)]" \
    "General.Cluster.ClientCertificate=${tls}/server.crt" \
    "General.Cluster.ClientPrivateKey=${tls}/server.key" \
    "General.BootstrapMethod=none" \
    "General.LocalMSPDir=${node}/msp" \
    "General.LocalMSPID=${ORG_MSP[orderer]}" \
    "FileLedger.Location=${WORK_DIR}/data/${ORDERER_HOST}" \
    "Consensus.WALDir=${WORK_DIR}/data/${ORDERER_HOST}/etcdraft/wal" \
    "Consensus.SnapDir=${WORK_DIR}/data/${ORDERER_HOST}/etcdraft/snapshot" \
    "Operations.ListenAddress=${ORDERER_OPERATIONS_ADDRESS}" \
    "Metrics.Provider=prometheus" \
    "Admin.ListenAddress=${ORDERER_ADMIN_ADDRESS}" \
    "Admin.TLS.Enabled=true" \
    "Admin.TLS.Certificate=${tls}/server.crt" \
    "Admin.TLS.PrivateKey=${tls}/server.key" \
    "Admin.TLS.ClientAuthRequired=true" \
    "Admin.TLS.ClientRootCAs=[$(org_tls_ca orderer)]" \
    "ChannelParticipation.Enabled=true"
}

write_peer_config() {
  local org=$1 host dir node tls address
  host="$(peer_host "${org}")"
  dir="$(node_config_dir "${host}")"
  node="$(peer_dir "${org}")"
  tls="${node}/tls"
  address="${PEER_ADDRESS[$org]}"
  mkdir -p "${dir}" "${WORK_DIR}/data/${host}"
  render_config "${SAMPLE_CONFIG}/core.yaml" "${dir}/core.yaml" \
    "peer.id=${host}" \
    "peer.networkId=gridshare" \
    "peer.listenAddress=${address}" \
    "peer.address=${address}" \
    "peer.chaincodeListenAddress=${PEER_CHAINCODE_ADDRESS[$org]}" \
    "peer.chaincodeAddress=${PEER_CHAINCODE_ADDRESS[$org]}" \
    "peer.gossip.bootstrap=${address}" \
    "peer.gossip.externalEndpoint=${address}" \
    "peer.localMspId=${ORG_MSP[$org]}" \
    "peer.mspConfigPath=${node}/msp" \
    "peer.fileSystemPath=${WORK_DIR}/data/${host}" \
    "peer.tls.enabled=true" \
    "peer.tls.cert.file=${tls}/server.crt" \
    "peer.tls.key.file=${tls}/server.key" \
    "peer.tls.rootcert.file=$(tls_ca_bundle)" \
    "peer.tls.clientRootCAs.files=[$(tls_ca_bundle)]" \
    "vm.endpoint=" \
    "chaincode.externalBuilders=[{name: ccaas_builder, path: ${CCAAS_BUILDER}, propagateEnvironment: [CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG]}]" \
    "ledger.state.stateDatabase=goleveldb" \
    "ledger.snapshots.rootDir=${WORK_DIR}/data/${host}/snapshots" \
    "operations.listenAddress=${PEER_OPERATIONS_ADDRESS[$org]}"
}

orderer_admin() {
  local tls
  tls="$(orderer_admin_tls)"
  fabric osnadmin "$@" -o "${ORDERER_ADMIN_ADDRESS}" --ca-file "$(org_tls_ca orderer)" \
    --client-cert "${tls}/client.crt" --client-key "${tls}/client.key"
}

# The orderer says a channel is active before its raft leader exists; transactions sent before
# the leader is elected fail, so wait for leadership itself.
orderer_leads_channel() {
  http_get "${ORDERER_OPERATIONS_ADDRESS}/metrics" | grep -Eq "^consensus_etcdraft_is_leader\{channel=\"${CHANNEL}\"\} 1"
}

peer_healthy() { http_get "$1/healthz" | grep -q '"status":"OK"'; }

start_orderer() {
  write_orderer_config
  start_process orderer env FABRIC_CFG_PATH="$(node_config_dir "${ORDERER_HOST}")" \
    FABRIC_LOGGING_SPEC=INFO "$(find_binary orderer)"
  wait_for "the orderer's admin endpoint ${ORDERER_ADMIN_ADDRESS}" 60 orderer_admin channel list
}

create_channel() {
  local block="${WORK_DIR}/channel-artifacts/${CHANNEL}.block"
  mkdir -p "${WORK_DIR}/channel-artifacts"
  cp "${NETWORK_DEF}/configtx.yaml" "${WORK_DIR}/configtx.yaml"
  log "creating the genesis block of channel ${CHANNEL} (anchor peers included)"
  FABRIC_CFG_PATH="${WORK_DIR}" fabric configtxgen -profile EnergyChannel -channelID "${CHANNEL}" \
    -outputBlock "${block}" >"${WORK_DIR}/logs/configtxgen.log" 2>&1 ||
    die "configtxgen failed: see ${WORK_DIR}/logs/configtxgen.log"
  orderer_admin channel join --channelID "${CHANNEL}" --config-block "${block}" >"${WORK_DIR}/logs/osnadmin-join.log" 2>&1 ||
    die "osnadmin channel join failed: see ${WORK_DIR}/logs/osnadmin-join.log"
  wait_for "the orderer to lead channel ${CHANNEL}" 60 orderer_leads_channel
  log "orderer joined ${CHANNEL} and leads its raft cluster"
}

start_peers() {
  local org
  for org in "${PEER_ORGS[@]}"; do
    write_peer_config "${org}"
    # The ccaas builder renders connection.json's address with this: each peer dials its own
    # organization's chaincode server (lib/deploy.sh).
    start_process "$(peer_host "${org}")" env FABRIC_CFG_PATH="$(node_config_dir "$(peer_host "${org}")")" \
      CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG="{\"org\":\"${org}\"}" FABRIC_LOGGING_SPEC=INFO "$(find_binary peer)" node start
  done
  for org in "${PEER_ORGS[@]}"; do
    wait_for "$(peer_host "${org}") to be healthy" 60 peer_healthy "${PEER_OPERATIONS_ADDRESS[$org]}"
  done
}

join_peers() {
  local org block="${WORK_DIR}/channel-artifacts/${CHANNEL}.block"
  for org in "${PEER_ORGS[@]}"; do
    peer_as_admin "${org}" channel join -b "${block}" >"${WORK_DIR}/logs/join-${org}.log" 2>&1 ||
      die "$(peer_host "${org}") could not join ${CHANNEL}: see ${WORK_DIR}/logs/join-${org}.log"
  done
  for org in "${PEER_ORGS[@]}"; do
    wait_for "$(peer_host "${org}") to have channel ${CHANNEL}" 60 peer_as_admin "${org}" channel getinfo -c "${CHANNEL}"
    log "$(peer_host "${org}") joined ${CHANNEL}"
  done
}
