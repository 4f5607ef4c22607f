import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate, verify } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startDevLedger, type DevLedger } from '@gridshare/devledger';
import { loadConfig, type AppConfig } from '../../src/config';
import { FabricConnections } from '../../src/fabric/connections';
import { CertificateRenewal, Enroller, FileIdentityStore, IdentityError, certificateExpiry } from '../../src/identity';
import { x509 } from '../../src/identity/x509';
import { expectRejection } from '../helpers/rejection';

const REPO = path.resolve(__dirname, '../../..');
const DAY = 24 * 60 * 60 * 1000;
const ORGS = [
  { mspId: 'UtilityMSP', caName: 'ca-utility', role: 'utility' as const },
  { mspId: 'RetailerMSP', caName: 'ca-retailer', role: 'retailer' as const },
];

const attributesOf = (certificatePem: string): unknown => {
  const extension = new x509.X509Certificate(certificatePem).getExtension('1.2.3.4.5.6.7.8.1');
  return JSON.parse(Buffer.from(extension!.value).toString('utf8'));
};

describe('certificate renewal before expiry', () => {
  let dir: string;
  let ledger: DevLedger;
  let config: AppConfig;
  let store: FileIdentityStore;
  let enroller: Enroller;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gridshare-renewal-'));
    ledger = await startDevLedger({
      orgs: ORGS,
      dataDir: path.join(dir, 'ledger'),
      gatewayPort: 0,
      caPort: 0,
      chaincode: { mode: 'spawn', dir: path.join(REPO, 'chaincode') },
      reset: true,
    });
    config = loadConfig({ GRIDSHARE_NETWORK: ledger.connectionFile, GRIDSHARE_DATA_DIR: path.join(dir, 'identities'), LOG_LEVEL: 'silent' });
    store = new FileIdentityStore(config.dataDir);
    enroller = new Enroller(store, config.network.organizations);
    // WhoAmI needs an initialised consortium.
    await enroller.enrollUser('renew-operator', 'UtilityMSP', 'utility-admin');
    const setup = new FabricConnections(config.network, store, config.deadlines);
    try {
      const gateway = await setup.gatewayFor('renew-operator');
      await gateway
        .getNetwork(config.network.channel)
        .getContract(config.network.chaincode)
        .submitTransaction('consortium:Init', JSON.stringify({ utilityMspId: 'UtilityMSP', retailerMspIds: ['RetailerMSP'], auditorMspIds: [] }));
    } finally {
      await setup.close();
    }
  }, 60_000);

  afterAll(async () => {
    await ledger?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a certificate within the renewal window is reenrolled with a new key; the user keeps transacting through a new Gateway', async () => {
    const before = await enroller.enrollUser('renew-alice', 'RetailerMSP', 'household', { householdId: 'hh-renew' });
    const expiry = certificateExpiry(before.certificatePem);
    // The clock stands 10 days before the certificate expires (the dev CA issues for a year).
    let now = expiry - 10 * DAY;
    const reenroll = jest.spyOn(enroller, 'reenrollUser');
    const renewal = new CertificateRenewal(store, enroller, { now: () => now });
    const connections = new FabricConnections(config.network, store, config.deadlines, undefined, { renewIdentity: (id) => renewal.renewIfDue(id) });
    try {
      const whoAmI = async () => {
        const gateway = await connections.gatewayFor('renew-alice');
        const result = await gateway.getNetwork(config.network.channel).getContract(config.network.chaincode).evaluateTransaction('consortium:WhoAmI');
        return { gateway, who: JSON.parse(Buffer.from(result).toString('utf8')) as { id: string; mspId: string } };
      };

      const first = await whoAmI();
      const after = (await store.get('renew-alice'))!;
      expect(reenroll).toHaveBeenCalledTimes(1);
      expect(after.certificatePem).not.toBe(before.certificatePem);
      const oldCert = new X509Certificate(before.certificatePem);
      const newCert = new X509Certificate(after.certificatePem);
      expect(newCert.publicKey.export({ format: 'jwk' })).not.toEqual(oldCert.publicKey.export({ format: 'jwk' }));
      expect(newCert.subject).toBe(oldCert.subject);
      expect(newCert.issuer).toBe(oldCert.issuer);
      expect(certificateExpiry(after.certificatePem)).toBeGreaterThanOrEqual(expiry);
      expect(attributesOf(after.certificatePem)).toEqual(attributesOf(before.certificatePem));
      expect(after).toMatchObject({ mspId: 'RetailerMSP', role: 'household', householdId: 'hh-renew' });
      // The Gateway carries the renewed certificate and signs with the new key.
      expect(Buffer.from(first.gateway.getIdentity().credentials).toString()).toBe(after.certificatePem);
      const signature = await (await store.signerFor('renew-alice'))(Buffer.from('renewed'));
      expect(verify('sha256', Buffer.from('renewed'), newCert.publicKey, signature)).toBe(true);
      expect(first.who.mspId).toBe('RetailerMSP');
      expect(first.who.id).toContain('CN=renew-alice');

      // Within the hour the expiry is not looked at again: no CA call, the same cached Gateway.
      now += 30 * 60 * 1000;
      expect(renewal.renewIfDue('renew-alice')).toBe(false);
      const second = await whoAmI();
      expect(second.gateway).toBe(first.gateway);
      expect(second.who.id).toBe(first.who.id);
      // An hour on it is looked at again; by this test's clock the renewed certificate (issued for a
      // year from the CA's real clock) is also inside the window, so it is renewed once more.
      now += 60 * 60 * 1000;
      const third = await whoAmI();
      expect(reenroll).toHaveBeenCalledTimes(2);
      expect(third.gateway).not.toBe(first.gateway);
      expect(third.who.id).toBe(first.who.id);
      // By the real clock the certificate is a year from expiry: looked at, not renewed.
      await expect(new CertificateRenewal(store, enroller).renewIfDue('renew-alice')).resolves.toBe(false);
      expect(reenroll).toHaveBeenCalledTimes(2);
    } finally {
      reenroll.mockRestore();
      await connections.close();
    }
  }, 60_000);

  test('a renewal stopped after the record was replaced still signs with the key of the new certificate', async () => {
    const before = await enroller.enrollUser('renew-dave', 'RetailerMSP', 'household', { householdId: 'hh-renew' });
    const keyFile = path.join(store.dir, 'renew-dave.key.pem');
    const oldKey = readFileSync(keyFile, 'utf8');
    const after = await enroller.reenrollUser('renew-dave');
    expect(after.certificatePem).not.toBe(before.certificatePem);
    const newKey = readFileSync(keyFile, 'utf8');
    expect(newKey).not.toBe(oldKey);
    expect(existsSync(`${keyFile}.next`)).toBe(false);
    // As if the process stopped between writing the record and moving the new key into place.
    writeFileSync(`${keyFile}.next`, newKey, { mode: 0o600 });
    writeFileSync(keyFile, oldKey, { mode: 0o600 });
    const reopened = new FileIdentityStore(store.dir);
    const signature = await (await reopened.signerFor('renew-dave'))(Buffer.from('after a crash'));
    expect(verify('sha256', Buffer.from('after a crash'), new X509Certificate(after.certificatePem).publicKey, signature)).toBe(true);
    expect(readFileSync(keyFile, 'utf8')).toBe(newKey);
    expect(existsSync(`${keyFile}.next`)).toBe(false);
  });

  test('an expired certificate is refused as IDENTITY_EXPIRED without asking the CA, every time, and nothing changes', async () => {
    const identity = await enroller.enrollUser('renew-bob', 'RetailerMSP', 'household', { householdId: 'hh-renew' });
    const expired = certificateExpiry(identity.certificatePem) + 1000;
    const reenroll = jest.spyOn(enroller, 'reenrollUser');
    const renewal = new CertificateRenewal(store, enroller, { now: () => expired });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const error = await expectRejection(renewal.renewIfDue('renew-bob'), IdentityError);
        expect(error.code).toBe('IDENTITY_EXPIRED');
        expect(error.message).toMatch(/expired .*an administrator must register the user again/);
      }
      expect(reenroll).not.toHaveBeenCalled();
      expect((await expectRejection(enroller.reenrollUser('renew-bob', expired), IdentityError)).code).toBe('IDENTITY_EXPIRED');
      expect((await store.get('renew-bob'))!.certificatePem).toBe(identity.certificatePem);
    } finally {
      reenroll.mockRestore();
    }
  });

  test('a CA refusal (401) is IDENTITY_EXPIRED for a direct reenroll; renewal keeps the still-valid certificate and retries only after the hour', async () => {
    const identity = await enroller.enrollUser('renew-carol', 'RetailerMSP', 'household', { householdId: 'hh-renew' });
    // A CA that never issued this certificate (another data dir) refuses its token with 401.
    const strangerDir = path.join(dir, 'stranger');
    const { startDevCa } = await import('../../../devledger/src/ca');
    const stranger = await startDevCa({ dataDir: strangerDir, port: 0, orgs: [{ mspId: 'RetailerMSP', caName: 'ca-retailer' }] });
    try {
      const orgs = { RetailerMSP: { mspId: 'RetailerMSP', ca: { url: stranger.url, caName: 'ca-retailer', tlsCaCertPath: null, registrar: { enrollmentId: 'admin', enrollmentSecret: 'adminpw' } } } };
      const strangerEnroller = new Enroller(store, orgs);
      const refused = await expectRejection(strangerEnroller.reenrollUser('renew-carol'), IdentityError);
      expect(refused.code).toBe('IDENTITY_EXPIRED');
      expect(refused.message).toMatch(/refused to renew it/);

      let now = certificateExpiry(identity.certificatePem) - 5 * DAY;
      const failures: unknown[] = [];
      const reenroll = jest.spyOn(strangerEnroller, 'reenrollUser');
      const renewal = new CertificateRenewal(store, strangerEnroller, { now: () => now, onRenewalFailed: (_user, error) => failures.push(error) });
      await expect(renewal.renewIfDue('renew-carol')).resolves.toBe(false);
      expect(failures).toHaveLength(1);
      now += 59 * 60 * 1000;
      expect(renewal.renewIfDue('renew-carol')).toBe(false);
      expect(reenroll).toHaveBeenCalledTimes(1);
      now += 2 * 60 * 1000;
      await expect(renewal.renewIfDue('renew-carol')).resolves.toBe(false);
      expect(reenroll).toHaveBeenCalledTimes(2);
      expect((await store.get('renew-carol'))!.certificatePem).toBe(identity.certificatePem);
    } finally {
      await stranger.close();
    }
  });
});
