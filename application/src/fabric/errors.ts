import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, GatewayError, StatusCode, type SubmitError } from '@hyperledger/fabric-gateway';
import { HttpError } from '../http-error';

/** Chaincode error codes (chaincode/README.md) and the HTTP status each maps to. */
export const CHAINCODE_CODE_STATUS: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  INTERVAL_NOT_OPEN: 409,
  ALREADY_CLAIMED: 409,
  ALREADY_SETTLED: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  NOT_INITIALISED: 409,
  MARKET_RULE: 422,
  INSUFFICIENT_FUNDS: 422,
};

const CODE_PATTERN = new RegExp(`\\b(${Object.keys(CHAINCODE_CODE_STATUS).join('|')}): ?([\\s\\S]*)$`);

/** A business error the chaincode threw, as `CODE: text`. */
export class ChaincodeError extends HttpError {
  constructor(
    readonly chaincodeCode: string,
    message: string,
    readonly transactionId?: string,
  ) {
    super(CHAINCODE_CODE_STATUS[chaincodeCode] ?? 400, chaincodeCode, message);
  }
}

/**
 * The words Fabric and the gRPC client put before a chaincode's own message, e.g.
 * `2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: ...`.
 */
const FABRIC_PREFIXES = [
  /^\d+ [A-Z_]+: /,
  /^evaluate call to endorser returned error: /,
  /^chaincode response \d+, /,
  /^transaction returned with failure: /,
  /^Error: /,
];

/** The chaincode's own message inside a Fabric error text: every known Fabric prefix removed. */
export function withoutFabricPrefix(text: string): string {
  let rest = text.trim();
  for (let stripped = true; stripped; ) {
    stripped = false;
    for (const prefix of FABRIC_PREFIXES) {
      const next = rest.replace(prefix, '');
      if (next !== rest) {
        rest = next;
        stripped = true;
      }
    }
  }
  return rest;
}

/**
 * Finds the chaincode's `CODE: text` in a gateway error's text, wherever Fabric's prefixes put
 * it (searched, not anchored, so a prefix this module does not know still leaves the code found).
 * The message is the chaincode's text alone.
 */
export function parseChaincodeMessage(text: string): { code: string; message: string } | undefined {
  const match = CODE_PATTERN.exec(withoutFabricPrefix(text));
  if (!match?.[1]) return undefined;
  return { code: match[1], message: (match[2] ?? '').trim() || match[1] };
}

const UNAVAILABLE = new Set<number>([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.CANCELLED]);

export const isConflict = (err: unknown): boolean =>
  err instanceof CommitError &&
  (err.code === StatusCode.MVCC_READ_CONFLICT || err.code === StatusCode.PHANTOM_READ_CONFLICT);

/**
 * Fabric's gateway found the endorsing peers' results different: one peer had not yet committed a
 * block the other had (or the chaincode is not deterministic). Endorsement failed, nothing was
 * submitted, so a new attempt is safe.
 */
export const isEndorsementMismatch = (err: unknown): boolean =>
  err instanceof GatewayError && err.name === 'EndorseError' && err.details.some((d) => d.message.includes('ProposalResponsePayloads do not match'));

/** True for gRPC failures that mean "the ledger did not answer", not "the ledger said no". */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof CommitError) return false;
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && UNAVAILABLE.has(code);
}

/**
 * A transaction that may have reached the orderer but whose commit could not be confirmed: it may
 * have committed, so a blind retry could apply it twice (or fail on its own effect).
 */
export class CommitUnknownError extends HttpError {
  constructor(readonly transactionId: string) {
    super(504, 'COMMIT_UNKNOWN', `transaction ${transactionId} was submitted but its commit could not be confirmed; check before retrying`);
  }
}

/** Submit failures after which the envelope may still have reached the orderer. */
const SUBMIT_OUTCOME_UNKNOWN = new Set<number>([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED]);

/** fabric-gateway exports SubmitError as a type only: recognised by its name. */
const isSubmitError = (err: unknown): err is SubmitError =>
  err instanceof GatewayError && err.name === 'SubmitError' && typeof (err as { transactionId?: unknown }).transactionId === 'string';

/** Maps anything the Fabric client throws onto the API's error contract. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (isSubmitError(err) && SUBMIT_OUTCOME_UNKNOWN.has(err.code)) return new CommitUnknownError(err.transactionId);
  if (err instanceof GatewayError) {
    for (const detail of err.details) {
      const parsed = parseChaincodeMessage(detail.message);
      if (parsed) return new ChaincodeError(parsed.code, parsed.message, (err as { transactionId?: string }).transactionId);
    }
    const parsed = parseChaincodeMessage(err.message);
    if (parsed) return new ChaincodeError(parsed.code, parsed.message);
    if (UNAVAILABLE.has(err.code)) return new HttpError(503, 'LEDGER_UNAVAILABLE', 'the ledger is not reachable; try again');
    const detail = withoutFabricPrefix(err.details[0]?.message ?? err.message);
    return new HttpError(502, 'LEDGER_ERROR', `the ledger refused the request: ${detail}`);
  }
  if (err instanceof CommitError) {
    if (isConflict(err)) {
      return new HttpError(409, 'CONFLICT', `transaction ${err.transactionId} kept conflicting with concurrent updates; try again`);
    }
    return new HttpError(502, 'TRANSACTION_INVALID', `transaction ${err.transactionId} was not committed: ${err.message}`);
  }
  if (isUnavailable(err)) return new HttpError(503, 'LEDGER_UNAVAILABLE', 'the ledger is not reachable; try again');
  return new HttpError(500, 'INTERNAL_ERROR', 'internal error');
}
