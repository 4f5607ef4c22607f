# shellcheck shell=bash
# Identities of the network: one Fabric CA per organization (enrollment and TLS certificates from
# the same root), or cryptogen when fabric-ca-server is not available. Both write the same layout:
#   crypto/{ordererOrganizations,peerOrganizations}/<domain>/{msp,tlsca,peers|orderers,users}
# TLS certificates name 127.0.0.1: the Gateway dials the other organization's peer at its gossip
# endpoint, which is a loopback address here.

generate_crypto_with_cryptogen() {
  log "generating identities with cryptogen (${NETWORK_DEF}/crypto-config.yaml)"
  fabric cryptogen generate --config="${NETWORK_DEF}/crypto-config.yaml" --output="${WORK_DIR}/crypto" >/dev/null
}

ca_home() { printf '%s/ca/%s\n' "${WORK_DIR}" "$1"; }
ca_url() { printf 'https://127.0.0.1:%s\n' "${CA_PORT[$1]}"; }

start_cas() {
  local org home
  for org in utility retailer orderer; do
    home="$(ca_home "${org}")"
    mkdir -p "${home}"
    cp "${NETWORK_DEF}/fabric-ca/${org}/fabric-ca-server-config.yaml" "${home}/"
    start_process "ca-${org}" "$(find_binary fabric-ca-server)" start -b admin:adminpw --home "${home}"
  done
  for org in utility retailer orderer; do
    wait_for "ca-${org} at $(ca_url "${org}")" 60 ca_answers "${org}"
  done
}

ca_answers() {
  [[ -f "$(ca_home "$1")/ca-cert.pem" ]] || return 1
  port_open "127.0.0.1:${CA_PORT[$1]}" || return 1
  ca_client "$1" getcainfo -u "$(ca_url "$1")" -H "${WORK_DIR}/ca/${1}-probe" >/dev/null 2>&1
}

# fabric-ca-client against an organization's CA, trusting its TLS certificate.
ca_client() {
  local org=$1
  shift
  fabric fabric-ca-client "$@" --caname "ca-${org}" --tls.certfiles "$(ca_home "${org}")/ca-cert.pem"
}

# Enrolls into an MSP directory and adds the NodeOUs config.
enroll_msp() {
  local org=$1 id=$2 secret=$3 msp=$4 hosts=${5:-}
  local args=(enroll -u "https://${id}:${secret}@127.0.0.1:${CA_PORT[$org]}" -M "${msp}" -H "${WORK_DIR}/ca/${org}-clients/${id}")
  [[ -n "${hosts}" ]] && args+=(--csr.hosts "${hosts}")
  ca_client "${org}" "${args[@]}" >/dev/null 2>&1 || die "enrolling ${id} at ca-${org} failed"
  cp "${NETWORK_DEF}/msp/config.yaml" "${msp}/config.yaml"
}

# Enrolls a TLS certificate (tls profile) and stores it under the names cryptogen uses.
enroll_tls() {
  local org=$1 id=$2 secret=$3 dir=$4 hosts=$5 kind=$6
  local tmp="${dir}/enroll"
  ca_client "${org}" enroll -u "https://${id}:${secret}@127.0.0.1:${CA_PORT[$org]}" -M "${tmp}" \
    -H "${WORK_DIR}/ca/${org}-clients/${id}" --enrollment.profile tls --csr.hosts "${hosts}" >/dev/null 2>&1 ||
    die "enrolling the TLS certificate of ${id} at ca-${org} failed"
  cp "${tmp}"/tlscacerts/*.pem "${dir}/ca.crt"
  cp "${tmp}"/signcerts/*.pem "${dir}/${kind}.crt"
  cp "${tmp}"/keystore/*_sk "${dir}/${kind}.key"
  rm -rf "${tmp}"
}

register() {
  local org=$1 id=$2 secret=$3 type=$4
  ca_client "${org}" register --id.name "${id}" --id.secret "${secret}" --id.type "${type}" \
    -u "$(ca_url "${org}")" -H "${WORK_DIR}/ca/${org}-clients/registrar" >/dev/null 2>&1 ||
    die "registering ${id} (${type}) at ca-${org} failed"
}

# The organization's MSP as the channel configuration sees it: its root CA, its TLS root CA, NodeOUs.
write_org_msp() {
  local org=$1 dir domain ca_cert
  dir="$(org_dir "${org}")"
  domain="${ORG_DOMAIN[$org]}"
  ca_cert="$(ca_home "${org}")/ca-cert.pem"
  mkdir -p "${dir}/msp/cacerts" "${dir}/msp/tlscacerts" "${dir}/tlsca" "${dir}/ca"
  cp "${ca_cert}" "${dir}/msp/cacerts/ca.${domain}-cert.pem"
  cp "${ca_cert}" "${dir}/msp/tlscacerts/tlsca.${domain}-cert.pem"
  cp "${ca_cert}" "${dir}/tlsca/tlsca.${domain}-cert.pem"
  cp "${ca_cert}" "${dir}/ca/ca.${domain}-cert.pem"
  cp "${NETWORK_DEF}/msp/config.yaml" "${dir}/msp/config.yaml"
}

enroll_org_admin() {
  local org=$1 admin_dir
  admin_dir="$(dirname "$(org_admin_msp "${org}")")"
  register "${org}" "${org}admin" "${org}adminpw" admin
  mkdir -p "${admin_dir}/tls"
  enroll_msp "${org}" "${org}admin" "${org}adminpw" "${admin_dir}/msp"
  enroll_tls "${org}" "${org}admin" "${org}adminpw" "${admin_dir}/tls" "127.0.0.1,localhost" client
}

generate_crypto_with_cas() {
  local org node_dir host
  start_cas
  for org in utility retailer orderer; do
    log "enrolling ${ORG_MSP[$org]} identities from ca-${org}"
    ca_client "${org}" enroll -u "https://admin:adminpw@127.0.0.1:${CA_PORT[$org]}" \
      -H "${WORK_DIR}/ca/${org}-clients/registrar" >/dev/null 2>&1 || die "enrolling the registrar of ca-${org} failed"
    write_org_msp "${org}"
    enroll_org_admin "${org}"
    if [[ ${org} == orderer ]]; then
      node_dir="$(orderer_dir)"
      host="${ORDERER_HOST}"
      register "${org}" orderer0 orderer0pw orderer
      mkdir -p "${node_dir}/tls"
      enroll_msp "${org}" orderer0 orderer0pw "${node_dir}/msp" "${host}"
      enroll_tls "${org}" orderer0 orderer0pw "${node_dir}/tls" "${host},localhost,127.0.0.1" server
    else
      node_dir="$(peer_dir "${org}")"
      host="$(peer_host "${org}")"
      register "${org}" peer0 peer0pw peer
      mkdir -p "${node_dir}/tls"
      enroll_msp "${org}" peer0 peer0pw "${node_dir}/msp" "${host}"
      enroll_tls "${org}" peer0 peer0pw "${node_dir}/tls" "${host},localhost,127.0.0.1" server
    fi
  done
}

generate_crypto() {
  if [[ ${CRYPTO_MODE} == ca ]]; then
    generate_crypto_with_cas
  else
    generate_crypto_with_cryptogen
  fi
  # Every node trusts every organization's TLS root from the start: a peer that joins the channel
  # may dial the other organization's peer before it has read their TLS roots from the channel.
  local org
  for org in utility retailer orderer; do cat "$(org_tls_ca "${org}")"; done >"$(tls_ca_bundle)"
}
