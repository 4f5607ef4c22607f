/**
 * Meter signing keys: each simulated meter has its own ECDSA P-256 key pair; the utility registers
 * the public key and every reading is signed over `meterId|interval|importWh|exportWh`
 * (SHA-256, base64 DER), exactly as a smart meter would.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface MeterKey {
  publicKeyPem: string;
  privateKey: KeyObject;
}

export function newMeterKey(): MeterKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

export interface SignedReading {
  meterId: string;
  interval: string;
  importWh: number;
  exportWh: number;
  signature: string;
}

export function signReading(
  key: MeterKey,
  reading: { meterId: string; interval: string; importWh: number; exportWh: number },
): SignedReading {
  const message = `${reading.meterId}|${reading.interval}|${reading.importWh}|${reading.exportWh}`;
  const signature = sign('sha256', Buffer.from(message, 'utf8'), key.privateKey).toString('base64');
  return { meterId: reading.meterId, interval: reading.interval, importWh: reading.importWh, exportWh: reading.exportWh, signature };
}
