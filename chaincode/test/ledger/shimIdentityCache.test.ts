/** The memo of fabric-shim's certificate parse behind ClientIdentity. */
import { ClientIdentity } from 'fabric-shim';
import { cacheShimCertificateParses, shimCertificateClass } from '../../src/shimIdentityCache';
import { createCa, issueIdentity, type TestCa } from '../support/certs';

/** The parts of a ChaincodeStub that ClientIdentity reads. */
function stubFor(mspId: string, certPem: string) {
  return {
    getChannelID: () => 'energy',
    getTxID: () => 'tx-1',
    getCreator: () => ({ mspid: mspId, idBytes: Buffer.from(certPem) }),
  } as unknown as ConstructorParameters<typeof ClientIdentity>[0];
}

let ca: TestCa;
beforeAll(async () => {
  ca = await createCa('RetailerMSP', 'retailer.example.com');
});

test('the same certificate is parsed once; every identity still reads its own certificate', async () => {
  const alice = await issueIdentity(ca, { cn: 'alice', ou: 'client', attrs: { 'gridshare.role': 'member' } });
  const bob = await issueIdentity(ca, { cn: 'bob', ou: 'client' });
  const certificates = shimCertificateClass();
  cacheShimCertificateParses();
  const cached = certificates.fromPEM;
  cacheShimCertificateParses(); // idempotent: a second call does not wrap again
  expect(certificates.fromPEM).toBe(cached);

  const first = new ClientIdentity(stubFor('RetailerMSP', alice.certPem));
  // @fidm/x509's own fromPEM parses through fromPEMs: count the parses that really happen.
  const parse = jest.spyOn(certificates as unknown as { fromPEMs(data: unknown): unknown[] }, 'fromPEMs');
  try {
    const again = new ClientIdentity(stubFor('RetailerMSP', alice.certPem));
    expect(parse).not.toHaveBeenCalled();
    const other = new ClientIdentity(stubFor('RetailerMSP', bob.certPem));
    expect(parse).toHaveBeenCalledTimes(1);
    expect(again.getID()).toBe(first.getID());
    expect(again.getID()).toMatch(/^x509::.*CN=alice.*::.*CN=ca\.retailer\.example\.com/);
    expect(again.getAttributeValue('gridshare.role')).toBe('member');
    expect(other.getID()).toMatch(/^x509::.*CN=bob/);
    expect(other.getAttributeValue('gridshare.role')).toBeNull();
  } finally {
    parse.mockRestore();
  }
});

test('a certificate that does not parse is refused every time, never kept', () => {
  cacheShimCertificateParses();
  const certificates = shimCertificateClass() as unknown as { fromPEMs(data: unknown): unknown[] };
  const parse = jest.spyOn(certificates, 'fromPEMs');
  const garbage = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
  try {
    expect(() => new ClientIdentity(stubFor('RetailerMSP', garbage))).toThrow();
    expect(() => new ClientIdentity(stubFor('RetailerMSP', garbage))).toThrow();
    expect(parse).toHaveBeenCalledTimes(2);
  } finally {
    parse.mockRestore();
  }
});

test('the memo keeps at most its bound, dropping the least recently used certificate first', async () => {
  const certificates = shimCertificateClass();
  const installed = certificates.fromPEM;
  const marker = Symbol.for('gridshare.shimIdentityCache.installed');
  // A fresh memo of two entries over the real parse, restored afterwards.
  const uncached = (data: Buffer | string) => (certificates as unknown as { fromPEMs(d: unknown): unknown[] }).fromPEMs(data)[0];
  certificates.fromPEM = uncached;
  delete certificates[marker];
  try {
    cacheShimCertificateParses(2);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((cn) => issueIdentity(ca, { cn, ou: 'client' })));
    const parse = jest.spyOn(certificates as unknown as { fromPEMs(data: unknown): unknown[] }, 'fromPEMs');
    for (const id of [a, b, a, c, a]) new ClientIdentity(stubFor('RetailerMSP', id!.certPem));
    // a and b parsed; a used again, so c evicts b, not a; a is still kept: three parses.
    expect(parse).toHaveBeenCalledTimes(3);
    new ClientIdentity(stubFor('RetailerMSP', b!.certPem));
    expect(parse).toHaveBeenCalledTimes(4);
    parse.mockRestore();
  } finally {
    certificates.fromPEM = installed;
    certificates[marker] = true;
  }
});
