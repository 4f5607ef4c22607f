/**
 * The two ways a Fabric CA request authenticates: Basic (enrollment ID and secret) for enroll,
 * and the ECDSA token of an enrolled identity for everything else.
 */
import { X509Certificate as NodeCertificate, verify } from 'node:crypto';
import type { CertificateAuthority } from './authority';
import { CaErrorCode, CaHttpError, unauthenticated } from './errors';
import { x509 } from './x509';

export interface BasicCredentials {
  enrollmentId: string;
  secret: string;
}

export function parseBasicAuth(header: string | undefined): BasicCredentials {
  if (!header) throw new CaHttpError(401, CaErrorCode.NoAuthHeader, 'No authorization header');
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const separator = decoded.indexOf(':');
  if (separator <= 0) {
    throw unauthenticated('Authorization header must be Basic base64(enrollmentID:secret)', CaErrorCode.AuthenticationFailure);
  }
  return { enrollmentId: decoded.slice(0, separator), secret: decoded.slice(separator + 1) };
}

export interface TokenRequest {
  method: string;
  /** The request URIs the client may have signed (the path, and the path with its query). */
  uris: string[];
  body: Buffer;
}

export interface TokenCaller {
  enrollmentId: string;
  certificate: x509.X509Certificate;
}

/**
 * Verifies `base64(certPEM).base64(signature)`: the certificate must be a currently valid one
 * issued by `ca`, and the signature must be its key's ECDSA-SHA256 signature over
 * `method.base64(uri).base64(body).base64(certPEM)`.
 */
export async function verifyToken(header: string | undefined, request: TokenRequest, ca: CertificateAuthority): Promise<TokenCaller> {
  if (!header) throw new CaHttpError(401, CaErrorCode.NoAuthHeader, 'No authorization header');
  const parts = header.trim().split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw unauthenticated('Authorization token must be base64(certificate PEM).base64(signature)', CaErrorCode.InvalidToken);
  }
  const [encodedCert, encodedSignature] = parts as [string, string];
  const certPem = Buffer.from(encodedCert, 'base64').toString('utf8');

  let certificate: x509.X509Certificate;
  let nodeCertificate: NodeCertificate;
  try {
    certificate = new x509.X509Certificate(certPem);
    nodeCertificate = new NodeCertificate(certPem);
  } catch {
    throw unauthenticated('The certificate in the authorization token could not be parsed', CaErrorCode.InvalidToken);
  }
  if (!(await ca.issued(certificate))) {
    throw unauthenticated(`The certificate in the authorization token was not issued by CA '${ca.caName}'`, CaErrorCode.UntrustedCertificate);
  }
  const now = Date.now();
  if (now < certificate.notBefore.getTime() || now > certificate.notAfter.getTime()) {
    throw unauthenticated('The certificate in the authorization token has expired or is not yet valid', CaErrorCode.CertExpired);
  }

  const signature = Buffer.from(encodedSignature, 'base64');
  const encodedBody = request.body.toString('base64');
  const signed = request.uris.some((uri) => {
    const payload = `${request.method}.${Buffer.from(uri).toString('base64')}.${encodedBody}.${encodedCert}`;
    try {
      return verify('sha256', Buffer.from(payload), nodeCertificate.publicKey, signature);
    } catch {
      return false;
    }
  });
  if (!signed) throw unauthenticated('The signature in the authorization token does not verify', CaErrorCode.InvalidToken);

  const enrollmentId = certificate.subjectName.getField('CN')[0];
  if (!enrollmentId) throw unauthenticated('The certificate in the authorization token has no common name', CaErrorCode.InvalidToken);
  return { enrollmentId, certificate };
}
