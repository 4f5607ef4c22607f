import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { msp } from '@hyperledger/fabric-protos';
import { x509 } from '../ca/x509';
import { signLowS } from './ecdsa';

/** The dev peer's signing identity for endorsements: a self-signed P-256 certificate kept in <dataDir>/peer. */
export class PeerIdentity {
  readonly serialized: Uint8Array;

  private constructor(
    readonly mspId: string,
    readonly certificatePem: string,
    private readonly privateKey: crypto.KeyObject,
  ) {
    const identity = new msp.SerializedIdentity();
    identity.setMspid(mspId);
    identity.setIdBytes(Buffer.from(certificatePem));
    this.serialized = identity.serializeBinary();
  }

  static async loadOrCreate(dir: string, mspId: string, hostAlias: string): Promise<PeerIdentity> {
    const keyPath = path.join(dir, 'key.pem');
    const certPath = path.join(dir, 'cert.pem');
    try {
      const [keyPem, certPem] = await Promise.all([fs.readFile(keyPath, 'utf8'), fs.readFile(certPath, 'utf8')]);
      return new PeerIdentity(mspId, certPem, crypto.createPrivateKey(keyPem));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
    const keys = (await crypto.webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: crypto.randomBytes(16).toString('hex'),
      name: `CN=${hostAlias}, OU=peer, O=${mspId}`,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    const pkcs8 = Buffer.from(await crypto.webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const keyPem = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
    const certPem = certificate.toString('pem');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(keyPath, keyPem, { mode: 0o600 });
    await fs.writeFile(certPath, certPem);
    return new PeerIdentity(mspId, certPem, crypto.createPrivateKey(keyPem));
  }

  sign(data: Uint8Array | readonly Uint8Array[]): Buffer {
    return signLowS(data, this.privateKey);
  }
}
