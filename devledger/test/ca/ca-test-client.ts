/** A minimal Fabric CA REST client for the dev CA's tests: keys, CSRs, tokens and JSON calls. */
import { createPrivateKey, generateKeyPairSync, sign, webcrypto } from 'node:crypto';
import { ECDSA_P256, ECDSA_SHA256, x509 } from '../../src/ca/x509';

export interface CaResponse<T = Record<string, unknown>> {
  status: number;
  body: { success: boolean; result: T; errors: { code: number; message: string }[]; messages: unknown[] };
}

export interface Enrolled {
  certificatePem: string;
  privateKeyPem: string;
}

export async function newKeyAndCsr(commonName: string): Promise<{ privateKeyPem: string; csrPem: string }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { privateKeyPem, csrPem: await csrFor(privateKeyPem, commonName) };
}

export async function csrFor(privateKeyPem: string, commonName: string): Promise<string> {
  const keyObject = createPrivateKey(privateKeyPem);
  const pkcs8 = keyObject.export({ format: 'der', type: 'pkcs8' });
  const jwk = keyObject.export({ format: 'jwk' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, ECDSA_P256, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, ECDSA_P256, true, ['verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys: { privateKey, publicKey } as never,
    signingAlgorithm: ECDSA_SHA256,
  });
  return csr.toString('pem');
}

export function authToken(identity: Enrolled, method: string, uri: string, body: string): string {
  const encodedCert = Buffer.from(identity.certificatePem).toString('base64');
  const payload = `${method}.${Buffer.from(uri).toString('base64')}.${Buffer.from(body).toString('base64')}.${encodedCert}`;
  const signature = sign('sha256', Buffer.from(payload), identity.privateKeyPem);
  return `${encodedCert}.${signature.toString('base64')}`;
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export async function call<T = Record<string, unknown>>(
  url: string,
  path: string,
  options: { method?: string; body?: string; authorization?: string } = {},
): Promise<CaResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.authorization) headers['authorization'] = options.authorization;
  const response = await fetch(`${url}${path}`, { method: options.method ?? 'POST', headers, body: options.body });
  return { status: response.status, body: (await response.json()) as CaResponse<T>['body'] };
}

export async function enroll(url: string, caName: string, id: string, secret: string): Promise<CaResponse<{ Cert: string; ServerInfo: { CAName: string; CAChain: string } }> & { enrolled?: Enrolled }> {
  const { privateKeyPem, csrPem } = await newKeyAndCsr(id);
  const response = await call<{ Cert: string; ServerInfo: { CAName: string; CAChain: string } }>(url, '/api/v1/enroll', {
    body: JSON.stringify({ certificate_request: csrPem, caname: caName }),
    authorization: basicAuth(id, secret),
  });
  if (!response.body.success) return response;
  return { ...response, enrolled: { privateKeyPem, certificatePem: Buffer.from(response.body.result.Cert, 'base64').toString() } };
}

export async function register(url: string, caName: string, registrar: Enrolled, request: Record<string, unknown>): Promise<CaResponse<{ secret: string }>> {
  const body = JSON.stringify({ ...request, caname: caName });
  return call<{ secret: string }>(url, '/api/v1/register', { body, authorization: authToken(registrar, 'POST', '/api/v1/register', body) });
}
