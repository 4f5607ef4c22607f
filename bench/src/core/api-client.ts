/**
 * A small client for the Gridshare gateway HTTP API (API.md). Every POST carries an
 * Idempotency-Key chosen once per logical request, so a retry after a 503 or a conflict can never
 * create a second order, deposit or reading batch. Counts requests, retries and conflicts.
 *
 * Requests go through an undici connection pool rather than fetch: the load generator shares the
 * machine with what it measures, and fetch spends ~0.4 ms of CPU per request where the pool's
 * request() spends ~0.04 ms.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { Pool } from 'undici';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path} → ${status} ${code}: ${message}`);
    this.name = 'ApiError';
  }
}

export interface RequestStats {
  requests: number;
  /** Attempts repeated after a retryable failure. */
  retries: number;
  /** Responses that reported a ledger conflict (409 with a conflict code). */
  conflicts: number;
  /** 503 responses and transport failures. */
  unavailable: number;
  /** Requests that failed for good, by `status code`. */
  failures: Record<string, number>;
  /** Latency of every completed request, ms. */
  latenciesMs: number[];
}

export function newStats(): RequestStats {
  return { requests: 0, retries: 0, conflicts: 0, unavailable: 0, failures: {}, latenciesMs: [] };
}

/** 409 codes that mean "the ledger saw a concurrent change; try again", not a business refusal. */
const CONFLICT_CODES = new Set([
  'CONFLICT',
  'MVCC_READ_CONFLICT',
  'PHANTOM_READ_CONFLICT',
  'TRANSACTION_CONFLICT',
  'LEDGER_CONFLICT',
]);

export interface RequestOptions {
  token?: string;
  /** Fixed key for a POST; a fresh one is made otherwise (and reused by its retries). */
  idempotencyKey?: string;
  /** Error codes that count as success for this call (e.g. ALREADY_SETTLED on a retried settle). */
  acceptCodes?: readonly string[];
}

export interface ClientOptions {
  maxRetries?: number;
  /** First backoff, ms; doubles per retry with jitter. */
  backoffMs?: number;
  timeoutMs?: number;
  stats?: RequestStats;
}

export class ApiClient {
  readonly stats: RequestStats;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  private readonly pool: Pool;
  /** Path prefix of baseUrl (empty when the API is served at the root). */
  private readonly basePath: string;

  constructor(
    readonly baseUrl: string,
    options: ClientOptions = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    const url = new URL(this.baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin);
    this.stats = options.stats ?? newStats();
    this.maxRetries = options.maxRetries ?? 8;
    this.backoffMs = options.backoffMs ?? 50;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, options);
  }

  post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, body, { ...options, idempotencyKey: options.idempotencyKey ?? randomUUID() });
  }

  put<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, body, options);
  }

  /** Plain-text GET (e.g. /metrics), no retries. */
  async getText(path: string, token?: string): Promise<string> {
    const res = await this.pool.request({ path: this.basePath + path, method: 'GET', headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new ApiError(res.statusCode, 'HTTP_ERROR', text.slice(0, 200), 'GET', path);
    return text;
  }

  /** Closes the pooled connections (idle ones would otherwise linger for their keep-alive time). */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** `POST /v1/dev/login` → bearer token. */
  async login(user: string): Promise<string> {
    const { token } = await this.post<{ token: string }>('/v1/dev/login', { user });
    return token;
  }

  async request<T>(method: string, path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const payload = body === undefined ? undefined : JSON.stringify(body);

    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      const started = performance.now();
      let status = 0;
      let parsed: unknown;
      try {
        const res = await this.pool.request({
          path: this.basePath + path,
          method: method as 'GET' | 'POST' | 'PUT',
          headers,
          body: payload,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
        status = res.statusCode;
        const text = await res.body.text();
        parsed = text.length > 0 ? safeJson(text) : undefined;
      } catch (err) {
        // Transport failure (connection reset, timeout): retry like a 503.
        this.stats.unavailable++;
        if (attempt < this.maxRetries) {
          this.stats.retries++;
          await this.backoff(attempt);
          continue;
        }
        this.countFailure('0 TRANSPORT');
        throw new ApiError(0, 'TRANSPORT', (err as Error).message, method, path);
      }
      this.stats.latenciesMs.push(performance.now() - started);
      if (status >= 200 && status < 300) return parsed as T;

      const errorBody = (parsed ?? {}) as { code?: string; message?: string };
      const code = errorBody.code ?? `HTTP_${status}`;
      if (options.acceptCodes?.includes(code)) return parsed as T;
      const conflict = status === 409 && CONFLICT_CODES.has(code);
      if (conflict) this.stats.conflicts++;
      if (status === 503) this.stats.unavailable++;
      const retryable = conflict || status === 503 || status === 429;
      if (retryable && attempt < this.maxRetries) {
        this.stats.retries++;
        await this.backoff(attempt);
        continue;
      }
      this.countFailure(`${status} ${code}`);
      throw new ApiError(status, code, errorBody.message ?? JSON.stringify(parsed)?.slice(0, 300) ?? '', method, path);
    }
  }

  private countFailure(key: string): void {
    this.stats.failures[key] = (this.stats.failures[key] ?? 0) + 1;
  }

  private backoff(attempt: number): Promise<void> {
    // Jitter keeps retried requests from colliding again in lockstep.
    const ms = Math.min(2000, this.backoffMs * 2 ** attempt) * (randomInt(500, 1001) / 1000);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 300) };
  }
}
