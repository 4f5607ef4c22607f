/**
 * The HTTP front of the dev CA: Fabric CA's REST subset (cainfo, register, enroll, reenroll)
 * for several CAs on one port, selected by `caname` in the body or `?ca=` in the query.
 */
import * as http from 'node:http';
import { parseBasicAuth, verifyToken } from './auth';
import { badRequest, CaErrorCode, CaHttpError } from './errors';
import type { OrgCa } from './org-ca';

const MAX_BODY_BYTES = 256 * 1024;

interface ParsedRequest {
  method: string;
  pathname: string;
  /** Path plus query, as the client may have signed it. */
  requestUri: string;
  query: URLSearchParams;
  raw: Buffer;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

type Handler = (ca: OrgCa, request: ParsedRequest) => Promise<{ status: number; result: unknown }>;

const routes: Record<string, { methods: string[]; handle: Handler }> = {
  '/api/v1/cainfo': {
    methods: ['GET', 'POST'],
    handle: async (ca) => ({ status: 200, result: ca.info() }),
  },
  '/api/v1/register': {
    methods: ['POST'],
    handle: async (ca, request) => {
      const caller = await verifyToken(request.headers.authorization, tokenRequest(request), ca.authority);
      return { status: 201, result: await ca.register(caller, request.body) };
    },
  },
  '/api/v1/enroll': {
    methods: ['POST'],
    handle: async (ca, request) => ({
      status: 201,
      result: await ca.enroll(parseBasicAuth(request.headers.authorization), request.body),
    }),
  },
  '/api/v1/reenroll': {
    methods: ['POST'],
    handle: async (ca, request) => {
      const caller = await verifyToken(request.headers.authorization, tokenRequest(request), ca.authority);
      return { status: 201, result: await ca.reenroll(caller, request.body) };
    },
  },
};

function tokenRequest(request: ParsedRequest): { method: string; uris: string[]; body: Buffer } {
  return { method: request.method, uris: [...new Set([request.pathname, request.requestUri])], body: request.raw };
}

/** Builds the request listener; `cas` is keyed by CA name, the first one answers when none is named. */
export function createCaRequestListener(cas: Map<string, OrgCa>): http.RequestListener {
  const defaultCa = [...cas.values()][0];
  return (req, res) => {
    handle(req)
      .then(({ status, result }) => send(res, status, { success: true, result, errors: [], messages: [] }))
      .catch((error: unknown) => {
        const failure =
          error instanceof CaHttpError ? error : new CaHttpError(500, CaErrorCode.Unknown, `Internal CA error: ${(error as Error).message}`);
        send(res, failure.status, { success: false, result: null, errors: [{ code: failure.code, message: failure.message }], messages: [] });
      });
  };

  async function handle(req: http.IncomingMessage): Promise<{ status: number; result: unknown }> {
    const url = new URL(req.url ?? '/', 'http://ca.invalid');
    const route = routes[url.pathname];
    if (!route) throw new CaHttpError(404, CaErrorCode.Unknown, `No such endpoint: ${url.pathname}`);
    const method = req.method ?? 'GET';
    if (!route.methods.includes(method)) {
      throw new CaHttpError(405, CaErrorCode.MethodNotAllowed, `Method ${method} is not allowed on ${url.pathname}`);
    }
    const raw = await readBody(req);
    const request: ParsedRequest = {
      method,
      pathname: url.pathname,
      requestUri: `${url.pathname}${url.search}`,
      query: url.searchParams,
      raw,
      body: parseJsonObject(raw, method),
      headers: req.headers,
    };
    return route.handle(selectCa(request), request);
  }

  function selectCa(request: ParsedRequest): OrgCa {
    const named = request.body['caname'] ?? request.query.get('ca') ?? '';
    if (typeof named !== 'string') throw badRequest('caname must be a string');
    if (named === '') {
      if (!defaultCa) throw new CaHttpError(404, CaErrorCode.CaNotFound, 'This server hosts no CA');
      return defaultCa;
    }
    const ca = cas.get(named);
    if (!ca) throw new CaHttpError(404, CaErrorCode.CaNotFound, `CA '${named}' does not exist`);
    return ca;
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(badRequest(`Request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJsonObject(raw: Buffer, method: string): Record<string, unknown> {
  if (raw.length === 0) {
    if (method === 'GET') return {};
    throw new CaHttpError(400, CaErrorCode.EmptyRequestBody, 'Request body is empty');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('Request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function send(res: http.ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
