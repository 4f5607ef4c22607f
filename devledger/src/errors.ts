/** An error with a machine-readable code; the gateway maps it to a gRPC status. */
export class DevLedgerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DevLedgerError';
  }
}
