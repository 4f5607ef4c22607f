import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, EndorseError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { SubmitError } from '@hyperledger/fabric-gateway/dist/submiterror';
import { ConfigError, loadConfig } from '../src/config';
import { toHttpError, parseChaincodeMessage } from '../src/fabric/errors';
import { EventHub, parseCursor, type LedgerEvent } from '../src/fabric/event-hub';
import { fromChaincode, toChaincode } from '../src/routes/market/config-mapping';
import { asSeenBy, isVisible } from '../src/routes/events/visibility';
import { intervalName } from '../src/operator/scheduler';
import type { HouseholdDirectory } from '../src/principals';
import { startupBanner } from '../src/banner';
import type { FabricConnections } from '../src/fabric/connections';
import { Ledger } from '../src/fabric/ledger';
import { GatewayMetrics } from '../src/plugins/metrics';
import { intervalsBetween } from '../src/routes/audit';
import { bootstrap, type BootstrapDeps } from '../src/bootstrap';
import { HttpError } from '../src/http-error';

const dir = mkdtempSync(path.join(tmpdir(), 'gridshare-units-'));
const networkFile = path.join(dir, 'network.json');
writeFileSync(
  networkFile,
  JSON.stringify({
    name: 't',
    kind: 'devledger',
    channel: 'energy',
    chaincode: 'gridshare',
    roles: { utility: 'UtilityMSP', retailers: ['RetailerMSP'], auditors: [] },
    organizations: {
      UtilityMSP: { mspId: 'UtilityMSP', peer: { endpoint: '127.0.0.1:1', tlsCaCertPath: null } },
      RetailerMSP: { mspId: 'RetailerMSP', peer: { endpoint: '127.0.0.1:1', tlsCaCertPath: null } },
    },
  }),
);

describe('configuration', () => {
  it('applies defaults and generates a persistent dev JWT secret', () => {
    const env = { GRIDSHARE_NETWORK: networkFile, GRIDSHARE_DATA_DIR: path.join(dir, 'ids') };
    const config = loadConfig(env);
    expect(config).toMatchObject({
      port: 3000,
      ledger: 'dev',
      devLogin: true,
      deadlines: { evaluateMs: 5000, endorseMs: 15000, submitMs: 5000, commitStatusMs: 60000, auditMs: 60000 },
      grpcMaxMessageBytes: 100 * 1024 * 1024,
      auditMaxIntervals: 96,
    });
    expect(config.jwt.secret).toHaveLength(64);
    expect(loadConfig(env).jwt.secret).toBe(config.jwt.secret);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ GRIDSHARE_LEDGER: 'mainnet' }, /GRIDSHARE_LEDGER/],
    [{ GRIDSHARE_LEDGER: 'fabric', GRIDSHARE_NETWORK: undefined }, /GRIDSHARE_NETWORK is required/],
    [{ GRIDSHARE_LEDGER: 'fabric' }, /GRIDSHARE_JWT_SECRET or GRIDSHARE_JWT_PUBLIC_KEY/],
    [{ GRIDSHARE_JWT_SECRET: 'short' }, /GRIDSHARE_JWT_SECRET/],
    [{ GRIDSHARE_CONFLICT_MAX_ATTEMPTS: '0' }, /GRIDSHARE_CONFLICT_MAX_ATTEMPTS/],
    [{ GRIDSHARE_COMMIT_STATUS_POLLS: 'many' }, /GRIDSHARE_COMMIT_STATUS_POLLS/],
    [{ GRIDSHARE_GRPC_MAX_MESSAGE_BYTES: '0' }, /GRIDSHARE_GRPC_MAX_MESSAGE_BYTES/],
    [{ GRIDSHARE_GRPC_MAX_MESSAGE_BYTES: '4294967296' }, /GRIDSHARE_GRPC_MAX_MESSAGE_BYTES: at most 2147483647/],
    [{ GRIDSHARE_AUDIT_MAX_INTERVALS: '0' }, /GRIDSHARE_AUDIT_MAX_INTERVALS/],
    [{ GRIDSHARE_AUDIT_TIMEOUT_MS: '1m' }, /GRIDSHARE_AUDIT_TIMEOUT_MS/],
    [{ GRIDSHARE_NETWORK: path.join(dir, 'missing.json') }, /cannot read connection file/],
  ])('refuses %p with a message naming the problem', (override, message) => {
    const env: Record<string, string | undefined> = { GRIDSHARE_NETWORK: networkFile, GRIDSHARE_DATA_DIR: path.join(dir, 'ids'), ...override };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the gRPC message limit and the audit deadline and range', () => {
    const config = loadConfig({
      GRIDSHARE_NETWORK: networkFile,
      GRIDSHARE_DATA_DIR: path.join(dir, 'ids'),
      GRIDSHARE_GRPC_MAX_MESSAGE_BYTES: '16777216',
      GRIDSHARE_AUDIT_TIMEOUT_MS: '120000',
      GRIDSHARE_AUDIT_MAX_INTERVALS: '48',
    });
    expect(config).toMatchObject({ grpcMaxMessageBytes: 16_777_216, deadlines: { auditMs: 120_000, evaluateMs: 5000 }, auditMaxIntervals: 48 });
  });

  it('keeps dev login off for fabric unless enabled', () => {
    const env = { GRIDSHARE_NETWORK: networkFile, GRIDSHARE_LEDGER: 'fabric', GRIDSHARE_JWT_SECRET: 'x'.repeat(40) };
    expect(loadConfig(env).devLogin).toBe(false);
    expect(loadConfig({ ...env, GRIDSHARE_DEV_LOGIN: '1' }).devLogin).toBe(true);
  });
});

const serviceError = (code: number): ServiceError => Object.assign(new Error('grpc'), { code, details: 'x', metadata: new Metadata() });

describe('Fabric error mapping', () => {
  it.each([
    ['NOT_FOUND: household h-1 does not exist', 404, 'NOT_FOUND'],
    ['chaincode response 500, FORBIDDEN: not your household', 403, 'FORBIDDEN'],
    ['INTERVAL_NOT_OPEN: 2030-01-01T00:00:00Z is CLOSED', 409, 'INTERVAL_NOT_OPEN'],
    ['MARKET_RULE: price below the feed-in tariff', 422, 'MARKET_RULE'],
    ['INSUFFICIENT_FUNDS: balance 5', 422, 'INSUFFICIENT_FUNDS'],
    ['INVALID_ARGUMENT: energyWh must be positive', 400, 'INVALID_ARGUMENT'],
  ])('maps endorsement detail %p', (message, status, code) => {
    const err = new EndorseError({ code: GrpcStatus.ABORTED, details: [{ address: 'peer', mspId: 'UtilityMSP', message }], cause: serviceError(10), transactionId: 'tx1' });
    expect(toHttpError(err)).toMatchObject({ statusCode: status, code });
  });

  it.each([
    // Submit: the peer's ProposalResponse message, as the dev ledger and Fabric's gateway attach it.
    ['chaincode response 500, NOT_FOUND: household h-17 does not exist', 'NOT_FOUND', 404, 'household h-17 does not exist'],
    ['chaincode response 500, IDEMPOTENCY_KEY_REUSED: idempotency key k1 was used for another request', 'IDEMPOTENCY_KEY_REUSED', 409, 'idempotency key k1 was used for another request'],
    // Older peers and the shim may add their own words between the prefix and the code.
    ['chaincode response 500, transaction returned with failure: Error: MARKET_RULE: limitPrice 9 is outside [10, 20]', 'MARKET_RULE', 422, 'limitPrice 9 is outside [10, 20]'],
    // A chaincode message that itself contains a colon, and one naming another code later on.
    ['chaincode response 500, INVALID_ARGUMENT: request: energyWh must be positive', 'INVALID_ARGUMENT', 400, 'request: energyWh must be positive'],
    ['chaincode response 500, FORBIDDEN: NOT_FOUND: is not what this says', 'FORBIDDEN', 403, 'NOT_FOUND: is not what this says'],
  ])('takes the code and the bare chaincode message from %p', (detail, code, status, message) => {
    const err = new EndorseError({ code: GrpcStatus.ABORTED, details: [{ address: 'peer0:7051', mspId: 'UtilityMSP', message: detail }], cause: serviceError(10), transactionId: 'tx1' });
    const mapped = toHttpError(err);
    expect(mapped).toMatchObject({ statusCode: status, code, message });
    expect(mapped.message).not.toMatch(/chaincode response/);
  });

  it('takes the code from an evaluate error whose only text is the gRPC message', () => {
    const text = 'evaluate call to endorser returned error: chaincode response 500, FORBIDDEN: only the utility may do this';
    const err = new GatewayError({ code: GrpcStatus.UNKNOWN, details: [], cause: serviceError(2), message: `2 UNKNOWN: ${text}` });
    expect(toHttpError(err)).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', message: 'only the utility may do this' });
    expect(parseChaincodeMessage(`2 UNKNOWN: ${text}`)).toEqual({ code: 'FORBIDDEN', message: 'only the utility may do this' });
  });

  it('keeps an unknown chaincode failure a 502 whose message has no Fabric prefix', () => {
    const err = new EndorseError({ code: GrpcStatus.ABORTED, details: [{ address: 'p', mspId: 'UtilityMSP', message: 'chaincode response 500, TypeError: x is undefined' }], cause: serviceError(10), transactionId: 't' });
    expect(toHttpError(err)).toMatchObject({ statusCode: 502, code: 'LEDGER_ERROR', message: 'the ledger refused the request: TypeError: x is undefined' });
  });

  it('maps an unreachable ledger to 503', () => {
    const err = new GatewayError({ code: GrpcStatus.UNAVAILABLE, details: [], cause: serviceError(14) });
    expect(toHttpError(err)).toMatchObject({ statusCode: 503, code: 'LEDGER_UNAVAILABLE' });
    expect(toHttpError(new GatewayError({ code: GrpcStatus.DEADLINE_EXCEEDED, details: [], cause: serviceError(4) }))).toMatchObject({ statusCode: 503 });
  });

  it('maps a submit that may have reached the orderer to COMMIT_UNKNOWN naming the transaction', () => {
    for (const code of [GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.UNAVAILABLE]) {
      const err = new SubmitError({ code, details: [], cause: serviceError(code), transactionId: 'tx-lost' });
      expect(toHttpError(err)).toMatchObject({
        statusCode: 504,
        code: 'COMMIT_UNKNOWN',
        message: 'transaction tx-lost was submitted but its commit could not be confirmed; check before retrying',
      });
    }
    // Refused by the orderer: not submitted, so not unknown.
    expect(toHttpError(new SubmitError({ code: GrpcStatus.ABORTED, details: [], cause: serviceError(10), transactionId: 't' }))).toMatchObject({ statusCode: 502 });
  });

  it('maps exhausted conflicts to 409 and other invalid commits to 502', () => {
    expect(toHttpError(new CommitError({ code: StatusCode.MVCC_READ_CONFLICT, transactionId: 't' }))).toMatchObject({ statusCode: 409, code: 'CONFLICT' });
    expect(toHttpError(new CommitError({ code: StatusCode.ENDORSEMENT_POLICY_FAILURE, transactionId: 't' }))).toMatchObject({ statusCode: 502 });
  });

  it('ignores codes it does not know', () => {
    expect(parseChaincodeMessage('SOMETHING: else')).toBeUndefined();
    expect(toHttpError(new Error('boom'))).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
  });
});

describe('market config mapping', () => {
  it('shows kBps as a fraction and converts back exactly', () => {
    expect(fromChaincode({ kBps: 5000 } as never)).toMatchObject({ k: 0.5 });
    expect(toChaincode({ k: 0.1234 })).toEqual({ kBps: 1234 });
    expect(toChaincode({ k: 0.3, mechanism: 'sdr' })).toEqual({ kBps: 3000, mechanism: 'sdr' });
    expect(() => toChaincode({ k: 0.12345 })).toThrow(/4 decimals/);
  });
});

const event = (block: number, index: number, type = 'OrderPlaced', payload: Record<string, unknown> = {}): LedgerEvent => ({ block: BigInt(block), index, type, txId: `tx${block}.${index}`, payload });

describe('event hub', () => {
  it('keeps a bounded memory and knows which cursors it can resume from', () => {
    const hub = new EventHub(3);
    hub.startAt({ block: 5n, index: 0 });
    const seen: string[] = [];
    hub.subscribe((e) => seen.push(e.txId));
    for (const [b, i] of [[5, 0], [5, 1], [6, 0], [7, 0]] as const) hub.publish(event(b, i));
    expect(seen).toHaveLength(4);
    expect(hub.size).toBe(3);
    expect(hub.covers({ block: 5n, index: 0 })).toBe(true);
    expect(hub.covers({ block: 4n, index: 9 })).toBe(false);
    expect(hub.after({ block: 5n, index: 1 }).map((e) => e.txId)).toEqual(['tx6.0', 'tx7.0']);
  });

  it('parses cursors strictly', () => {
    expect(parseCursor('12:3')).toEqual({ block: 12n, index: 3 });
    for (const bad of ['', '12', '12:', ':3', '1:2:3', '-1:0', 'a:b', '1:2 ']) expect(parseCursor(bad)).toBeUndefined();
  });
});

describe('event visibility', () => {
  const directory = { retailerOf: async (id: string) => (id === 'h-1' ? 'RetailerMSP' : 'OtherMSP') } as unknown as HouseholdDirectory;
  const household = { userId: 'u', mspId: 'RetailerMSP', role: 'household' as const, householdId: 'h-1' };
  const retailer = { userId: 'r', mspId: 'RetailerMSP', role: 'retailer-admin' as const };
  const utility = { userId: 'x', mspId: 'UtilityMSP', role: 'utility-admin' as const };

  it('shows households their own events and market-wide ones only', async () => {
    expect(await isVisible(household, event(1, 0, 'OrderPlaced', { householdId: 'h-1' }), directory)).toBe(true);
    expect(await isVisible(household, event(1, 0, 'OrderPlaced', { householdId: 'h-2' }), directory)).toBe(false);
    expect(await isVisible(household, event(1, 0, 'IntervalCleared', { interval: 'i' }), directory)).toBe(true);
    expect(await isVisible(household, event(1, 0, 'MeterRegistered', { meterId: 'm' }), directory)).toBe(false);
  });

  it('shows retailers their customers and the utility everything', async () => {
    expect(await isVisible(retailer, event(1, 0, 'Deposited', { householdId: 'h-1' }), directory)).toBe(true);
    expect(await isVisible(retailer, event(1, 0, 'Deposited', { householdId: 'h-2' }), directory)).toBe(false);
    expect(await isVisible(utility, event(1, 0, 'Deposited', { householdId: 'h-2' }), directory)).toBe(true);
  });
});

describe('events as a household member sees them', () => {
  const directory = { metersOf: async (id: string) => new Set(id === 'h-1' ? ['m-1a', 'm-1b'] : ['m-2']) } as unknown as HouseholdDirectory;
  const household = { userId: 'u', mspId: 'RetailerMSP', role: 'household' as const, householdId: 'h-1' };
  const retailer = { userId: 'r', mspId: 'RetailerMSP', role: 'retailer-admin' as const };
  const settled = event(3, 0, 'IntervalSettled', { interval: 'i', householdIds: ['h-1', 'h-2'], missingReadings: ['m-1b', 'm-2'], moneyMoved: 10 });

  it('keeps only its own household and meters in market-wide events', async () => {
    expect((await asSeenBy(household, settled, directory)).payload).toEqual({ interval: 'i', householdIds: ['h-1'], missingReadings: ['m-1b'], moneyMoved: 10 });
    const cleared = event(3, 1, 'IntervalCleared', { interval: 'i', householdIds: ['h-2', 'h-3'], clearingPrice: 1500 });
    expect((await asSeenBy(household, cleared, directory)).payload).toEqual({ interval: 'i', householdIds: [], clearingPrice: 1500 });
    // The event in the hub is shared by every stream: it is left as it was.
    expect(settled.payload.householdIds).toEqual(['h-1', 'h-2']);
  });

  it('shows staff the events as they are', async () => {
    expect(await asSeenBy(retailer, settled, directory)).toBe(settled);
  });
});

describe('interval names', () => {
  it('are UTC starts with seconds and Z', () => {
    expect(intervalName(Date.UTC(2026, 10, 21, 10, 15))).toBe('2026-11-21T10:15:00Z');
  });
});

describe('audit range', () => {
  it('counts the intervals of an inclusive range', () => {
    expect(intervalsBetween('2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 900)).toBe(1);
    expect(intervalsBetween('2030-01-01T00:00:00Z', '2030-01-01T23:45:00Z', 900)).toBe(96);
    expect(intervalsBetween('2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z', 3600)).toBe(25);
  });

  it('refuses a reversed range or an impossible date with INVALID_ARGUMENT', () => {
    expect(() => intervalsBetween('2030-01-02T00:00:00Z', '2030-01-01T00:00:00Z', 900)).toThrow(expect.objectContaining({ statusCode: 400, code: 'INVALID_ARGUMENT' }));
    expect(() => intervalsBetween('2030-13-01T00:00:00Z', '2030-01-01T00:00:00Z', 900)).toThrow(/from 2030-13-01T00:00:00Z is not a real UTC time/);
  });

  it('refuses days a month does not have and intervals off the market grid, from and to alike', () => {
    expect(() => intervalsBetween('2026-02-30T00:00:00Z', '2026-03-01T00:00:00Z', 900)).toThrow('from 2026-02-30T00:00:00Z is not a real UTC time');
    expect(() => intervalsBetween('2026-02-28T00:00:00Z', '2026-02-29T00:00:00Z', 900)).toThrow('to 2026-02-29T00:00:00Z is not a real UTC time');
    expect(() => intervalsBetween('2026-11-21T14:07:00Z', '2026-11-21T15:00:00Z', 900)).toThrow(
      expect.objectContaining({ statusCode: 400, code: 'INVALID_ARGUMENT', message: 'from 2026-11-21T14:07:00Z is not the start of a 900-second interval' }),
    );
    expect(() => intervalsBetween('2026-11-21T14:00:00Z', '2026-11-21T14:30:00Z', 3600)).toThrow(/to 2026-11-21T14:30:00Z is not the start of a 3600-second interval/);
    expect(intervalsBetween('2028-02-29T00:00:00Z', '2028-02-29T01:00:00Z', 900)).toBe(5);
  });
});

describe('conflict retry metrics', () => {
  /** A Ledger over a contract whose commits fail with the given codes, then succeed. */
  function ledgerFailingWith(codes: number[], metrics: GatewayMetrics): Ledger {
    let attempt = 0;
    const contract = {
      submitAsync: async () => {
        const code = codes[attempt++] ?? StatusCode.VALID;
        return {
          getTransactionId: () => `tx${attempt}`,
          getStatus: async () => ({ successful: code === StatusCode.VALID, code, transactionId: `tx${attempt}`, blockNumber: BigInt(attempt) }),
          getResult: () => new TextEncoder().encode('{"ok":true}'),
          getBytes: () => new Uint8Array(),
        };
      },
    };
    const gateway = { getNetwork: () => ({ getContract: () => contract }) };
    const connections = {
      profile: { channel: 'energy', chaincode: 'gridshare' },
      gatewayFor: async () => gateway,
      otherPeersFor: async () => [],
      ownPeerWatcherFor: async () => undefined,
    } as unknown as FabricConnections;
    return new Ledger(connections, metrics, { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2, commitStatusPolls: 0, commitWaitMs: 1_000 });
  }

  it('counts MVCC and phantom read conflicts under their own code', async () => {
    const metrics = new GatewayMetrics();
    const ledger = ledgerFailingWith([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT], metrics);
    await expect(ledger.submit('u', 'market', 'ClearInterval', { args: ['2030-01-01T00:00:00Z'] })).resolves.toEqual({ ok: true });
    const text = await metrics.registry.metrics();
    expect(text).toContain('gridshare_fabric_conflict_retries_total{transaction="market:ClearInterval",code="MVCC_READ_CONFLICT"} 1');
    expect(text).toContain('gridshare_fabric_conflict_retries_total{transaction="market:ClearInterval",code="PHANTOM_READ_CONFLICT"} 2');
  });

  it('does not retry other validation codes', async () => {
    const metrics = new GatewayMetrics();
    const ledger = ledgerFailingWith([StatusCode.ENDORSEMENT_POLICY_FAILURE], metrics);
    await expect(ledger.submit('u', 'money', 'Deposit')).rejects.toMatchObject({ statusCode: 502, code: 'TRANSACTION_INVALID' });
    expect(await metrics.registry.metrics()).not.toMatch(/gridshare_fabric_conflict_retries_total\{/);
  });
});

describe('commit status from the commit watchers', () => {
  /**
   * A Ledger whose own peer's watcher reports each attempt with the given codes and whose other
   * peer's watcher cannot vouch; fabric-gateway's CommitStatus is only asked where a watcher cannot answer.
   */
  function ledgerWithWatchers(codes: number[]) {
    let attempt = 0;
    const asked = { own: 0, other: 0 };
    const contract = {
      submitAsync: async () => {
        const txId = `tx${attempt++}`;
        return {
          getTransactionId: () => txId,
          getStatus: async () => {
            asked.own++;
            throw new Error('own CommitStatus asked although the watcher vouched');
          },
          getResult: () => new TextEncoder().encode('{"ok":true}'),
          getBytes: () => new Uint8Array(),
        };
      },
    };
    const gateway = { getNetwork: () => ({ getContract: () => contract }) };
    const otherGateway = {
      newCommit: () => ({
        getStatus: async () => {
          asked.other++;
          return { successful: true, code: StatusCode.VALID, transactionId: 'x', blockNumber: 1n };
        },
      }),
    };
    const ownWatcher = { committed: async (txId: string) => ({ code: codes[Number(txId.slice(2))] ?? StatusCode.VALID, blockNumber: 5n }) };
    const otherWatcher = { committed: async () => undefined };
    const connections = {
      profile: { channel: 'energy', chaincode: 'gridshare' },
      gatewayFor: async () => gateway,
      otherPeersFor: async () => [{ mspId: 'UtilityMSP', gateway: otherGateway, watcher: otherWatcher }],
      ownPeerWatcherFor: async () => ownWatcher,
    } as unknown as FabricConnections;
    const metrics = new GatewayMetrics();
    return { ledger: new Ledger(connections, metrics, { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2, commitStatusPolls: 0, commitWaitMs: 1_000 }), asked, metrics };
  }

  it('retries a conflict the own peer watcher reports, and asks the other peer only when its watcher cannot vouch', async () => {
    const { ledger, asked, metrics } = ledgerWithWatchers([StatusCode.MVCC_READ_CONFLICT]);
    await expect(ledger.submit('u', 'market', 'PlaceOrder', { args: ['{}'] })).resolves.toEqual({ ok: true });
    expect(asked.own).toBe(0);
    expect(asked.other).toBe(2); // each attempt asks alongside its own peer
    expect(await metrics.registry.metrics()).toContain('gridshare_fabric_conflict_retries_total{transaction="market:PlaceOrder",code="MVCC_READ_CONFLICT"} 1');
  });

  it('maps an invalid code from the watcher like a CommitStatus one', async () => {
    const { ledger } = ledgerWithWatchers([StatusCode.ENDORSEMENT_POLICY_FAILURE]);
    await expect(ledger.submit('u', 'money', 'Deposit')).rejects.toMatchObject({ statusCode: 502, code: 'TRANSACTION_INVALID' });
  });
});

describe('commit outcome after the own peer answered, within one commit-wait budget', () => {
  const deadlineExceeded = (txId: string) =>
    new CommitStatusError({ code: GrpcStatus.DEADLINE_EXCEEDED, details: [], cause: serviceError(GrpcStatus.DEADLINE_EXCEEDED), transactionId: txId });
  const unavailable = (txId: string) =>
    new CommitStatusError({ code: GrpcStatus.UNAVAILABLE, details: [], cause: serviceError(GrpcStatus.UNAVAILABLE), transactionId: txId });
  /** A CommitStatus that never answers: it fails when its deadline passes, as gRPC would. */
  const hangsUntilDeadline = (txId: string, deadlines: number[]) => async (options?: { deadline?: number | Date }) => {
    const deadline = Number(options?.deadline ?? Date.now() + 60_000);
    deadlines.push(deadline - Date.now());
    await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())));
    throw deadlineExceeded(txId);
  };
  /** A watcher that cannot vouch: it waits as long as it is allowed, then leaves it to the peer. */
  const silentWatcher = (waits: number[]) => ({
    committed: async (_txId: string, _submittedAt: number, waitMs = 60_000) => {
      waits.push(waitMs);
      await new Promise((r) => setTimeout(r, waitMs));
      return undefined;
    },
  });

  function ledgerWith(options: {
    ownWatcher: unknown;
    ownStatus?: (options?: { deadline?: number | Date }) => Promise<unknown>;
    otherWatcher?: unknown;
    otherStatus?: (options?: { deadline?: number | Date }) => Promise<unknown>;
    commitWaitMs: number;
    polls: number;
  }) {
    const contract = {
      submitAsync: async () => ({
        getTransactionId: () => 'tx-1',
        getStatus: options.ownStatus ?? (async () => ({ successful: true, code: StatusCode.VALID, transactionId: 'tx-1', blockNumber: 1n })),
        getResult: () => new TextEncoder().encode('{"ok":true}'),
        getBytes: () => new Uint8Array(),
      }),
    };
    const gateway = { getNetwork: () => ({ getContract: () => contract }) };
    const others = options.otherStatus
      ? [{ mspId: 'UtilityMSP', gateway: { newCommit: () => ({ getStatus: options.otherStatus }) }, watcher: options.otherWatcher }]
      : [];
    const connections = {
      profile: { channel: 'energy', chaincode: 'gridshare' },
      gatewayFor: async () => gateway,
      otherPeersFor: async () => others,
      ownPeerWatcherFor: async () => options.ownWatcher,
    } as unknown as FabricConnections;
    const metrics = new GatewayMetrics();
    const warnings: Array<{ details: object; message: string }> = [];
    const log = { warn: (details: object, message: string) => warnings.push({ details, message }) };
    const ledger = new Ledger(connections, metrics, { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, commitStatusPolls: options.polls, commitWaitMs: options.commitWaitMs }, log);
    return { ledger, metrics, warnings };
  }

  it('reports success when the own peer says VALID although another organization\'s peer cannot confirm', async () => {
    const { ledger, metrics, warnings } = ledgerWith({
      ownWatcher: { committed: async () => ({ code: StatusCode.VALID, blockNumber: 3n }) },
      otherWatcher: { committed: async () => undefined },
      otherStatus: async () => {
        throw unavailable('tx-1');
      },
      commitWaitMs: 1_000,
      polls: 2,
    });
    await expect(ledger.submit('u', 'households', 'OnboardHousehold', { args: ['{}'] })).resolves.toEqual({ ok: true });
    expect(warnings).toEqual([expect.objectContaining({ details: expect.objectContaining({ txId: 'tx-1', peer: 'UtilityMSP' }) })]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('gridshare_fabric_peer_commit_unconfirmed_total{transaction="households:OnboardHousehold",peer="UtilityMSP"} 1');
    expect(text).toContain('gridshare_fabric_transactions_total{kind="submit",transaction="households:OnboardHousehold",outcome="ok"} 1');
  });

  it('does not wait past the budget for a silent other peer once the own peer said VALID', async () => {
    const otherDeadlines: number[] = [];
    const { ledger, warnings } = ledgerWith({
      ownWatcher: { committed: async () => ({ code: StatusCode.VALID, blockNumber: 3n }) },
      otherWatcher: silentWatcher([]),
      otherStatus: hangsUntilDeadline('tx-1', otherDeadlines),
      commitWaitMs: 300,
      polls: 2,
    });
    const started = Date.now();
    await expect(ledger.submit('u', 'money', 'Deposit')).resolves.toEqual({ ok: true });
    expect(Date.now() - started).toBeLessThan(600);
    expect(warnings).toHaveLength(1);
  });

  it('answers COMMIT_UNKNOWN with the transaction ID when the own commit status stays unknown after the re-polls', async () => {
    const { ledger, metrics } = ledgerWith({
      ownWatcher: undefined,
      ownStatus: async () => {
        throw deadlineExceeded('tx-1');
      },
      commitWaitMs: 1_000,
      polls: 2,
    });
    await expect(ledger.submit('u', 'households', 'AddMember', { args: ['{}'] })).rejects.toMatchObject({
      statusCode: 504,
      code: 'COMMIT_UNKNOWN',
      message: 'transaction tx-1 was submitted but its commit could not be confirmed; check before retrying',
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('gridshare_fabric_commit_status_repolls_total{transaction="households:AddMember"} 2');
    expect(text).toContain('gridshare_fabric_transactions_total{kind="submit",transaction="households:AddMember",outcome="commit_unknown"} 1');
  });

  it('answers COMMIT_UNKNOWN, not "try again", when the own peer cannot be asked at all', async () => {
    const { ledger } = ledgerWith({
      ownWatcher: undefined,
      ownStatus: async () => {
        throw unavailable('tx-1');
      },
      commitWaitMs: 1_000,
      polls: 2,
    });
    await expect(ledger.submit('u', 'money', 'Deposit')).rejects.toMatchObject({ statusCode: 504, code: 'COMMIT_UNKNOWN' });
  });

  it('shares one budget between the watcher wait and the CommitStatus re-polls', async () => {
    const watcherWaits: number[] = [];
    const statusDeadlines: number[] = [];
    const { ledger, metrics } = ledgerWith({
      ownWatcher: silentWatcher(watcherWaits),
      ownStatus: hangsUntilDeadline('tx-1', statusDeadlines),
      commitWaitMs: 400,
      polls: 3,
    });
    const started = Date.now();
    await expect(ledger.submit('u', 'money', 'Deposit')).rejects.toMatchObject({ code: 'COMMIT_UNKNOWN', message: expect.stringContaining('tx-1') });
    const elapsed = Date.now() - started;
    // The whole attempt took the budget (400 ms), not the watcher's wait plus (1 + polls) deadlines.
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(650);
    expect(watcherWaits).toEqual([100]); // one share of 400 / (1 + 3)
    // The remaining ~300 ms: requests of at most one share each (timers may leave a last sliver).
    expect(statusDeadlines.length).toBeGreaterThanOrEqual(3);
    expect(statusDeadlines.length).toBeLessThanOrEqual(4);
    for (const d of statusDeadlines) expect(d).toBeLessThanOrEqual(100);
    expect(watcherWaits[0]! + statusDeadlines.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(405);
    expect(await metrics.registry.metrics()).toContain(`gridshare_fabric_commit_status_repolls_total{transaction="money:Deposit"} ${statusDeadlines.length - 1}`);
  });
});

describe('other peers confirming before the user\'s next request', () => {
  /**
   * A Ledger whose own peer says VALID at once and whose other peer confirms only when `confirm()`
   * is called; `calls` records every proposal the chaincode receives, in order.
   */
  function ledgerWithSlowOtherPeer() {
    let confirm!: () => void;
    const otherConfirmed = new Promise<void>((resolve) => (confirm = resolve));
    const calls: string[] = [];
    const contract = {
      submitAsync: async (transaction: string) => {
        calls.push(`submit ${transaction}`);
        return {
          getTransactionId: () => 'tx-1',
          getResult: () => new TextEncoder().encode('{"ok":true}'),
          getBytes: () => new Uint8Array(),
        };
      },
      newProposal: (transaction: string) => ({
        evaluate: async () => {
          calls.push(`evaluate ${transaction}`);
          return new TextEncoder().encode('{"read":true}');
        },
      }),
    };
    const gateway = { getNetwork: () => ({ getContract: () => contract }) };
    const otherWatcher = {
      committed: async () => {
        await otherConfirmed;
        return { code: StatusCode.VALID, blockNumber: 3n };
      },
    };
    const connections = {
      profile: { channel: 'energy', chaincode: 'gridshare' },
      gatewayFor: async () => gateway,
      otherPeersFor: async () => [{ mspId: 'UtilityMSP', gateway: {}, watcher: otherWatcher }],
      ownPeerWatcherFor: async () => ({ committed: async () => ({ code: StatusCode.VALID, blockNumber: 3n }) }),
    } as unknown as FabricConnections;
    const ledger = new Ledger(connections, new GatewayMetrics(), { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, commitStatusPolls: 0, commitWaitMs: 5_000 });
    return { ledger, calls, confirm };
  }
  const settled = async <T>(promise: Promise<T>): Promise<boolean> => {
    let done = false;
    void promise.then(() => (done = true), () => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    return done;
  };

  it('answers once the own peer says VALID and holds only that user\'s next request until the other peers confirm', async () => {
    const { ledger, calls, confirm } = ledgerWithSlowOtherPeer();
    await expect(ledger.submit('alice', 'market', 'PlaceOrder', { args: ['{}'] }, { otherPeers: 'before-next-request' })).resolves.toEqual({ ok: true });
    const alicesNext = ledger.evaluate('alice', 'market', 'ListOrders', { args: ['{}'] });
    const bobsRead = ledger.evaluate('bob', 'market', 'ListOrders', { args: ['{}'] });
    expect(await settled(bobsRead)).toBe(true);
    expect(await settled(alicesNext)).toBe(false);
    expect(calls).toEqual(['submit PlaceOrder', 'evaluate ListOrders']);
    confirm();
    await expect(alicesNext).resolves.toEqual({ read: true });
    expect(calls).toEqual(['submit PlaceOrder', 'evaluate ListOrders', 'evaluate ListOrders']);
  });

  it('waits for the other peers before answering by default', async () => {
    const { ledger, confirm } = ledgerWithSlowOtherPeer();
    const deposit = ledger.submit('alice', 'money', 'Deposit', { args: ['{}'] });
    expect(await settled(deposit)).toBe(false);
    confirm();
    await expect(deposit).resolves.toEqual({ ok: true });
  });
});

describe('endorsing peers that answer differently', () => {
  const mismatch = () =>
    new EndorseError({
      code: GrpcStatus.ABORTED,
      details: [{ address: 'peer0.utility:7051', mspId: 'UtilityMSP', message: 'ProposalResponsePayloads do not match' }],
      cause: serviceError(GrpcStatus.ABORTED),
      transactionId: 'tx-m',
    });

  function ledgerMismatching(times: number, metrics: GatewayMetrics) {
    let attempts = 0;
    const contract = {
      submitAsync: async () => {
        if (attempts++ < times) throw mismatch();
        return {
          getTransactionId: () => 'tx-ok',
          getStatus: async () => ({ successful: true, code: StatusCode.VALID, transactionId: 'tx-ok', blockNumber: 1n }),
          getResult: () => new TextEncoder().encode('{"ok":true}'),
          getBytes: () => new Uint8Array(),
        };
      },
    };
    const connections = {
      profile: { channel: 'energy', chaincode: 'gridshare' },
      gatewayFor: async () => ({ getNetwork: () => ({ getContract: () => contract }) }),
      otherPeersFor: async () => [],
      ownPeerWatcherFor: async () => undefined,
    } as unknown as FabricConnections;
    const ledger = new Ledger(connections, metrics, { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, commitStatusPolls: 0, commitWaitMs: 1_000 });
    return { ledger, attempts: () => attempts };
  }

  it('endorses again, as a new transaction, and counts the retry', async () => {
    const metrics = new GatewayMetrics();
    const { ledger, attempts } = ledgerMismatching(2, metrics);
    await expect(ledger.submit('u', 'market', 'CancelOrder', { args: ['o-1'] })).resolves.toEqual({ ok: true });
    expect(attempts()).toBe(3);
    expect(await metrics.registry.metrics()).toContain('gridshare_fabric_conflict_retries_total{transaction="market:CancelOrder",code="ENDORSEMENT_MISMATCH"} 2');
  });

  it('gives up after the last attempt with the peers\' disagreement as a 502', async () => {
    const { ledger, attempts } = ledgerMismatching(10, new GatewayMetrics());
    await expect(ledger.submit('u', 'market', 'CancelOrder', { args: ['o-1'] })).rejects.toMatchObject({
      statusCode: 502,
      code: 'LEDGER_ERROR',
      message: expect.stringContaining('ProposalResponsePayloads do not match'),
    });
    expect(attempts()).toBe(3);
  });
});

describe('bootstrap while the peer is down', () => {
  /** Staff already in the store and no CA: bootstrap only has the consortium check left. */
  function depsWith(evaluate: () => Promise<unknown>) {
    const submitted: unknown[] = [];
    const warnings: unknown[] = [];
    const log = { info: () => undefined, warn: (details: unknown) => warnings.push(details), error: () => undefined };
    const deps = {
      identities: { get: async (userId: string) => ({ userId }) },
      enroller: {},
      ledger: {
        evaluate,
        submit: async (...args: unknown[]) => {
          submitted.push(args);
          return undefined;
        },
      },
      profile: {
        roles: { utility: 'UtilityMSP', retailers: ['RetailerMSP'], auditors: [] },
        organizations: { UtilityMSP: { mspId: 'UtilityMSP' }, RetailerMSP: { mspId: 'RetailerMSP' } },
      },
      initialMarket: {},
      log,
      ledgerRetry: { baseDelayMs: 5, maxDelayMs: 10 },
    } as unknown as BootstrapDeps;
    return { deps, submitted, warnings };
  }
  const unavailable = () => new HttpError(503, 'LEDGER_UNAVAILABLE', 'the ledger is not reachable; try again');

  it('starts anyway and initialises the consortium in the background once the peer answers', async () => {
    let asked = 0;
    const { deps, submitted, warnings } = depsWith(async () => {
      asked++;
      if (asked <= 3) throw unavailable();
      throw new HttpError(409, 'NOT_INITIALISED', 'consortium not initialised');
    });
    const check = await bootstrap(deps);
    expect(asked).toBe(1);
    expect(submitted).toHaveLength(0);
    await check.done;
    expect(asked).toBe(4);
    expect(submitted).toEqual([[expect.any(String), 'consortium', 'Init', expect.anything()]]);
    expect(warnings.length).toBeGreaterThanOrEqual(3);
  });

  it('stops checking on shutdown', async () => {
    let asked = 0;
    const { deps } = depsWith(async () => {
      asked++;
      throw unavailable();
    });
    const check = await bootstrap(deps);
    check.stop();
    await check.done;
    const after = asked;
    await new Promise((r) => setTimeout(r, 40));
    expect(asked).toBe(after);
  });

  it('still fails at start for an answer retrying cannot change', async () => {
    const { deps } = depsWith(async () => {
      throw new HttpError(403, 'FORBIDDEN', 'not a consortium member');
    });
    await expect(bootstrap(deps)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('start-up banner', () => {
  it('names the API, the docs and the ledger with its peer endpoints', () => {
    const config = loadConfig({ GRIDSHARE_NETWORK: networkFile, GRIDSHARE_DATA_DIR: path.join(dir, 'ids'), HOST: '0.0.0.0' });
    const [urls, ledger, log] = startupBanner(config, 3100);
    expect(urls).toContain('API http://localhost:3100/v1');
    expect(urls).toContain('Swagger UI http://localhost:3100/docs');
    expect(ledger).toMatch(/^ledger: devledger "t" channel energy, chaincode gridshare; peers UtilityMSP@127\.0\.0\.1:1, RetailerMSP@127\.0\.0\.1:1; dev login on/);
    expect(log).toContain('JSON lines on stdout at level info');
  });
});
