/** Key pairs and PKCS#10 requests made locally: the private key never goes to the CA. */
import { createPrivateKey, generateKeyPair, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { x509 } from './x509';

const generateKeyPairAsync = promisify(generateKeyPair);
const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
type CsrKeys = Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['keys'];

export interface KeyAndCsr {
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  csrPem: string;
}

/** A new P-256 key and a CSR for it; `subject` is an X.500 name such as `CN=alice` (default CN=<commonName>). */
export async function newKeyAndCsr(commonName: string, subject?: string): Promise<KeyAndCsr> {
  const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { privateKeyPem, csrPem: await csrForKey(privateKeyPem, subject ?? [{ CN: [commonName] }]) };
}

export async function csrForKey(privateKeyPem: string, subject: string | x509.JsonName): Promise<string> {
  const keyObject = createPrivateKey(privateKeyPem);
  const jwk = keyObject.export({ format: 'jwk' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', keyObject.export({ format: 'der', type: 'pkcs8' }), ECDSA_P256, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, ECDSA_P256, true, ['verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys: { privateKey, publicKey } as unknown as CsrKeys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return csr.toString('pem');
}
