/**
 * A tiny certificate authority for tests: real ECDSA P-256 X.509 certificates with NodeOU-style
 * OUs and Fabric CA's attribute extension, so fabric-shim's ClientIdentity parses them as on a peer.
 */
import 'reflect-metadata';
import { webcrypto } from 'crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = webcrypto.CryptoKeyPair;

/** OID of Fabric CA's attribute extension, read by ClientIdentity. */
export const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
const NOT_AFTER = new Date('2036-01-01T00:00:00Z');

export interface TestCa {
  mspId: string;
  name: string;
  keys: KeyPair;
  cert: x509.X509Certificate;
  serial: number;
}

export interface TestIdentity {
  mspId: string;
  certPem: string;
  /** `x509::<subject>::<issuer>` as ClientIdentity.getID() renders it. */
  label: string;
}

export async function createCa(mspId: string, orgDomain: string): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as KeyPair;
  const name = `C=US, O=${orgDomain}, CN=ca.${orgDomain}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    keys: keys as never,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, 1, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return { mspId, name, keys, cert, serial: 1 };
}

export interface IssueOptions {
  cn: string;
  ou: 'client' | 'admin' | 'peer';
  attrs?: Record<string, string>;
}

export async function issueIdentity(ca: TestCa, options: IssueOptions): Promise<TestIdentity> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as KeyPair;
  ca.serial += 1;
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (options.attrs) {
    const attrs = { 'hf.EnrollmentID': options.cn, 'hf.Type': options.ou, ...options.attrs };
    extensions.push(new x509.Extension(FABRIC_ATTRS_OID, false, Buffer.from(JSON.stringify({ attrs }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: ca.serial.toString(16).padStart(2, '0'),
    subject: `OU=${options.ou}, CN=${options.cn}`,
    issuer: ca.cert.subject,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    publicKey: keys.publicKey as never,
    signingKey: ca.keys.privateKey as never,
    signingAlgorithm: ALGORITHM,
    extensions,
  });
  return { mspId: ca.mspId, certPem: cert.toString('pem'), label: `${options.cn}@${ca.mspId}` };
}
