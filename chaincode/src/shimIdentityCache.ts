/**
 * fabric-shim builds a ClientIdentity for every transaction and parses the creator's X.509
 * certificate each time, with @fidm/x509's pure-JavaScript ASN.1 decoder, to derive getID() and
 * the certificate attributes. A household or operator sends every transaction with the same
 * certificate, and the parse is a pure function of the PEM text, so parsed certificates are kept by
 * that text, the least recently used dropped first. Measured on the dev ledger under load, the
 * parse was about a fifth of the chaincode process's CPU; a parsed certificate holds ~21 KB of heap,
 * so the default bound keeps the memo near 20 MB.
 *
 * Nothing a contract sees changes: ClientIdentity still derives its ID, MSP ID and attributes from
 * a parse of the same bytes, and a certificate that fails to parse is never kept. The benchmark's
 * one-key baseline chaincode (bench/fixtures/trivial-chaincode) installs the same cache, so
 * comparisons stay fair.
 */
import { requireFromShim } from './shimModules';

interface CertificateClass {
  fromPEM(data: Buffer | string): unknown;
}

const CACHED = Symbol.for('gridshare.shimIdentityCache.installed');
export const DEFAULT_MAX_CERTIFICATES = 1024;

/** fabric-shim's own copy of @fidm/x509's Certificate class, wherever npm placed it. */
export function shimCertificateClass(): CertificateClass & Record<symbol, unknown> {
  return requireFromShim<{ Certificate: CertificateClass & Record<symbol, unknown> }>('@fidm/x509').Certificate;
}

/** Memoizes fabric-shim's certificate parse by PEM text. Idempotent: a second call changes nothing. */
export function cacheShimCertificateParses(maxCertificates = DEFAULT_MAX_CERTIFICATES): void {
  const certificateClass = shimCertificateClass();
  if (certificateClass[CACHED]) return;
  const parse = certificateClass.fromPEM.bind(certificateClass);
  const parsed = new Map<string, unknown>();
  certificateClass.fromPEM = (data: Buffer | string): unknown => {
    const pem = typeof data === 'string' ? data : data.toString('latin1');
    const known = parsed.get(pem);
    if (known !== undefined) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      parsed.delete(pem);
      parsed.set(pem, known);
      return known;
    }
    const certificate = parse(data);
    if (parsed.size >= maxCertificates) parsed.delete(parsed.keys().next().value as string);
    parsed.set(pem, certificate);
    return certificate;
  };
  certificateClass[CACHED] = true;
}
