/**
 * Errors in Fabric CA's shape: an HTTP status plus a numeric code from Fabric CA's own table
 * (fabric-ca lib/caerrors), so a client written for Fabric CA reads them unchanged.
 */
export const CaErrorCode = {
  Unknown: 0,
  MethodNotAllowed: 1,
  NoAuthHeader: 2,
  EmptyRequestBody: 4,
  BadRequestBody: 5,
  BadRequestToken: 6,
  CaNotFound: 19,
  AuthenticationFailure: 20,
  InvalidToken: 25,
  UntrustedCertificate: 26,
  CertExpired: 27,
  BadCsr: 31,
  RegisterAttributeNotAllowed: 42,
  AuthorizationFailure: 71,
  IdentityAlreadyRegistered: 74,
} as const;

export class CaHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'CaHttpError';
  }
}

export const badRequest = (message: string, code: number = CaErrorCode.BadRequestBody): CaHttpError =>
  new CaHttpError(400, code, message);

export const unauthenticated = (message: string, code: number = CaErrorCode.AuthenticationFailure): CaHttpError =>
  new CaHttpError(401, code, message);

export const forbidden = (message: string): CaHttpError =>
  new CaHttpError(403, CaErrorCode.AuthorizationFailure, message);
