'use strict';
/**
 * What the dev ledger benchmarks share: the ledger CLI as a child process (optionally profiled),
 * a client identity, and the CPU time and memory of the ledger and its chaincode process from /proc.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { x509 } = require('../dist/ca/x509');
const { signLowSAsync } = require('../dist/identity/ecdsa');

const repoRoot = path.resolve(__dirname, '..', '..');
const fixture = path.join(__dirname, '..', 'test', 'fixtures', 'test-chaincode');
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
function processCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

function childPids(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Resident set and its peak (bytes), from /proc/<pid>/status. */
function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
}

/** Resets a process's peak resident set to its current one (Linux clear_refs). */
function resetPeakMemory(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted: the peak then covers the process's whole life.
  }
}

/** A client identity with a self-signed P-256 certificate, signing with OpenSSL (hash.none) and low-S. */
async function makeIdentity() {
  const keys = await crypto.webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=bench, OU=client, O=UtilityMSP',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const pkcs8 = Buffer.from(await crypto.webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return {
    identity: { mspId: 'UtilityMSP', credentials: Buffer.from(cert.toString('pem')) },
    // Signed on the thread pool: the client's event loop is the busiest thread of the benchmark.
    signer: (message) => signLowSAsync(message, privateKey),
  };
}

/**
 * Starts the dev ledger CLI with the protocol-test contract and resolves with its process and
 * gateway endpoint. With `profileDir`, the ledger writes a V8 CPU profile there and the chaincode
 * server a V8 tick log (it is stopped by a signal, so it cannot write a .cpuprofile).
 */
function startLedgerProcess(dataDir, profileDir) {
  const cli = path.join(__dirname, '..', 'dist', 'cli.js');
  const args = ['start', '--data-dir', dataDir, '--chaincode-dir', path.join(repoRoot, 'chaincode'), '--chaincode-module', fixture];
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, 'ledger')] : [];
  const env = profileDir
    ? { ...process.env, DEVLEDGER_CHAINCODE_NODE_ARGS: `--prof --no-logfile-per-isolate --logfile=${path.join(profileDir, 'chaincode-v8.log')}` }
    : process.env;
  const child = spawn(process.execPath, [...nodeArgs, cli, ...args, '--chaincode-name', 'probe', '--port', '0', '--ca-port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /gateway \(gRPC, plaintext\): (\S+)/.exec(output);
      if (match) resolve({ child, endpoint: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`dev ledger exited with code ${code}`)));
  });
}

function stopLedgerProcess(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

module.exports = { repoRoot, processCpuMs, childPids, memory, resetPeakMemory, makeIdentity, startLedgerProcess, stopLedgerProcess };
