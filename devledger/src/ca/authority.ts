/**
 * One certificate authority: a persistent ECDSA P-256 root key and self-signed CA certificate,
 * issuing enrollment certificates the way Fabric CA does (NodeOU-style OU, attribute extension).
 */
import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as path from 'node:path';
import { ensurePrivateDir, readIfExists, writeFileAtomic } from './files';
import { badRequest, CaErrorCode } from './errors';
import { ECDSA_P256, ECDSA_SHA256, FABRIC_ATTRS_OID, x509 } from './x509';

const CA_VALIDITY_YEARS = 15;
const ENROLLMENT_VALIDITY_YEARS = 1;
/** Issued certificates start a little in the past so peers with a slow clock accept them. */
const BACKDATE_MS = 5 * 60 * 1000;

export interface IssueRequest {
  enrollmentId: string;
  /** NodeOU type: client, admin, peer or orderer. */
  type: string;
  /** Dot-separated affiliation, '' for the root. */
  affiliation: string;
  /** Attributes written to the certificate's attribute extension. */
  attrs: Record<string, string>;
  csrPem: string;
}

export class CertificateAuthority {
  private constructor(
    readonly caName: string,
    readonly certificate: x509.X509Certificate,
    readonly certificatePem: string,
    private readonly signingKey: CryptoKey,
    private readonly subjectKeyId: string,
  ) {}

  /** Loads the CA from `dir`, creating its key and certificate on first use. */
  static async openOrCreate(dir: string, caName: string): Promise<CertificateAuthority> {
    await ensurePrivateDir(dir);
    const keyFile = path.join(dir, 'ca-key.pem');
    const certFile = path.join(dir, 'ca-cert.pem');

    let keyPem = await readIfExists(keyFile);
    if (keyPem === undefined) {
      keyPem = await generatePrivateKeyPem();
      await writeFileAtomic(keyFile, keyPem, 0o600);
    }
    const keys = await importKeyPair(keyPem);

    let certPem = await readIfExists(certFile);
    if (certPem === undefined) {
      certPem = await createRootCertificate(caName, keys);
      await writeFileAtomic(certFile, certPem, 0o644);
    }
    const certificate = new x509.X509Certificate(certPem);
    const ski = certificate.getExtension(x509.SubjectKeyIdentifierExtension);
    if (!ski) throw new Error(`CA certificate ${certFile} has no subject key identifier`);
    return new CertificateAuthority(caName, certificate, certificate.toString('pem'), keys.privateKey, ski.keyId);
  }

  /** True when `cert` carries a valid signature by this CA's key and names this CA as issuer. */
  async issued(cert: x509.X509Certificate): Promise<boolean> {
    if (cert.issuer !== this.certificate.subject) return false;
    try {
      return await cert.verify({ publicKey: this.certificate.publicKey, signatureOnly: true });
    } catch {
      return false;
    }
  }

  /** Verifies a PKCS#10 request and issues an enrollment certificate for its public key. */
  async issue(request: IssueRequest): Promise<string> {
    const csr = parseCsr(request.csrPem);
    if (!(await csr.verify().catch(() => false))) {
      throw badRequest('The certificate signing request has an invalid signature', CaErrorCode.BadCsr);
    }
    const algorithm = csr.publicKey.algorithm as webcrypto.EcKeyAlgorithm;
    if (algorithm.name !== 'ECDSA' || (algorithm.namedCurve !== 'P-256' && algorithm.namedCurve !== 'P-384')) {
      throw badRequest('The certificate signing request must carry an ECDSA P-256 or P-384 public key', CaErrorCode.BadCsr);
    }

    const notBefore = new Date(Date.now() - BACKDATE_MS);
    const notAfter = new Date(notBefore);
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + ENROLLMENT_VALIDITY_YEARS);

    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialNumber(),
      subject: enrollmentSubject(request),
      issuer: this.certificate.subjectName,
      notBefore,
      notAfter,
      publicKey: csr.publicKey,
      signingKey: this.signingKey as never,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.BasicConstraintsExtension(false, undefined, true),
        await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
        new x509.AuthorityKeyIdentifierExtension(this.subjectKeyId),
        // Fabric CA stores the JSON bytes directly as the extension value; fabric-shim reads them so.
        new x509.Extension(FABRIC_ATTRS_OID, false, Buffer.from(JSON.stringify({ attrs: request.attrs }), 'utf8')),
      ],
    });
    return certificate.toString('pem');
  }
}

/** Subject in Fabric CA's order: OU=<type>, one OU per affiliation level, then CN=<enrollment ID>. */
function enrollmentSubject(request: IssueRequest): x509.JsonName {
  const affiliationUnits = request.affiliation === '' ? [] : request.affiliation.split('.');
  return [
    { OU: [request.type] },
    ...affiliationUnits.map((unit) => ({ OU: [unit] })),
    { CN: [request.enrollmentId] },
  ];
}

function parseCsr(pem: string): x509.Pkcs10CertificateRequest {
  if (typeof pem !== 'string' || !pem.includes('CERTIFICATE REQUEST')) {
    throw badRequest('certificate_request must be a PEM-encoded PKCS#10 certificate signing request', CaErrorCode.BadCsr);
  }
  try {
    return new x509.Pkcs10CertificateRequest(pem);
  } catch (error) {
    throw badRequest(`The certificate signing request could not be parsed: ${(error as Error).message}`, CaErrorCode.BadCsr);
  }
}

/** A positive 128-bit serial number (top bit clear, never zero). */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function generatePrivateKeyPem(): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

async function importKeyPair(privateKeyPem: string): Promise<CryptoKeyPair> {
  const privateKeyObject = createPrivateKey(privateKeyPem);
  const pkcs8 = privateKeyObject.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKeyObject).export({ format: 'der', type: 'spki' });
  const privateKey = (await webcrypto.subtle.importKey('pkcs8', pkcs8, ECDSA_P256, false, ['sign'])) as CryptoKey;
  const publicKey = (await webcrypto.subtle.importKey('spki', spki, ECDSA_P256, true, ['verify'])) as CryptoKey;
  return { privateKey, publicKey };
}

/** Organisation name for a CA: `ca-utility` → `utility.gridshare.local`. */
function organisationOf(caName: string): string {
  return `${caName.replace(/^ca[-.]/, '')}.gridshare.local`;
}

async function createRootCertificate(caName: string, keys: CryptoKeyPair): Promise<string> {
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ O: [organisationOf(caName)] }, { CN: [caName] }],
    notBefore,
    notAfter,
    keys: keys as never,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      new x509.BasicConstraintsExtension(true, 1, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return certificate.toString('pem');
}
