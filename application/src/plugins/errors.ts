import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import { HttpError } from '../http-error';
import { toHttpError } from '../fabric/errors';
import { FabricCaConnectionError, FabricCaError, IdentityError } from '../identity';

/** Identity-layer refusals (enrollment of members, login) in the API's terms. */
function fromIdentityError(error: unknown): HttpError | undefined {
  if (error instanceof IdentityError) {
    const status = { INVALID_USER_ID: 400, IDENTITY_NOT_FOUND: 404, IDENTITY_CONFLICT: 409, ALREADY_REGISTERED: 409, UNKNOWN_ORGANIZATION: 400, NO_CA_CONFIGURED: 503, IDENTITY_EXPIRED: 401 }[error.code];
    const code = error.code === 'IDENTITY_CONFLICT' || error.code === 'ALREADY_REGISTERED' ? 'USER_EXISTS' : error.code;
    return new HttpError(status, code, error.message);
  }
  if (error instanceof FabricCaConnectionError) return new HttpError(503, 'CA_UNAVAILABLE', error.message);
  if (error instanceof FabricCaError) {
    return error.alreadyRegistered ? new HttpError(409, 'USER_EXISTS', error.message) : new HttpError(502, 'CA_ERROR', error.message);
  }
  return undefined;
}

/** Codes for the framework's own 4xx errors. */
const FRAMEWORK_CODES: Record<number, string> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Turns any thrown error into the contract's error body. */
export function toErrorBody(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const identityError = fromIdentityError(error);
  if (identityError) return identityError;
  const e = error as FastifyError & { validation?: unknown };
  if (e.validation) return new HttpError(400, 'VALIDATION_ERROR', e.message);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = e.code?.startsWith('FST_JWT') ? 'UNAUTHORIZED' : (FRAMEWORK_CODES[e.statusCode] ?? 'BAD_REQUEST');
    return new HttpError(e.statusCode, code, e.message);
  }
  return toHttpError(error);
}

/** The one error handler, and 404 for unknown routes, both in `{"statusCode","code","message"}`. */
export const errorsPlugin = fp(async (app) => {
  app.setErrorHandler((error, request, reply) => {
    const body = toErrorBody(error);
    if (body.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.code, message: body.message }, 'request rejected');
    void reply.status(body.statusCode).send({ statusCode: body.statusCode, code: body.code, message: body.message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
});
