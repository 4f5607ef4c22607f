import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway, hash, type Identity, type Signer } from '@hyperledger/fabric-gateway';
import { x509 } from '../src/ca/x509';
import { signLowSAsync } from '../src/identity/ecdsa';
import { type DevLedger, type DevLedgerOptions, startDevLedger } from '../src';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const fixtureChaincode = path.join(__dirname, 'fixtures', 'test-chaincode');

export interface TestIdentity {
  identity: Identity;
  signer: Signer;
  privateKey: crypto.KeyObject;
}

/** A client identity: P-256 key and a self-signed X.509 certificate with a NodeOU-style OU. */
export async function makeIdentity(mspId: string, commonName: string): Promise<TestIdentity> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = (await crypto.webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: crypto.randomBytes(8).toString('hex'),
    name: `CN=${commonName}, OU=client, O=${mspId}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600 * 1000),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const pkcs8 = Buffer.from(await crypto.webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return {
    identity: { mspId, credentials: Buffer.from(certificate.toString('pem')) },
    // With hash.none the signer receives the whole message and hashes it itself (OpenSSL is fast).
    signer: (message) => signLowSAsync(message, privateKey),
    privateKey,
  };
}

const tempDirs: string[] = [];

/** A fresh data directory under the OS temp dir, removed after the test file (ledgers are closed by then). */
export function tempDataDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `devledger-${name}-`));
  tempDirs.push(dir);
  return dir;
}

// Registered at the top level of every test file that imports these helpers; top-level afterAll
// hooks run after the describe-level ones that close ledgers.
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function startFixtureLedger(dataDir: string, extra: Partial<DevLedgerOptions> = {}): Promise<DevLedger> {
  return startDevLedger({
    dataDir,
    gatewayPort: 0,
    caPort: 0,
    chaincodeName: 'probe',
    chaincode: { mode: 'spawn', dir: path.join(repoRoot, 'chaincode'), modulePath: fixtureChaincode },
    collectionsConfigPath: path.join(fixtureChaincode, 'collections_config.json'),
    blockTimeoutMs: 10,
    ...extra,
  });
}

export interface TestClient {
  gateway: Gateway;
  client: grpc.Client;
  close(): void;
}

export function connectClient(endpoint: string, id: TestIdentity): TestClient {
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure());
  const gateway = connect({ client, identity: id.identity, signer: id.signer, hash: hash.none });
  return {
    gateway,
    client,
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

export const utf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
