/**
 * @peculiar/x509 with its prerequisites in place: the reflect polyfill its dependency injection
 * needs, and Node's WebCrypto as the provider. Import x509 from here, never directly.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node's WebCrypto is the standard interface; its TypeScript declarations differ from the DOM's.
x509.cryptoProvider.set(webcrypto as never);

export { x509 };
