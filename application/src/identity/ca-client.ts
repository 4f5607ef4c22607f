/**
 * A client for Fabric CA's REST API (register, enroll, reenroll, cainfo) that works unchanged against the
 * dev ledger's CA and a real Fabric CA (over HTTPS with the CA's TLS certificate).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Signer } from '@hyperledger/fabric-gateway';
import { newKeyAndCsr } from './csr';
import { FabricCaConnectionError, FabricCaError, type CaErrorDetail } from './errors';
import type { CaAttribute } from './roles';
import { newFastSigner } from './signer';

export interface FabricCaClientOptions {
  url: string;
  caName: string;
  /** PEM of the CA server's TLS root, for https URLs. */
  tlsCaCertPem?: string;
  /** Per-request timeout; default 15 s. */
  timeoutMs?: number;
}

/** The registrar's certificate and either its key or a signer backed by the identity store. */
export type RegistrarCredentials = { certificatePem: string } & ({ privateKeyPem: string } | { signer: Signer });

export interface RegistrationRequest {
  id: string;
  type: 'client' | 'admin' | 'peer' | 'orderer';
  /** Chosen by the CA when absent. */
  secret?: string;
  affiliation?: string;
  attrs: CaAttribute[];
  /** Absent: the CA's default. */
  maxEnrollments?: number;
}

export interface Enrollment {
  certificatePem: string;
  /** PKCS#8 PEM, generated locally. */
  privateKeyPem: string;
  caChainPem: string;
}

export interface CaInfo {
  caName: string;
  caChainPem: string;
}

interface CaEnvelope<T> {
  success: boolean;
  result: T;
  errors?: CaErrorDetail[];
}

const DEFAULT_TIMEOUT_MS = 15_000;

export class FabricCaClient {
  private readonly baseUrl: URL;

  constructor(private readonly options: FabricCaClientOptions) {
    this.baseUrl = new URL(options.url);
    if (this.baseUrl.protocol !== 'http:' && this.baseUrl.protocol !== 'https:') {
      throw new Error(`CA URL must be http(s): ${options.url}`);
    }
  }

  get caName(): string {
    return this.options.caName;
  }

  async cainfo(): Promise<CaInfo> {
    const result = await this.request<{ CAName: string; CAChain: string }>('/api/v1/cainfo', JSON.stringify({ caname: this.caName }), {});
    return { caName: result.CAName, caChainPem: decodeBase64(result.CAChain) };
  }

  /** Enrolls with a new locally generated key; the CSR subject defaults to CN=<enrollmentId>. */
  async enroll(enrollmentId: string, secret: string, csrSubject?: string): Promise<Enrollment> {
    const { privateKeyPem, csrPem } = await newKeyAndCsr(enrollmentId, csrSubject);
    const body = JSON.stringify({ certificate_request: csrPem, caname: this.caName });
    const authorization = `Basic ${Buffer.from(`${enrollmentId}:${secret}`).toString('base64')}`;
    const result = await this.request<{ Cert: string; ServerInfo?: { CAChain?: string } }>('/api/v1/enroll', body, { authorization });
    return {
      certificatePem: decodeBase64(result.Cert),
      privateKeyPem,
      caChainPem: decodeBase64(result.ServerInfo?.CAChain ?? ''),
    };
  }

  /**
   * Fabric CA's reenroll: a certificate for a new locally generated key, authenticated by a token
   * signed with the identity's current (still valid) certificate and key. The CA keeps the
   * identity's registered attributes; an expired certificate is refused (401).
   */
  async reenroll(current: RegistrarCredentials, enrollmentId: string, csrSubject?: string): Promise<Enrollment> {
    const path = '/api/v1/reenroll';
    const { privateKeyPem, csrPem } = await newKeyAndCsr(enrollmentId, csrSubject);
    const body = JSON.stringify({ certificate_request: csrPem, caname: this.caName });
    const authorization = await authToken(current, 'POST', path, body);
    const result = await this.request<{ Cert: string; ServerInfo?: { CAChain?: string } }>(path, body, { authorization });
    return {
      certificatePem: decodeBase64(result.Cert),
      privateKeyPem,
      caChainPem: decodeBase64(result.ServerInfo?.CAChain ?? ''),
    };
  }

  async register(registrar: RegistrarCredentials, request: RegistrationRequest): Promise<{ secret: string }> {
    const path = '/api/v1/register';
    const body = JSON.stringify({
      id: request.id,
      type: request.type,
      ...(request.secret !== undefined ? { secret: request.secret } : {}),
      affiliation: request.affiliation ?? '',
      attrs: request.attrs,
      ...(request.maxEnrollments !== undefined ? { max_enrollments: request.maxEnrollments } : {}),
      caname: this.caName,
    });
    const authorization = await authToken(registrar, 'POST', path, body);
    const result = await this.request<{ secret?: string; Secret?: string }>(path, body, { authorization });
    const secret = result.secret ?? result.Secret;
    if (typeof secret !== 'string') throw new FabricCaError(this.caName, 200, [{ code: 0, message: 'register answered without a secret' }]);
    return { secret };
  }

  private request<T>(path: string, body: string, headers: Record<string, string>): Promise<T> {
    const url = new URL(path, this.baseUrl);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const fail = (error: Error): void => reject(new FabricCaConnectionError(this.caName, url.toString(), error));
      const req = transport.request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
          timeout: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          ...(url.protocol === 'https:' && this.options.tlsCaCertPem ? { ca: this.options.tlsCaCertPem } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let envelope: CaEnvelope<T>;
            try {
              envelope = JSON.parse(text) as CaEnvelope<T>;
            } catch {
              if (status >= 400) {
                reject(new FabricCaError(this.caName, status, [{ code: 0, message: text.trim().slice(0, 500) || `HTTP ${status}` }]));
              } else {
                fail(new Error(`answer is not JSON (HTTP ${status})`));
              }
              return;
            }
            if (status >= 400 || !envelope.success) {
              reject(new FabricCaError(this.caName, status, envelope.errors ?? []));
              return;
            }
            resolve(envelope.result);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
      req.on('error', fail);
      req.end(body);
    });
  }
}

/**
 * Fabric CA's token: base64(cert PEM) "." base64(ECDSA-SHA256 over
 * method.base64(uri).base64(body).base64(cert PEM)), with a low-S signature as Fabric CA requires.
 */
export async function authToken(registrar: RegistrarCredentials, method: string, uri: string, body: string): Promise<string> {
  const encodedCert = Buffer.from(registrar.certificatePem).toString('base64');
  const payload = `${method}.${Buffer.from(uri).toString('base64')}.${Buffer.from(body).toString('base64')}.${encodedCert}`;
  const signer = 'signer' in registrar ? registrar.signer : newFastSigner(registrar.privateKeyPem);
  const signature = await signer(Buffer.from(payload));
  return `${encodedCert}.${Buffer.from(signature).toString('base64')}`;
}

function decodeBase64(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}
