#!/usr/bin/env node
'use strict';
/**
 * Writes the gateway app's connection file (kind "fabric") from network/connection.template.json.
 *
 *   node write-connection.js <template.json> <work dir> <output.json> <with-ca: true|false>
 *
 * ${WORK_DIR} in the template becomes the absolute work directory. Without Fabric CAs (cryptogen)
 * the `ca` entries are dropped and each org's cryptogen Admin identity is named instead, so the
 * gateway app's staff users can act. Every referenced certificate must exist.
 */
const fs = require('node:fs');
const path = require('node:path');

/** The cryptogen Admin@<domain> certificate and key of the org whose peer is peer0.<domain>. */
function cryptogenAdmin(absWork, org) {
  const domain = String(org.peer.hostAlias || '').replace(/^peer0\./, '');
  const msp = path.join(absWork, 'crypto', 'peerOrganizations', domain, 'users', `Admin@${domain}`, 'msp');
  const only = (dir) => {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    if (files.length !== 1) throw new Error(`${org.mspId}: expected one file in ${dir}, found ${files.length}`);
    return path.join(dir, files[0]);
  };
  return { certificatePath: only(path.join(msp, 'signcerts')), privateKeyPath: only(path.join(msp, 'keystore')) };
}

function main([template, workDir, output, withCa]) {
  if (!template || !workDir || !output || !['true', 'false'].includes(withCa)) {
    throw new Error('usage: write-connection.js <template.json> <work dir> <output.json> <true|false>');
  }
  const absWork = path.resolve(workDir);
  const text = fs.readFileSync(template, 'utf8').split('${WORK_DIR}').join(absWork);
  const profile = JSON.parse(text);
  for (const org of Object.values(profile.organizations)) {
    if (withCa === 'false') {
      delete org.ca;
      org.admin = cryptogenAdmin(absWork, org);
    }
    for (const file of [org.peer.tlsCaCertPath, org.ca && org.ca.tlsCaCertPath]) {
      if (file && !fs.existsSync(file)) throw new Error(`${org.mspId}: certificate ${file} does not exist`);
    }
  }
  fs.writeFileSync(output, `${JSON.stringify(profile, null, 2)}\n`);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`write-connection: ${err.message}\n`);
  process.exit(1);
}
