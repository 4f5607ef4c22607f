/**
 * Errors thrown by the chaincode. The message starts with a machine code and a colon
 * (`NOT_FOUND: household h-17 does not exist`); the gateway maps the code to an HTTP status.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'ALREADY_EXISTS'
  | 'INTERVAL_NOT_OPEN'
  | 'ALREADY_CLAIMED'
  | 'ALREADY_SETTLED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'MARKET_RULE'
  | 'INSUFFICIENT_FUNDS'
  | 'NOT_INITIALISED';

export class ChaincodeError extends Error {
  constructor(
    public readonly code: ErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ChaincodeError';
  }
}

export const invalidArgument = (detail: string): ChaincodeError => new ChaincodeError('INVALID_ARGUMENT', detail);
export const forbidden = (detail: string): ChaincodeError => new ChaincodeError('FORBIDDEN', detail);
export const notFound = (detail: string): ChaincodeError => new ChaincodeError('NOT_FOUND', detail);
export const conflict = (detail: string): ChaincodeError => new ChaincodeError('CONFLICT', detail);
export const alreadyExists = (detail: string): ChaincodeError => new ChaincodeError('ALREADY_EXISTS', detail);
export const marketRule = (detail: string): ChaincodeError => new ChaincodeError('MARKET_RULE', detail);
