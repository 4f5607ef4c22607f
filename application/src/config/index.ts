import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, loadConnectionProfile, type ConnectionProfile } from './network';

export { ConfigError, loadConnectionProfile } from './network';
export type { ConnectionProfile, OrganizationProfile } from './network';

/** Per-stage gRPC deadlines, as fabric-samples' gateway applications set them. */
export interface Deadlines {
  evaluateMs: number;
  endorseMs: number;
  submitMs: number;
  commitStatusMs: number;
  /** Evaluate deadline of long read-only queries (the conservation audit). */
  auditMs: number;
}

export interface JwtConfig {
  /** HS256 shared secret, or ES256 keys. Signing is only possible with a secret or private key. */
  secret?: string;
  publicKeyPem?: string;
  privateKeyPem?: string;
  expiresIn: string;
}

export interface AppConfig {
  port: number;
  host: string;
  ledger: 'dev' | 'fabric';
  network: ConnectionProfile;
  networkFile: string;
  /** Identity store directory. */
  dataDir: string;
  /** Gateway state beside the identity store: event checkpoint, generated dev JWT secret. */
  stateDir: string;
  devLogin: boolean;
  jwt: JwtConfig;
  rateLimit: { max: number; timeWindowMs: number };
  deadlines: Deadlines;
  /** Largest gRPC message sent to or received from a peer, in bytes (Fabric peers allow 100 MB). */
  grpcMaxMessageBytes: number;
  /** Most intervals one conservation audit call may cover. */
  auditMaxIntervals: number;
  /** Submits resubmitted after MVCC/phantom conflicts, and commit statuses asked again after a deadline. */
  retry: { conflictMaxAttempts: number; commitStatusPolls: number };
  operatorScheduler: { enabled: boolean; tickMs: number; settleGraceSeconds: number };
  /** Partial market configuration handed to consortium:Init on a fresh ledger. */
  initialMarket: Record<string, unknown>;
  logLevel: string;
}

/** Fabric peers' own limit (peer.limits / gRPC server options): 100 MB each way. */
export const DEFAULT_GRPC_MAX_MESSAGE_BYTES = 100 * 1024 * 1024;

const Bool = Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal('true'), Type.Literal('false')]);
const Int = Type.String({ pattern: '^[0-9]{1,9}$' });

/** The environment variables the gateway reads; everything else is ignored. */
export const EnvSchema = Type.Object({
  PORT: Type.Optional(Int),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  GRIDSHARE_LEDGER: Type.Optional(Type.Union([Type.Literal('dev'), Type.Literal('fabric')])),
  GRIDSHARE_NETWORK: Type.Optional(Type.String({ minLength: 1 })),
  GRIDSHARE_DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  GRIDSHARE_DEV_LOGIN: Type.Optional(Bool),
  GRIDSHARE_JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  GRIDSHARE_JWT_PUBLIC_KEY: Type.Optional(Type.String({ minLength: 1 })),
  GRIDSHARE_JWT_PRIVATE_KEY: Type.Optional(Type.String({ minLength: 1 })),
  GRIDSHARE_JWT_EXPIRES_IN: Type.Optional(Type.String({ pattern: '^[0-9]+[smhd]$' })),
  GRIDSHARE_RATE_LIMIT_MAX: Type.Optional(Int),
  GRIDSHARE_RATE_LIMIT_WINDOW_MS: Type.Optional(Int),
  GRIDSHARE_EVALUATE_TIMEOUT_MS: Type.Optional(Int),
  GRIDSHARE_ENDORSE_TIMEOUT_MS: Type.Optional(Int),
  GRIDSHARE_SUBMIT_TIMEOUT_MS: Type.Optional(Int),
  GRIDSHARE_COMMIT_STATUS_TIMEOUT_MS: Type.Optional(Int),
  GRIDSHARE_AUDIT_TIMEOUT_MS: Type.Optional(Int),
  GRIDSHARE_AUDIT_MAX_INTERVALS: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$' })),
  GRIDSHARE_GRPC_MAX_MESSAGE_BYTES: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,9}$' })),
  GRIDSHARE_CONFLICT_MAX_ATTEMPTS: Type.Optional(Type.String({ pattern: '^[1-9][0-9]?$' })),
  GRIDSHARE_COMMIT_STATUS_POLLS: Type.Optional(Type.String({ pattern: '^[0-9]{1,2}$' })),
  GRIDSHARE_OPERATOR_SCHEDULER: Type.Optional(Bool),
  GRIDSHARE_OPERATOR_TICK_MS: Type.Optional(Int),
  GRIDSHARE_SETTLE_GRACE_SECONDS: Type.Optional(Int),
  GRIDSHARE_INITIAL_MARKET: Type.Optional(Type.String({ minLength: 2 })),
  LOG_LEVEL: Type.Optional(
    Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  ),
});
export type Env = Static<typeof EnvSchema>;

const KNOWN = Object.keys(EnvSchema.properties);
const truthy = (v: string | undefined): boolean | undefined => (v === undefined ? undefined : v === '1' || v === 'true');
const int = (v: string | undefined, fallback: number): number => (v === undefined ? fallback : Number(v));

function readPem(value: string, name: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new ConfigError(`${name}: not a PEM and not a readable file (${(err as Error).message})`);
  }
}

/** The dev default: an HS256 secret generated once and kept beside the identity store. */
function persistedDevSecret(stateDir: string): string {
  const file = path.join(stateDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/**
 * Builds the configuration from environment variables, validated up front so that a
 * misconfigured gateway refuses to start with a message naming the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const picked: Record<string, string> = {};
  for (const key of KNOWN) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  if (!Value.Check(EnvSchema, picked)) {
    const problems = [...Value.Errors(EnvSchema, picked)].map((e) => `${e.path.slice(1)}: ${e.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e: Env = picked;
  const ledger = e.GRIDSHARE_LEDGER ?? 'dev';
  if (!e.GRIDSHARE_NETWORK) {
    throw new ConfigError(
      ledger === 'fabric'
        ? 'GRIDSHARE_NETWORK is required with GRIDSHARE_LEDGER=fabric: the connection file of the network'
        : 'GRIDSHARE_NETWORK is not set: start the gateway with `npm start`, which runs the dev ledger and passes its connection file',
    );
  }
  if (e.GRIDSHARE_JWT_SECRET && e.GRIDSHARE_JWT_PUBLIC_KEY) {
    throw new ConfigError('set either GRIDSHARE_JWT_SECRET (HS256) or GRIDSHARE_JWT_PUBLIC_KEY (ES256), not both');
  }
  if (e.GRIDSHARE_JWT_PRIVATE_KEY && !e.GRIDSHARE_JWT_PUBLIC_KEY) {
    throw new ConfigError('GRIDSHARE_JWT_PRIVATE_KEY needs GRIDSHARE_JWT_PUBLIC_KEY');
  }
  if (ledger === 'fabric' && !e.GRIDSHARE_JWT_SECRET && !e.GRIDSHARE_JWT_PUBLIC_KEY) {
    throw new ConfigError('GRIDSHARE_LEDGER=fabric needs GRIDSHARE_JWT_SECRET or GRIDSHARE_JWT_PUBLIC_KEY');
  }
  if (e.GRIDSHARE_GRPC_MAX_MESSAGE_BYTES && Number(e.GRIDSHARE_GRPC_MAX_MESSAGE_BYTES) > 2_147_483_647) {
    throw new ConfigError('GRIDSHARE_GRPC_MAX_MESSAGE_BYTES: at most 2147483647 (gRPC takes a 32-bit signed length)');
  }
  let initialMarket: Record<string, unknown> = {};
  if (e.GRIDSHARE_INITIAL_MARKET) {
    try {
      initialMarket = JSON.parse(e.GRIDSHARE_INITIAL_MARKET) as Record<string, unknown>;
    } catch {
      throw new ConfigError('GRIDSHARE_INITIAL_MARKET: not JSON');
    }
  }
  const networkFile = path.resolve(e.GRIDSHARE_NETWORK);
  const dataDir = path.resolve(e.GRIDSHARE_DATA_DIR ?? '.gridshare/identities');
  const stateDir = path.join(path.dirname(dataDir), 'gateway-state');
  const jwt: JwtConfig = { expiresIn: e.GRIDSHARE_JWT_EXPIRES_IN ?? '12h' };
  if (e.GRIDSHARE_JWT_PUBLIC_KEY) {
    jwt.publicKeyPem = readPem(e.GRIDSHARE_JWT_PUBLIC_KEY, 'GRIDSHARE_JWT_PUBLIC_KEY');
    if (e.GRIDSHARE_JWT_PRIVATE_KEY) jwt.privateKeyPem = readPem(e.GRIDSHARE_JWT_PRIVATE_KEY, 'GRIDSHARE_JWT_PRIVATE_KEY');
  } else {
    jwt.secret = e.GRIDSHARE_JWT_SECRET ?? persistedDevSecret(stateDir);
  }
  return {
    port: int(e.PORT, 3000),
    host: e.HOST ?? '127.0.0.1',
    ledger,
    network: loadConnectionProfile(networkFile),
    networkFile,
    dataDir,
    stateDir,
    devLogin: truthy(e.GRIDSHARE_DEV_LOGIN) ?? ledger === 'dev',
    jwt,
    rateLimit: { max: int(e.GRIDSHARE_RATE_LIMIT_MAX, 600), timeWindowMs: int(e.GRIDSHARE_RATE_LIMIT_WINDOW_MS, 60_000) },
    deadlines: {
      evaluateMs: int(e.GRIDSHARE_EVALUATE_TIMEOUT_MS, 5_000),
      endorseMs: int(e.GRIDSHARE_ENDORSE_TIMEOUT_MS, 15_000),
      submitMs: int(e.GRIDSHARE_SUBMIT_TIMEOUT_MS, 5_000),
      commitStatusMs: int(e.GRIDSHARE_COMMIT_STATUS_TIMEOUT_MS, 60_000),
      auditMs: int(e.GRIDSHARE_AUDIT_TIMEOUT_MS, 60_000),
    },
    grpcMaxMessageBytes: int(e.GRIDSHARE_GRPC_MAX_MESSAGE_BYTES, DEFAULT_GRPC_MAX_MESSAGE_BYTES),
    auditMaxIntervals: int(e.GRIDSHARE_AUDIT_MAX_INTERVALS, 96),
    retry: {
      conflictMaxAttempts: int(e.GRIDSHARE_CONFLICT_MAX_ATTEMPTS, 5),
      commitStatusPolls: int(e.GRIDSHARE_COMMIT_STATUS_POLLS, 3),
    },
    operatorScheduler: {
      enabled: truthy(e.GRIDSHARE_OPERATOR_SCHEDULER) ?? true,
      tickMs: int(e.GRIDSHARE_OPERATOR_TICK_MS, 5_000),
      settleGraceSeconds: int(e.GRIDSHARE_SETTLE_GRACE_SECONDS, 120),
    },
    initialMarket,
    logLevel: e.LOG_LEVEL ?? 'info',
  };
}
