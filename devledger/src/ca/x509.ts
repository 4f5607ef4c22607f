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

/** Fabric CA's certificate extension carrying the enrollment's attributes as JSON. */
export const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

export const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
