/** Error raised by the pure market logic; `code` maps to the chaincode's error codes. */
export class MarketError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'MarketError';
  }
}

export function invalidArgument(message: string): MarketError {
  return new MarketError('INVALID_ARGUMENT', message);
}
