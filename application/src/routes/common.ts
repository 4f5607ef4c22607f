import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http-error';

/** An identifier chosen by a client: letters, digits, `.`, `_`, `-`; starts alphanumeric. */
export const Id = (description: string) =>
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description });

/** An interval, named by its UTC start with seconds and `Z`. */
export const Interval = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$',
  description: 'interval start, UTC, e.g. 2026-11-21T10:15:00Z',
});

export const PositiveInt = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });
export const NonNegativeInt = (description: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

export const ErrorBody = Type.Object(
  { statusCode: Type.Integer(), code: Type.String(), message: Type.String() },
  { $id: 'Error', description: 'every error response' },
);

/** Error responses a route may give, for the OpenAPI document. */
export const errors = (...codes: number[]): Record<number, TSchema> =>
  Object.fromEntries(codes.map((c) => [c, Type.Ref('Error')]));

/** An object passed through from the chaincode; documented fields listed, others allowed. */
export const Passthrough = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$', description: 'client-chosen key; a retry with the same key changes nothing more' }),
  ),
});

/**
 * The client's Idempotency-Key, required by API.md on the money- and order-creating POSTs. It goes
 * to the chaincode as sent: the chaincode scopes keys by the submitting Fabric identity, and every
 * gateway user signs with an identity of its own, so a key means one request per user.
 */
export function idempotencyKey(request: FastifyRequest): string {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '') {
    throw new HttpError(400, 'IDEMPOTENCY_KEY_REQUIRED', 'this request needs an Idempotency-Key header');
  }
  return key;
}

export const secured = [{ bearerAuth: [] as string[] }];
