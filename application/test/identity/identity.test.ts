import { promises as fs } from 'node:fs';
import { X509Certificate, createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDevCa, type DevCa } from '../../../devledger/src/ca';
import {
  Enroller,
  FabricCaClient,
  FabricCaConnectionError,
  FabricCaError,
  FileIdentityStore,
  IdentityError,
  P256_ORDER,
  decodeDerSignature,
  encodeDerSignature,
  newFastSigner,
  newKeyAndCsr,
  toLowS,
  type CaOrganizations,
} from '../../src/identity';
import { x509 } from '../../src/identity/x509';
import { expectRejection } from '../helpers/rejection';

const repoRoot = path.resolve(__dirname, '../../..');
// The chaincode's own fabric-shim reads the certificates exactly as the chaincode will.
const { ClientIdentity } = require(require.resolve('fabric-shim', { paths: [path.join(repoRoot, 'chaincode')] })) as {
  ClientIdentity: new (stub: unknown) => { getID(): string; getAttributeValue(name: string): string | null };
};
const chaincodeView = (mspId: string, certificatePem: string) =>
  new ClientIdentity({ getChannelID: () => 'energy', getTxID: () => 'tx', getCreator: () => ({ mspid: mspId, idBytes: Buffer.from(certificatePem) }) });

const ORGS = [
  { mspId: 'UtilityMSP', caName: 'ca-utility' },
  { mspId: 'RetailerMSP', caName: 'ca-retailer' },
];

function organizations(url: string): CaOrganizations {
  return Object.fromEntries(
    ORGS.map(({ mspId, caName }) => [
      mspId,
      { mspId, ca: { url, caName, tlsCaCertPath: null, registrar: { enrollmentId: 'admin', enrollmentSecret: 'adminpw' } } },
    ]),
  );
}

const mode = async (file: string): Promise<number> => (await fs.stat(file)).mode & 0o777;

describe('identity layer against the dev CA', () => {
  let tmp: string;
  let ca: DevCa;
  let store: FileIdentityStore;
  let enroller: Enroller;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-'));
    ca = await startDevCa({ dataDir: path.join(tmp, 'ledger'), port: 0, orgs: ORGS });
    store = new FileIdentityStore(path.join(tmp, 'identities'));
    enroller = new Enroller(store, organizations(ca.url));
  });

  afterAll(async () => {
    await ca.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  test('the registrar is enrolled once, cached under <caName>-registrar, and never listed as a user', async () => {
    const first = await enroller.ensureRegistrar('RetailerMSP');
    const again = await enroller.ensureRegistrar('RetailerMSP');
    expect(again).toEqual(first);
    expect(first).toMatchObject({ caName: 'ca-retailer', mspId: 'RetailerMSP', enrollmentId: 'admin' });
    expect(new x509.X509Certificate(first.certificatePem).subject).toBe('OU=client, CN=admin');
    expect(await mode(path.join(store.dir, 'ca-retailer-registrar.key.pem'))).toBe(0o600);
    expect(await store.get('ca-retailer-registrar')).toBeUndefined();
    expect((await store.list()).map((i) => i.userId)).not.toContain('ca-retailer-registrar');
    await expect(enroller.ensureRegistrar('NoSuchMSP')).rejects.toMatchObject({ code: 'UNKNOWN_ORGANIZATION' });
  });

  test('a household member is registered, enrolled and stored with private files', async () => {
    const stored = await enroller.enrollUser('alice', 'RetailerMSP', 'household', { householdId: 'hh-7' });
    expect(stored).toMatchObject({ userId: 'alice', mspId: 'RetailerMSP', role: 'household', householdId: 'hh-7' });
    expect(await store.get('alice')).toEqual(stored);

    const cert = new x509.X509Certificate(stored.certificatePem);
    expect(cert.subject).toBe('OU=client, CN=alice');
    expect(await cert.verify({ publicKey: new x509.X509Certificate(ca.caCertPem('RetailerMSP')).publicKey, signatureOnly: true })).toBe(true);
    const seen = chaincodeView('RetailerMSP', stored.certificatePem);
    expect(seen.getAttributeValue('gridshare.role')).toBe('household');
    expect(seen.getAttributeValue('gridshare.household')).toBe('hh-7');
    expect(seen.getID()).toBe('x509::/OU=client/CN=alice::/O=retailer.gridshare.local/CN=ca-retailer');

    expect(await mode(store.dir)).toBe(0o700);
    expect(await mode(path.join(store.dir, 'alice.key.pem'))).toBe(0o600);
    expect(await mode(path.join(store.dir, 'alice.json'))).toBe(0o600);
    const record = await fs.readFile(path.join(store.dir, 'alice.json'), 'utf8');
    expect(record).not.toContain('PRIVATE KEY');
    // The stored key is the one the certificate was issued for.
    const key = createPrivateKey(await fs.readFile(path.join(store.dir, 'alice.key.pem'), 'utf8'));
    expect(createPublicKey(key).export({ format: 'jwk' })).toEqual(new X509Certificate(stored.certificatePem).publicKey.export({ format: 'jwk' }));
  });

  test('staff roles map to admin OUs and gridshare.role; enrollment is idempotent per user', async () => {
    const operator = await enroller.enrollUser('utility-admin', 'UtilityMSP', 'utility-admin');
    expect(new x509.X509Certificate(operator.certificatePem).subject).toBe('OU=admin, CN=utility-admin');
    expect(chaincodeView('UtilityMSP', operator.certificatePem).getAttributeValue('gridshare.role')).toBe('operator');

    const retailer = await enroller.enrollUser('retailer-admin', 'RetailerMSP', 'retailer-admin');
    expect(chaincodeView('RetailerMSP', retailer.certificatePem).getAttributeValue('gridshare.role')).toBe('admin');
    const auditor = await enroller.enrollUser('auditor-1', 'UtilityMSP', 'auditor');
    expect(new x509.X509Certificate(auditor.certificatePem).subject).toBe('OU=client, CN=auditor-1');
    expect(chaincodeView('UtilityMSP', auditor.certificatePem).getAttributeValue('gridshare.role')).toBe('auditor');

    expect(await enroller.enrollUser('utility-admin', 'UtilityMSP', 'utility-admin')).toEqual(operator);
    const conflict = await expectRejection(enroller.enrollUser('utility-admin', 'UtilityMSP', 'auditor'), IdentityError);
    expect(conflict.code).toBe('IDENTITY_CONFLICT');
    expect((await store.list()).map((i) => i.userId)).toEqual(['alice', 'auditor-1', 'retailer-admin', 'utility-admin']);
  });

  test('concurrent enrollments of one user register it once', async () => {
    const results = await Promise.all([1, 2, 3].map(() => enroller.enrollUser('bob', 'RetailerMSP', 'household')));
    expect(new Set(results.map((r) => r.certificatePem)).size).toBe(1);
  });

  test('a user the CA knows but the store does not is refused with ALREADY_REGISTERED', async () => {
    const otherStore = new FileIdentityStore(path.join(tmp, 'other-gateway'));
    const otherEnroller = new Enroller(otherStore, organizations(ca.url));
    const error = await expectRejection(otherEnroller.enrollUser('alice', 'RetailerMSP', 'household'), IdentityError);
    expect(error.code).toBe('ALREADY_REGISTERED');
    expect(error.message).toContain("'alice' is already registered with CA 'ca-retailer'");
    expect(await otherStore.get('alice')).toBeUndefined();
  });

  test('an enrollment that failed after the CA registered the user is finished by the next attempt with the saved secret', async () => {
    const registers = jest.spyOn(FabricCaClient.prototype, 'register');
    const enrolls = jest.spyOn(FabricCaClient.prototype, 'enroll');
    try {
      // The CA registers the user, then its enrollment answer is lost (e.g. a 5xx or a timeout).
      enrolls.mockImplementationOnce(async () => {
        throw new FabricCaConnectionError('ca-test', ca.url, new Error('timeout'));
      });
      await expect(enroller.enrollUser('ops-1', 'UtilityMSP', 'utility-admin')).rejects.toBeInstanceOf(FabricCaConnectionError);
      expect(registers).toHaveBeenCalledTimes(1);
      expect(await store.get('ops-1')).toBeUndefined();
      const pending = (await store.getPendingRegistration('ops-1'))!;
      expect(pending).toMatchObject({ userId: 'ops-1', mspId: 'UtilityMSP', caName: 'ca-utility', role: 'utility-admin' });
      expect(await mode(path.join(tmp, 'identities', 'pending', 'ops-1.json'))).toBe(0o600);
      expect(await mode(path.join(tmp, 'identities', 'pending'))).toBe(0o700);
      // A fresh gateway process on the same store: the CA says "already registered", the saved secret enrolls.
      const restarted = new Enroller(new FileIdentityStore(path.join(tmp, 'identities')), organizations(ca.url));
      const stored = await restarted.enrollUser('ops-1', 'UtilityMSP', 'utility-admin');
      expect(stored).toMatchObject({ userId: 'ops-1', mspId: 'UtilityMSP', role: 'utility-admin' });
      expect(enrolls).toHaveBeenLastCalledWith('ops-1', pending.secret);
      expect(chaincodeView('UtilityMSP', stored.certificatePem).getAttributeValue('gridshare.role')).toBe('operator');
      expect(await store.getPendingRegistration('ops-1')).toBeUndefined();
      // One registration at the CA: the retry's register call was refused as a duplicate, never a second user.
      const outcomes = await Promise.allSettled(registers.mock.results.map((r) => r.value as Promise<unknown>));
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    } finally {
      registers.mockRestore();
      enrolls.mockRestore();
    }
  });

  test('a register whose answer was lost is finished by the next attempt', async () => {
    const realRegister = FabricCaClient.prototype.register;
    const registers = jest.spyOn(FabricCaClient.prototype, 'register');
    try {
      registers.mockImplementationOnce(async function (this: FabricCaClient, ...args) {
        await realRegister.apply(this, args);
        throw new FabricCaConnectionError('ca-retailer', ca.url, new Error('ECONNRESET'));
      });
      await expect(enroller.enrollUser('shop-1', 'RetailerMSP', 'retailer-admin')).rejects.toBeInstanceOf(FabricCaConnectionError);
      const stored = await enroller.enrollUser('shop-1', 'RetailerMSP', 'retailer-admin');
      expect(stored).toMatchObject({ userId: 'shop-1', role: 'retailer-admin' });
      expect(await store.getPendingRegistration('shop-1')).toBeUndefined();
    } finally {
      registers.mockRestore();
    }
  });

  test('a pending registration for another org or role is not reused', async () => {
    const enrolls = jest.spyOn(FabricCaClient.prototype, 'enroll').mockImplementationOnce(async () => {
      throw new FabricCaConnectionError('ca-test', ca.url, new Error('timeout'));
    });
    try {
      await expect(enroller.enrollUser('dora', 'RetailerMSP', 'household', { householdId: 'hh-9' })).rejects.toBeInstanceOf(FabricCaConnectionError);
      await expect(enroller.enrollUser('dora', 'RetailerMSP', 'retailer-admin')).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
      await expect(enroller.enrollUser('dora', 'RetailerMSP', 'household', { householdId: 'hh-9' })).resolves.toMatchObject({ householdId: 'hh-9' });
    } finally {
      enrolls.mockRestore();
    }
  });

  test('the signer produces low-S signatures that verify with the certificate key (300 messages)', async () => {
    const signer = await store.signerFor('alice');
    const publicKey = new X509Certificate((await store.get('alice'))!.certificatePem).publicKey;
    for (let i = 0; i < 300; i++) {
      const message = randomBytes(1 + (i % 200));
      const signature = await signer(message);
      expect(verify('sha256', message, publicKey, signature)).toBe(true);
      expect(decodeDerSignature(signature).s <= P256_ORDER / 2n).toBe(true);
    }
    const identity = await store.identityFor('alice');
    expect(identity.mspId).toBe('RetailerMSP');
    expect(Buffer.from(identity.credentials).toString()).toBe((await store.get('alice'))!.certificatePem);
  });

  test('toLowS turns high-S signatures into their low-S twin and leaves low-S ones alone', () => {
    const privateKeyPem = createPrivateKeyPem();
    const publicKey = createPublicKey(privateKeyPem);
    for (let i = 0; i < 200; i++) {
      const message = randomBytes(32);
      const raw = sign('sha256', message, privateKeyPem);
      const { r, s } = decodeDerSignature(raw);
      // Whichever form OpenSSL produced, build the high-S twin of the same signature.
      const high = s > P256_ORDER / 2n ? raw : encodeDerSignature(r, P256_ORDER - s);
      expect(verify('sha256', message, publicKey, high)).toBe(true);
      const low = toLowS(high);
      expect(decodeDerSignature(low)).toEqual({ r, s: s > P256_ORDER / 2n ? P256_ORDER - s : s });
      expect(verify('sha256', message, publicKey, low)).toBe(true);
      expect(toLowS(low)).toBe(low);
    }
    expect(() => toLowS(new Uint8Array([0x30, 0x03, 0x02, 0x01]))).toThrow('Not a DER-encoded ECDSA signature');
    expect(() => newFastSigner(createPrivateKeyPem('rsa'))).toThrow(/P-256 or P-384/);
  });

  test('newFastSigner signs on the thread pool with low-S signatures that verify', async () => {
    const privateKeyPem = createPrivateKeyPem();
    const publicKey = createPublicKey(privateKeyPem);
    const signer = newFastSigner(privateKeyPem);
    // Half of raw ECDSA signatures have a high S: 64 of them show a missing normalisation for sure.
    for (let i = 0; i < 64; i++) {
      const message = randomBytes(64 + i);
      const signature = await signer(message);
      expect(decodeDerSignature(signature).s <= P256_ORDER / 2n).toBe(true);
      expect(verify('sha256', message, publicKey, signature)).toBe(true);
    }
  });

  test('FabricCaClient surfaces CA errors as typed errors carrying the CA message', async () => {
    const client = new FabricCaClient({ url: ca.url, caName: 'ca-retailer' });
    const badSecret = await expectRejection(client.enroll('alice', 'not-the-secret'), FabricCaError);
    expect([badSecret.status, badSecret.caCode, badSecret.caMessage]).toEqual([401, 20, 'Authentication failure']);

    const registrarEnrollment = await client.enroll('admin', 'adminpw');
    expect(registrarEnrollment.caChainPem).toBe(ca.caCertPem('RetailerMSP'));
    const registered = await client.register(registrarEnrollment, { id: 'carol', type: 'client', attrs: [] });
    expect(registered.secret.length).toBeGreaterThan(8);
    const duplicate = await expectRejection(client.register(registrarEnrollment, { id: 'carol', type: 'client', attrs: [] }), FabricCaError);
    expect([duplicate.status, duplicate.caCode, duplicate.alreadyRegistered]).toEqual([409, 74, true]);
    expect(duplicate.message).toContain("Identity 'carol' is already registered");

    const carol = await client.enroll('carol', registered.secret, 'CN=carol,O=ignored');
    const notRegistrar = await expectRejection(client.register(carol, { id: 'dave', type: 'client', attrs: [] }), FabricCaError);
    expect([notRegistrar.status, notRegistrar.caCode]).toEqual([403, 71]);

    const unknownCa = await expectRejection(new FabricCaClient({ url: ca.url, caName: 'ca-elsewhere' }).cainfo(), FabricCaError);
    expect([unknownCa.status, unknownCa.caCode, unknownCa.caMessage]).toEqual([404, 19, "CA 'ca-elsewhere' does not exist"]);
    expect((await client.cainfo()).caChainPem).toBe(ca.caCertPem('RetailerMSP'));

    const { csrPem } = await newKeyAndCsr('x');
    expect(csrPem).toContain('BEGIN CERTIFICATE REQUEST');
  });

  test('an unreachable CA is a FabricCaConnectionError', async () => {
    const down = await startDevCa({ dataDir: path.join(tmp, 'down'), port: 0, orgs: ORGS.slice(0, 1) });
    const url = down.url;
    await down.close();
    const error = await expectRejection(new FabricCaClient({ url, caName: 'ca-utility' }).cainfo(), FabricCaConnectionError);
    expect(error.message).toContain(`CA 'ca-utility' at ${url}`);
  });

  test('after the CA is reset the registrar is enrolled again and enrollment proceeds', async () => {
    const resetTmp = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-reset-'));
    let first = await startDevCa({ dataDir: path.join(resetTmp, 'a'), port: 0, orgs: ORGS });
    const port = Number(new URL(first.url).port);
    const resetStore = new FileIdentityStore(path.join(resetTmp, 'ids'));
    const resetEnroller = new Enroller(resetStore, organizations(first.url));
    await resetEnroller.enrollUser('before', 'UtilityMSP', 'auditor');
    const staleRegistrar = await resetStore.getRegistrar('ca-utility');
    await first.close();

    first = await startDevCa({ dataDir: path.join(resetTmp, 'b'), port, orgs: ORGS });
    try {
      const after = await resetEnroller.enrollUser('after', 'UtilityMSP', 'auditor');
      expect(new x509.X509Certificate(after.certificatePem).issuer).toBe('O=utility.gridshare.local, CN=ca-utility');
      expect((await resetStore.getRegistrar('ca-utility'))!.certificatePem).not.toBe(staleRegistrar!.certificatePem);
    } finally {
      await first.close();
      await fs.rm(resetTmp, { recursive: true, force: true });
    }
  });

  test('the store refuses unsafe IDs, unusable keys and unknown identities', async () => {
    const identity = (await store.get('alice'))!;
    await expect(store.put({ ...identity, userId: '../escape' }, 'x')).rejects.toMatchObject({ code: 'INVALID_USER_ID' });
    await expect(store.put({ ...identity, userId: 'ok-id' }, 'not a key')).rejects.toThrow();
    expect(await store.get('ok-id')).toBeUndefined();
    await expect(store.signerFor('nobody')).rejects.toMatchObject({ code: 'IDENTITY_NOT_FOUND' });
    await expect(store.put({ ...identity, userId: 'ca-retailer-registrar' }, createPrivateKeyPem())).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
  });
});

function createPrivateKeyPem(type: 'ec' | 'rsa' = 'ec'): string {
  const { generateKeyPairSync } = require('node:crypto') as typeof import('node:crypto');
  const { privateKey } = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 1024 });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}
