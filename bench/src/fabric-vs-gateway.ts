/**
 * Order placement through the gateway app's HTTP API against the same transaction submitted
 * directly through fabric-gateway, on ONE real Fabric network (native scripts), at 32 and 128
 * requests in flight, each from a distinct household; the ratio of the two, and the MVCC/phantom
 * conflict counts.
 *
 *   node bench/dist/fabric-vs-gateway.js [--orders 2000] [--households 256] [--ledger fabric|dev]
 *
 * The baseline is `market:PlaceOrder` submitted straight through @hyperledger/fabric-gateway as
 * the household's own identity (the chaincode has no trivial single-key write transaction), so the
 * ratio isolates what the gateway app adds: HTTP, auth, validation, identity lookup, retries.
 * Without the Fabric binaries (FABRIC_BIN or PATH: peer, orderer, configtxgen, osnadmin) it prints
 * one SKIP line and writes a skipped result. `--ledger dev` runs the same comparison on the dev
 * ledger (labelled as such; not a figure for real Fabric).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommitError, StatusCode } from '@hyperledger/fabric-gateway';
import { ApiClient } from './core/api-client';
import { startAppProcess, type AppProcess } from './core/app-process';
import { parseArgs, UsageError } from './core/args';
import { findFabricBinaries, startNativeNetwork, type NativeNetwork } from './core/fabric-network';
import { DEFAULT_START, intervalName } from './core/intervals';
import { mapPool } from './core/pool';
import { diffCounters, ledgerCounters, parsePrometheus, type LedgerCounters } from './core/prometheus';
import { fmt, percentile, table, writeResult } from './core/report-io';
import { directContracts, type DirectContracts } from './core/direct';
import { MissingPieceError, onInterrupt, startLocalStack, type LocalStack } from './core/stack';
import { planNeighbourhood, type SimHousehold } from './neighbourhood/model';
import { onboardNeighbourhood, staffLogin, type MarketConfig } from './neighbourhood/onboard';

const RESULT = 'fabric-vs-gateway';
const IN_FLIGHT = [32, 128] as const;

interface PhaseResult {
  path: 'fabric-gateway direct' | 'gateway app HTTP';
  inFlight: number;
  orders: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Attempts that failed MVCC/phantom validation (direct: seen by this client; app: from /metrics). */
  mvccConflicts: number | null;
  phantomConflicts: number | null;
  conflicts: number;
  failed: number;
}

function orderFor(h: SimHousehold, config: MarketConfig, interval: string, i: number) {
  return {
    householdId: h.householdId,
    side: 'buy' as const,
    interval,
    energyWh: 100 + (i % 400),
    limitPrice: config.feedInTariff + ((i * 37) % (config.retailTariff - config.feedInTariff)),
  };
}

async function directPhase(
  direct: DirectContracts,
  households: SimHousehold[],
  config: MarketConfig,
  interval: string,
  orders: number,
  inFlight: number,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let mvcc = 0;
  let phantom = 0;
  let failed = 0;
  const started = performance.now();
  await mapPool(Array.from({ length: orders }, (_, i) => i), inFlight, async (i) => {
    const h = households[i % households.length] as SimHousehold;
    const contract = await direct.contractFor(h.ownerUserId);
    const args = JSON.stringify({ ...orderFor(h, config, interval, i), idempotencyKey: `direct:${interval}:${i}` });
    for (let attempt = 0; attempt < 5; attempt++) {
      const t = performance.now();
      try {
        await contract.submitTransaction('PlaceOrder', args);
        latencies.push(performance.now() - t);
        return;
      } catch (err) {
        if (err instanceof CommitError && err.code === StatusCode.MVCC_READ_CONFLICT) mvcc++;
        else if (err instanceof CommitError && err.code === StatusCode.PHANTOM_READ_CONFLICT) phantom++;
        else {
          failed++;
          return;
        }
      }
    }
    failed++;
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    path: 'fabric-gateway direct',
    inFlight,
    orders,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    mvccConflicts: mvcc,
    phantomConflicts: phantom,
    conflicts: mvcc + phantom,
    failed,
  };
}

async function metricsSnapshot(api: ApiClient): Promise<LedgerCounters | null> {
  try {
    return ledgerCounters(parsePrometheus(await api.getText('/metrics')));
  } catch {
    return null;
  }
}

async function appPhase(api: ApiClient, households: SimHousehold[], config: MarketConfig, interval: string, orders: number, inFlight: number): Promise<PhaseResult> {
  const client = new ApiClient(api.baseUrl, { maxRetries: 5 });
  const before = await metricsSnapshot(api);
  let failed = 0;
  const started = performance.now();
  await mapPool(Array.from({ length: orders }, (_, i) => i), inFlight, async (i) => {
    const h = households[i % households.length] as SimHousehold;
    try {
      await client.post('/v1/orders', orderFor(h, config, interval, i), { token: h.token, idempotencyKey: `app:${interval}:${i}` });
    } catch {
      failed++;
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const after = await metricsSnapshot(api);
  const ledger = before && after ? diffCounters(before, after) : null;
  const placeOrderConflicts = ledger ? (ledger.byTransaction['market:PlaceOrder'] ?? 0) : 0;
  return {
    path: 'gateway app HTTP',
    inFlight,
    orders,
    seconds,
    perSecond: (orders - failed) / seconds,
    p50Ms: percentile(client.stats.latenciesMs, 50),
    p99Ms: percentile(client.stats.latenciesMs, 99),
    // The app counts conflicts per transaction, not per validation code.
    mvccConflicts: null,
    phantomConflicts: null,
    conflicts: placeOrderConflicts + client.stats.conflicts,
    failed,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { orders: 'number', households: 'number', ledger: 'string' });
  const ledgerKind = (args.ledger as string | undefined) ?? 'fabric';
  if (ledgerKind !== 'fabric' && ledgerKind !== 'dev') throw new UsageError('--ledger must be fabric or dev');
  const orders = (args.orders as number | undefined) ?? 2000;
  const householdCount = Math.max((args.households as number | undefined) ?? 256, Math.max(...IN_FLIGHT));
  const log = (line: string): void => console.log(line);
  const resultName = ledgerKind === 'fabric' ? RESULT : `${RESULT}.devledger`;

  if (ledgerKind === 'fabric') {
    const found = findFabricBinaries();
    if (found.missing.length > 0) {
      const reason = `Fabric binaries not found (set FABRIC_BIN); missing: ${found.missing.join(', ')}`;
      console.log('SKIP real-network benchmark: Fabric binaries not found (set FABRIC_BIN)');
      const file = writeResult(resultName, { skipped: true, reason });
      console.log(`result: ${file}`);
      return;
    }
    log(`Fabric binaries in ${found.dir}`);
  }

  let network: NativeNetwork | null = null;
  let app: AppProcess | null = null;
  let stack: LocalStack | null = null;
  let appDir: string | null = null;
  let direct: DirectContracts | null = null;
  const cleanup = async (): Promise<void> => {
    await direct?.close().catch(() => undefined);
    await app?.stop();
    await stack?.close();
    await network?.down();
    if (appDir) rmSync(appDir, { recursive: true, force: true });
  };
  const removeInterrupt = onInterrupt(cleanup);
  try {
    let baseUrl: string;
    let identityDir: string;
    let connectionFile: string;
    if (ledgerKind === 'fabric') {
      network = await startNativeNetwork(log);
      appDir = mkdtempSync(path.join(tmpdir(), 'gridshare-app-'));
      app = await startAppProcess({ ledger: 'fabric', connectionFile: network.connectionFile, dataDir: appDir, log });
      ({ baseUrl, identityDir } = app);
      connectionFile = network.connectionFile;
    } else {
      stack = await startLocalStack({ appMode: 'child', log: (l) => (l.startsWith('[app]') ? undefined : log(l)) });
      ({ baseUrl, identityDir, connectionFile } = stack);
    }
    const api = new ApiClient(baseUrl);
    const tokens = await staffLogin(api);
    const plan = planNeighbourhood({ seed: 7, households: householdCount, zones: 2, mechanism: 'pay-as-clear' });
    plan.depositPerHousehold = 1_000_000_000;
    log(`onboarding ${householdCount} households …`);
    const config = await onboardNeighbourhood(api, tokens, plan, 16, 'fvg', (d, t) => log(`  ${d}/${t}`));
    direct = directContracts(identityDir, connectionFile);

    // Warm both paths (gateways per identity, JIT) before measuring.
    log('warming up …');
    await directPhase(direct, plan.households, config, intervalName(DEFAULT_START, 0, 900), householdCount, 32);
    await appPhase(api, plan.households, config, intervalName(DEFAULT_START, 1, 900), householdCount, 32);

    const phases: PhaseResult[] = [];
    for (const [k, inFlight] of IN_FLIGHT.entries()) {
      log(`${inFlight} in flight: direct …`);
      phases.push(await directPhase(direct, plan.households, config, intervalName(DEFAULT_START, 2 + 2 * k, 900), orders, inFlight));
      log(`${inFlight} in flight: app …`);
      phases.push(await appPhase(api, plan.households, config, intervalName(DEFAULT_START, 3 + 2 * k, 900), orders, inFlight));
    }

    const ratios = IN_FLIGHT.map((inFlight) => {
      const base = phases.find((p) => p.inFlight === inFlight && p.path === 'fabric-gateway direct');
      const viaApp = phases.find((p) => p.inFlight === inFlight && p.path === 'gateway app HTTP');
      return { inFlight, ratio: base && viaApp ? viaApp.perSecond / base.perSecond : NaN };
    });
    const title = ledgerKind === 'fabric' ? 'real Fabric network (native scripts)' : 'DEV LEDGER stand-in (not a real Fabric figure)';
    console.log(`\nOrder placement: gateway app vs direct fabric-gateway — ${title}`);
    console.log(
      table(
        ['path', 'in flight', 'orders', 'tx/s', 'p50', 'p99', 'conflicts', 'failed'],
        phases.map((p) => [p.path, p.inFlight, p.orders, p.perSecond.toFixed(1), fmt.ms(p.p50Ms), fmt.ms(p.p99Ms), p.conflicts, p.failed]),
      ),
    );
    for (const r of ratios) console.log(`ratio app/direct at ${r.inFlight} in flight: ${r.ratio.toFixed(2)} (target ≥ 0.9)`);
    const file = writeResult(resultName, {
      ledger: ledgerKind,
      baseline: 'market:PlaceOrder submitted directly through @hyperledger/fabric-gateway as the household identity (the chaincode has no trivial single-key write)',
      households: householdCount,
      phases,
      ratios,
      targets: {
        ratioAtLeast0_9: ratios.every((r) => r.ratio >= 0.9),
        zeroConflictsBetweenDistinctHouseholds: phases.every((p) => p.conflicts === 0),
      },
    });
    console.log(`result: ${file}`);
  } finally {
    removeInterrupt();
    await cleanup();
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(err.message);
    process.exitCode = 2;
  } else if (err instanceof MissingPieceError) {
    console.error(`SKIP gateway-vs-direct benchmark: ${err.message}`);
    process.exitCode = 3;
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  }
});
