/** Fabric-style (low-S) ECDSA signatures, signed on the event loop and on the thread pool. */
import crypto from 'node:crypto';
import { isLowS, signLowS, signLowSAsync } from '../src/identity/ecdsa';

const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });

test('signatures from both signers verify and always carry a low S', async () => {
  // Half of raw ECDSA signatures have a high S; 64 messages make missing the normalisation certain to show.
  for (let i = 0; i < 64; i++) {
    const message = crypto.randomBytes(100 + i);
    for (const signature of [signLowS(message, privateKey), await signLowSAsync(message, privateKey)]) {
      expect(isLowS(signature)).toBe(true);
      expect(crypto.verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
    }
  }
});

test('the thread-pool signer rejects a key that cannot sign', async () => {
  await expect(signLowSAsync(Buffer.from('x'), publicKey)).rejects.toThrow();
});
