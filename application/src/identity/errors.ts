export type IdentityErrorCode =
  | 'INVALID_USER_ID'
  | 'IDENTITY_NOT_FOUND'
  | 'IDENTITY_CONFLICT'
  | 'UNKNOWN_ORGANIZATION'
  | 'NO_CA_CONFIGURED'
  | 'ALREADY_REGISTERED'
  /** The certificate expired (or the CA refused to renew it): an administrator must register the user again. */
  | 'IDENTITY_EXPIRED';

/** A refusal of the identity layer, with a stable code the HTTP layer can map. */
export class IdentityError extends Error {
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityError';
  }
}

/** An identity whose certificate can no longer be renewed: only a new registration helps. */
export function identityExpired(userId: string, reason: string): IdentityError {
  return new IdentityError(
    'IDENTITY_EXPIRED',
    `The identity of user '${userId}' can no longer be renewed (${reason}); an administrator must register the user again`,
  );
}

export interface CaErrorDetail {
  code: number;
  message: string;
}

/** Fabric CA's code for a duplicate registration (older servers answer code 0 with the same text). */
export const CA_CODE_ALREADY_REGISTERED = 74;

/** The CA answered, with an error: HTTP status plus Fabric CA's own error codes and messages. */
export class FabricCaError extends Error {
  constructor(
    readonly caName: string,
    readonly status: number,
    readonly errors: CaErrorDetail[],
  ) {
    super(`CA '${caName}' refused the request (HTTP ${status}): ${errors.map((e) => `[${e.code}] ${e.message}`).join('; ') || 'no details'}`);
    this.name = 'FabricCaError';
  }

  /** The first Fabric CA error code, if the CA gave one. */
  get caCode(): number | undefined {
    return this.errors[0]?.code;
  }

  get caMessage(): string {
    return this.errors.map((e) => e.message).join('; ');
  }

  get alreadyRegistered(): boolean {
    return this.errors.some((e) => e.code === CA_CODE_ALREADY_REGISTERED || /is already registered/.test(e.message));
  }
}

/** The CA could not be reached or did not answer in Fabric CA's format. */
export class FabricCaConnectionError extends Error {
  constructor(
    readonly caName: string,
    readonly url: string,
    cause: Error,
  ) {
    super(`CA '${caName}' at ${url} could not be reached: ${cause.message}`, { cause });
    this.name = 'FabricCaConnectionError';
  }
}
