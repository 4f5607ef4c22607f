import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDevCa, type DevCa, type DevCaOptions } from '../../src/ca';
import { FABRIC_ATTRS_OID, x509 } from '../../src/ca/x509';
import { authToken, basicAuth, call, enroll, newKeyAndCsr, register, type Enrolled } from './ca-test-client';

const repoRoot = path.resolve(__dirname, '../../..');
// fabric-shim lives in the chaincode's own node_modules; its ClientIdentity is what the chaincode runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ClientIdentity } = require(require.resolve('fabric-shim', { paths: [path.join(repoRoot, 'chaincode')] })) as {
  ClientIdentity: new (stub: unknown) => { getID(): string; getMSPID(): string; getAttributeValue(name: string): string | null };
};

function clientIdentityOf(mspId: string, certificatePem: string) {
  return new ClientIdentity({
    getChannelID: () => 'energy',
    getTxID: () => 'tx-1',
    getCreator: () => ({ mspid: mspId, idBytes: Buffer.from(certificatePem) }),
  });
}

const ORGS = [
  { mspId: 'UtilityMSP', caName: 'ca-utility' },
  { mspId: 'RetailerMSP', caName: 'ca-retailer' },
];

describe('dev CA (Fabric CA REST subset)', () => {
  let dataDir: string;
  let ca: DevCa;
  let utilityAdmin: Enrolled;
  const options = (): DevCaOptions => ({ dataDir, port: 0, orgs: ORGS });

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devca-'));
    ca = await startDevCa(options());
    const enrolled = await enroll(ca.url, 'ca-utility', 'admin', 'adminpw');
    expect(enrolled.status).toBe(201);
    utilityAdmin = enrolled.enrolled!;
  });

  afterAll(async () => {
    await ca.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('cainfo serves each CA by name, the first by default, and refuses unknown names', async () => {
    const utility = await call<{ CAName: string; CAChain: string }>(ca.url, '/api/v1/cainfo?ca=ca-utility', { method: 'GET' });
    expect(utility.status).toBe(200);
    expect(utility.body.result.CAName).toBe('ca-utility');
    const chain = Buffer.from(utility.body.result.CAChain, 'base64').toString();
    expect(chain).toBe(ca.caCertPem('UtilityMSP'));
    const root = new x509.X509Certificate(chain);
    expect(root.subject).toBe('O=utility.gridshare.local, CN=ca-utility');
    expect(await root.isSelfSigned()).toBe(true);
    expect(root.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);

    const retailer = await call<{ CAName: string }>(ca.url, '/api/v1/cainfo', { body: JSON.stringify({ caname: 'ca-retailer' }) });
    expect(retailer.body.result.CAName).toBe('ca-retailer');
    expect(ca.caCertPem('RetailerMSP')).not.toBe(ca.caCertPem('UtilityMSP'));

    const fallback = await call<{ CAName: string }>(ca.url, '/api/v1/cainfo', { method: 'GET' });
    expect(fallback.body.result.CAName).toBe('ca-utility');

    const unknown = await call(ca.url, '/api/v1/cainfo?ca=ca-nowhere', { method: 'GET' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ success: false, result: null, errors: [{ code: 19, message: "CA 'ca-nowhere' does not exist" }], messages: [] });
  });

  test('register with a token, enroll with the secret: a Fabric-style enrollment certificate', async () => {
    const registered = await register(ca.url, 'ca-retailer', (await enroll(ca.url, 'ca-retailer', 'admin', 'adminpw')).enrolled!, {
      id: 'alice',
      type: 'client',
      affiliation: '',
      attrs: [
        { name: 'gridshare.role', value: 'household', ecert: true },
        { name: 'gridshare.household', value: 'hh-42', ecert: true },
        { name: 'internal.note', value: 'not in the cert', ecert: false },
      ],
      max_enrollments: 2,
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ success: true, errors: [], messages: [] });
    const secret = registered.body.result.secret;
    expect(secret.length).toBeGreaterThanOrEqual(12);

    const enrolled = await enroll(ca.url, 'ca-retailer', 'alice', secret);
    expect(enrolled.status).toBe(201);
    expect(enrolled.body.result.ServerInfo.CAName).toBe('ca-retailer');
    expect(Buffer.from(enrolled.body.result.ServerInfo.CAChain, 'base64').toString()).toBe(ca.caCertPem('RetailerMSP'));

    const pem = enrolled.enrolled!.certificatePem;
    const cert = new x509.X509Certificate(pem);
    const root = new x509.X509Certificate(ca.caCertPem('RetailerMSP'));
    expect(cert.subject).toBe('OU=client, CN=alice');
    expect(cert.issuer).toBe(root.subject);
    expect(await cert.verify({ publicKey: root.publicKey, signatureOnly: true })).toBe(true);
    expect(await cert.verify({ publicKey: new x509.X509Certificate(ca.caCertPem('UtilityMSP')).publicKey, signatureOnly: true })).toBe(false);
    expect(cert.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(root.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)).not.toBeNull();
    const validityDays = (cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000;
    expect(validityDays).toBeGreaterThanOrEqual(365);
    expect(validityDays).toBeLessThanOrEqual(366);

    const attrs = JSON.parse(Buffer.from(cert.getExtension(FABRIC_ATTRS_OID)!.value).toString()) as { attrs: Record<string, string> };
    expect(attrs).toEqual({
      attrs: {
        'gridshare.role': 'household',
        'gridshare.household': 'hh-42',
        'hf.EnrollmentID': 'alice',
        'hf.Type': 'client',
        'hf.Affiliation': '',
      },
    });

    const identity = clientIdentityOf('RetailerMSP', pem);
    expect(identity.getMSPID()).toBe('RetailerMSP');
    expect(identity.getID()).toBe('x509::/OU=client/CN=alice::/O=retailer.gridshare.local/CN=ca-retailer');
    expect(identity.getAttributeValue('gridshare.role')).toBe('household');
    expect(identity.getAttributeValue('gridshare.household')).toBe('hh-42');
    expect(identity.getAttributeValue('hf.Type')).toBe('client');
    expect(identity.getAttributeValue('internal.note')).toBeNull();
  });

  test('admin type and affiliation become OUs; attr_reqs select the certificate attributes', async () => {
    const { body } = await register(ca.url, 'ca-utility', utilityAdmin, {
      id: 'operator-1',
      type: 'admin',
      affiliation: 'grid.operations',
      attrs: [{ name: 'gridshare.role', value: 'operator', ecert: false }],
    });
    const { csrPem } = await newKeyAndCsr('ignored-cn');
    const response = await call<{ Cert: string }>(ca.url, '/api/v1/enroll', {
      body: JSON.stringify({ certificate_request: csrPem, caname: 'ca-utility', attr_reqs: [{ name: 'gridshare.role' }, { name: 'absent', optional: true }] }),
      authorization: basicAuth('operator-1', body.result.secret),
    });
    expect(response.status).toBe(201);
    const pem = Buffer.from(response.body.result.Cert, 'base64').toString();
    expect(new x509.X509Certificate(pem).subject).toBe('OU=admin, OU=grid, OU=operations, CN=operator-1');
    const identity = clientIdentityOf('UtilityMSP', pem);
    expect(identity.getAttributeValue('gridshare.role')).toBe('operator');
    expect(identity.getAttributeValue('hf.EnrollmentID')).toBeNull();

    const missing = await call(ca.url, '/api/v1/enroll', {
      body: JSON.stringify({ certificate_request: csrPem, caname: 'ca-utility', attr_reqs: [{ name: 'absent' }] }),
      authorization: basicAuth('operator-1', body.result.secret),
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]?.message).toContain("does not have attribute 'absent'");
  });

  test('duplicate registration is refused with Fabric CA code 74 and changes nothing', async () => {
    const first = await register(ca.url, 'ca-utility', utilityAdmin, { id: 'dup', type: 'client', secret: 'first-secret', attrs: [] });
    expect(first.status).toBe(201);
    const second = await register(ca.url, 'ca-utility', utilityAdmin, { id: 'dup', type: 'client', secret: 'second-secret', attrs: [] });
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ success: false, result: null, errors: [{ code: 74, message: "Identity 'dup' is already registered" }], messages: [] });
    expect((await enroll(ca.url, 'ca-utility', 'dup', 'second-secret')).status).toBe(401);
    expect((await enroll(ca.url, 'ca-utility', 'dup', 'first-secret')).status).toBe(201);
  });

  test('bad tokens are refused: tampered signature, other CA, other body, no header, garbage', async () => {
    const body = JSON.stringify({ id: 'mallory', type: 'client', caname: 'ca-utility' });
    const good = authToken(utilityAdmin, 'POST', '/api/v1/register', body);
    const [cert, signature] = good.split('.') as [string, string];
    const flipped = Buffer.from(signature, 'base64');
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 0x01, flipped.length - 1);

    const retailerAdmin = (await enroll(ca.url, 'ca-retailer', 'admin', 'adminpw')).enrolled!;
    const cases: [string, string | undefined, number, number][] = [
      ['tampered signature', `${cert}.${flipped.toString('base64')}`, 401, 25],
      ['certificate of another CA', authToken(retailerAdmin, 'POST', '/api/v1/register', body), 401, 26],
      ['signature over another body', authToken(utilityAdmin, 'POST', '/api/v1/register', body.replace('mallory', 'eve')), 401, 25],
      ['signature over another URI', authToken(utilityAdmin, 'POST', '/api/v1/enroll', body), 401, 25],
      ['no header', undefined, 401, 2],
      ['garbage', 'not-a-token', 401, 25],
    ];
    for (const [label, authorization, status, code] of cases) {
      const response = await call(ca.url, '/api/v1/register', { body, authorization });
      expect({ label, status: response.status, code: response.body.errors[0]?.code }).toEqual({ label, status, code });
    }
    // Nothing was registered by the refused attempts.
    const later = await register(ca.url, 'ca-utility', utilityAdmin, { id: 'mallory', type: 'client', attrs: [] });
    expect(later.status).toBe(201);
  });

  test('a non-registrar cannot register, and registrars cannot grant what they do not hold', async () => {
    const { body } = await register(ca.url, 'ca-utility', utilityAdmin, { id: 'plain-user', type: 'client', attrs: [] });
    const plainUser = (await enroll(ca.url, 'ca-utility', 'plain-user', body.result.secret)).enrolled!;
    const refused = await register(ca.url, 'ca-utility', plainUser, { id: 'sneaky', type: 'client', attrs: [] });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0]).toEqual({ code: 71, message: "Authorization failure: 'plain-user' is not a registrar" });

    const clientRegistrar = await register(ca.url, 'ca-utility', utilityAdmin, {
      id: 'sub-registrar',
      type: 'client',
      attrs: [
        { name: 'hf.Registrar.Roles', value: 'client' },
        { name: 'hf.Registrar.Attributes', value: 'gridshare.*' },
      ],
    });
    const sub = (await enroll(ca.url, 'ca-utility', 'sub-registrar', clientRegistrar.body.result.secret)).enrolled!;
    expect((await register(ca.url, 'ca-utility', sub, { id: 'sub-admin', type: 'admin', attrs: [] })).status).toBe(403);
    expect((await register(ca.url, 'ca-utility', sub, { id: 'sub-x', type: 'client', attrs: [{ name: 'other.attr', value: 'x' }] })).body.errors[0]?.code).toBe(42);
    expect((await register(ca.url, 'ca-utility', sub, { id: 'sub-y', type: 'client', attrs: [{ name: 'hf.Type', value: 'admin' }] })).status).toBe(400);
    expect((await register(ca.url, 'ca-utility', sub, { id: 'sub-ok', type: 'client', attrs: [{ name: 'gridshare.role', value: 'household', ecert: true }] })).status).toBe(201);
  });

  test('bad secret, unknown identity and enrollments beyond max_enrollments are refused', async () => {
    const { body } = await register(ca.url, 'ca-utility', utilityAdmin, { id: 'once', type: 'client', secret: 's3cret-once', max_enrollments: 1, attrs: [] });
    expect(body.result.secret).toBe('s3cret-once');

    const wrong = await enroll(ca.url, 'ca-utility', 'once', 'wrong');
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors).toEqual([{ code: 20, message: 'Authentication failure' }]);
    expect((await enroll(ca.url, 'ca-utility', 'nobody', 'whatever')).status).toBe(401);
    // A failed login did not use up the single enrollment.
    expect((await enroll(ca.url, 'ca-utility', 'once', 's3cret-once')).status).toBe(201);
    const replay = await enroll(ca.url, 'ca-utility', 'once', 's3cret-once');
    expect(replay.status).toBe(401);
    expect(replay.body.errors[0]?.message).toContain('maximum of 1 enrollment');
  });

  test('bad CSRs and bad bodies are refused with 400 and do not use an enrollment', async () => {
    await register(ca.url, 'ca-utility', utilityAdmin, { id: 'csr-user', type: 'client', secret: 'csr-secret', max_enrollments: 1, attrs: [] });
    const auth = basicAuth('csr-user', 'csr-secret');
    const garbage = await call(ca.url, '/api/v1/enroll', { body: JSON.stringify({ certificate_request: 'hello', caname: 'ca-utility' }), authorization: auth });
    expect([garbage.status, garbage.body.errors[0]?.code]).toEqual([400, 31]);

    // A CSR whose public key was swapped no longer verifies against its own signature.
    const { csrPem } = await newKeyAndCsr('csr-user');
    const other = await newKeyAndCsr('csr-user');
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    const otherCsr = new x509.Pkcs10CertificateRequest(other.csrPem);
    const forged = Buffer.from(csr.rawData);
    const ownKey = Buffer.from(csr.publicKey.rawData);
    const otherKey = Buffer.from(otherCsr.publicKey.rawData);
    const at = forged.indexOf(ownKey);
    expect(at).toBeGreaterThan(0);
    otherKey.copy(forged, at);
    const forgedPem = `-----BEGIN CERTIFICATE REQUEST-----\n${forged.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const badSignature = await call(ca.url, '/api/v1/enroll', { body: JSON.stringify({ certificate_request: forgedPem, caname: 'ca-utility' }), authorization: auth });
    expect(badSignature.status).toBe(400);
    expect(badSignature.body.errors[0]).toEqual({ code: 31, message: 'The certificate signing request has an invalid signature' });

    const notJson = await call(ca.url, '/api/v1/enroll', { body: '{nope', authorization: auth });
    expect([notJson.status, notJson.body.errors[0]?.code]).toEqual([400, 5]);
    const badRegister = await register(ca.url, 'ca-utility', utilityAdmin, { id: '../etc', type: 'client' });
    expect(badRegister.status).toBe(400);
    const badType = await register(ca.url, 'ca-utility', utilityAdmin, { id: 'typed', type: 'superuser' });
    expect(badType.status).toBe(400);

    expect((await enroll(ca.url, 'ca-utility', 'csr-user', 'csr-secret')).status).toBe(201);
  });

  test('reenroll with a token renews the certificate for a new key', async () => {
    const key = await newKeyAndCsr('admin');
    const body = JSON.stringify({ certificate_request: key.csrPem, caname: 'ca-utility' });
    const response = await call<{ Cert: string }>(ca.url, '/api/v1/reenroll', { body, authorization: authToken(utilityAdmin, 'POST', '/api/v1/reenroll', body) });
    expect(response.status).toBe(201);
    const renewed = new x509.X509Certificate(Buffer.from(response.body.result.Cert, 'base64').toString());
    expect(renewed.subject).toBe('OU=client, CN=admin');
    expect(renewed.serialNumber).not.toBe(new x509.X509Certificate(utilityAdmin.certificatePem).serialNumber);
  });

  test('restart keeps the CA keys, certificates and the identity registry; files are private', async () => {
    const before = ca.caCertPem('UtilityMSP');
    const { body } = await register(ca.url, 'ca-utility', utilityAdmin, { id: 'survivor', type: 'client', secret: 'survive-pw', max_enrollments: 2, attrs: [] });
    expect(body.result.secret).toBe('survive-pw');
    expect((await enroll(ca.url, 'ca-utility', 'survivor', 'survive-pw')).status).toBe(201);
    await ca.close();

    ca = await startDevCa(options());
    expect(ca.caCertPem('UtilityMSP')).toBe(before);
    // The admin's certificate from before the restart still authorizes registrations.
    expect((await register(ca.url, 'ca-utility', utilityAdmin, { id: 'survivor', type: 'client', attrs: [] })).status).toBe(409);
    expect((await enroll(ca.url, 'ca-utility', 'survivor', 'survive-pw')).status).toBe(201);
    expect((await enroll(ca.url, 'ca-utility', 'survivor', 'survive-pw')).status).toBe(401);

    const caDir = path.join(dataDir, 'ca', 'ca-utility');
    expect((await fs.stat(caDir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(path.join(caDir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(caDir, 'registry.json'))).mode & 0o777).toBe(0o600);
    const registry = await fs.readFile(path.join(caDir, 'registry.json'), 'utf8');
    expect(registry).not.toContain('survive-pw');
  });
});
