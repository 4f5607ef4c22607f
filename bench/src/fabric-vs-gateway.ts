/**
 * The limit of real Fabric against order placement through the gateway app, in ONE run on ONE
 * native network (test-network-scripts/native), at 32 and 128 requests in flight:
 *
 *   1. trivial write — `trivial:Put(key, value)` of a second, one-key chaincode
 *      (bench/fixtures/trivial-chaincode, deployed beside Gridshare on the same channel), submitted
 *      straight through @hyperledger/fabric-gateway: the baseline;
 *   2. `market:PlaceOrder` submitted straight through fabric-gateway (what the chaincode costs);
 *   3. `POST /v1/orders` through the gateway app's HTTP API (what the app adds).
 *
 * Every in-flight request comes from a distinct household, signing as itself with the app's own
 * identity store (the same OpenSSL signer), one Gateway per identity; the direct paths run in
 * this process, the app in one child process. Reported: tx/s, p50/p99, the ratio of order
 * placement to the trivial write (target ≥ 0.9), and MVCC/phantom conflicts.
 *
 *   node bench/dist/fabric-vs-gateway.js [--orders 2000] [--rounds 2] [--households 256] [--ledger fabric|dev]
 *
 * Each in-flight level runs `--rounds` rounds of the three paths, alternating their order; the
 * ratios are of the rates pooled over the rounds, and each round's own ratio is printed beside.
 *
 * Without the Fabric binaries (FABRIC_BIN or PATH: peer, orderer, configtxgen, osnadmin) it prints
 * one SKIP line and writes a skipped result. `--ledger dev` runs phases 2 and 3 on the dev ledger
 * (labelled as such; not a figure for real Fabric; no trivial chaincode there).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { CommitError, StatusCode, type Contract } from '@hyperledger/fabric-gateway';
import { ApiClient } from './core/api-client';
import { startAppProcess, type AppProcess } from './core/app-process';
import { parseArgs, UsageError } from './core/args';
import { findFabricBinaries, startNativeNetwork, type ExtraChaincode, type NativeNetwork } from './core/fabric-network';
import { DEFAULT_START, intervalName } from './core/intervals';
import { mapPool } from './core/pool';
import { diffCounters, ledgerCounters, parsePrometheus, type LedgerCounters } from './core/prometheus';
import { fmt, percentile, table, writeResult } from './core/report-io';
import { cpuSnapshot, cpuUsageSince, networkSources, type CpuSource } from './core/cpu-accounting';
import { pathOrder, poolRounds, type PhaseResult } from './core/rounds';
import { directContracts, type DirectContracts } from './core/direct';
import { REPO_ROOT } from './core/runtime';
import { MissingPieceError, onInterrupt, startLocalStack, type LocalStack } from './core/stack';
import { planNeighbourhood, type SimHousehold } from './neighbourhood/model';
import { onboardNeighbourhood, staffLogin, type MarketConfig } from './neighbourhood/onboard';

const RESULT = 'fabric-vs-gateway';
const IN_FLIGHT = [32, 128] as const;
const CONFLICT_ATTEMPTS = 5;

const TRIVIAL: ExtraChaincode = {
  name: 'trivial',
  dir: path.join(REPO_ROOT, 'bench', 'fixtures', 'trivial-chaincode'),
  serverPort: 9998,
  // fabric-contract-api's built-in contract: answers as soon as the server is reachable.
  probe: 'org.hyperledger.fabric:GetMetadata',
};

const PATHS = {
  trivial: 'trivial write (fabric-gateway)',
  direct: 'PlaceOrder direct (fabric-gateway)',
  app: 'order placement (app HTTP)',
} as const;
type PathName = (typeof PATHS)[keyof typeof PATHS];
type Phase = PhaseResult<PathName>;

function orderFor(h: SimHousehold, config: MarketConfig, interval: string, i: number) {
  return {
    householdId: h.householdId,
    side: 'buy' as const,
    interval,
    energyWh: 100 + (i % 400),
    limitPrice: config.feedInTariff + ((i * 37) % (config.retailTariff - config.feedInTariff)),
  };
}

/** The i-th request of a phase: which household sends it (a distinct one per in-flight slot). */
const householdOf = (households: SimHousehold[], i: number): SimHousehold => households[i % households.length] as SimHousehold;

/**
 * Submits `count` transactions straight through fabric-gateway, `inFlight` at a time, each as its
 * household's own identity; an MVCC or phantom conflict is counted and resubmitted.
 */
async function gatewayPhase(
  pathName: PathName,
  households: SimHousehold[],
  count: number,
  inFlight: number,
  submitOne: (h: SimHousehold, i: number) => Promise<unknown>,
): Promise<Phase> {
  const latencies: number[] = [];
  let mvcc = 0;
  let phantom = 0;
  let failed = 0;
  let firstError: unknown = null;
  const started = performance.now();
  await mapPool(Array.from({ length: count }, (_, i) => i), inFlight, async (i) => {
    const h = householdOf(households, i);
    for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
      const t = performance.now();
      try {
        await submitOne(h, i);
        latencies.push(performance.now() - t);
        return;
      } catch (err) {
        if (err instanceof CommitError && err.code === StatusCode.MVCC_READ_CONFLICT) mvcc++;
        else if (err instanceof CommitError && err.code === StatusCode.PHANTOM_READ_CONFLICT) phantom++;
        else {
          firstError ??= err;
          failed++;
          return;
        }
      }
    }
    failed++;
  });
  const seconds = (performance.now() - started) / 1000;
  if (firstError) console.error(`${pathName}: ${failed} failed; first error: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  return {
    path: pathName,
    inFlight,
    requests: count,
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

/** `trivial:Put` of one fresh key per request (no read, so nothing to conflict with). */
function trivialPhase(direct: DirectContracts, households: SimHousehold[], tag: string, count: number, inFlight: number): Promise<Phase> {
  const contracts = new Map<string, Promise<Contract>>();
  const contractOf = (h: SimHousehold): Promise<Contract> => {
    let c = contracts.get(h.ownerUserId);
    if (!c) contracts.set(h.ownerUserId, (c = direct.contractFor(h.ownerUserId, 'trivial', TRIVIAL.name)));
    return c;
  };
  return gatewayPhase(PATHS.trivial, households, count, inFlight, async (h, i) =>
    (await contractOf(h)).submitTransaction('Put', `${tag}:${i}`, `${h.householdId}:${i}`),
  );
}

function directOrderPhase(
  direct: DirectContracts,
  households: SimHousehold[],
  config: MarketConfig,
  interval: string,
  count: number,
  inFlight: number,
): Promise<Phase> {
  return gatewayPhase(PATHS.direct, households, count, inFlight, async (h, i) => {
    const args = JSON.stringify({ ...orderFor(h, config, interval, i), idempotencyKey: `direct:${interval}:${i}` });
    return (await direct.contractFor(h.ownerUserId)).submitTransaction('PlaceOrder', args);
  });
}

async function metricsSnapshot(api: ApiClient): Promise<LedgerCounters | null> {
  try {
    return ledgerCounters(parsePrometheus(await api.getText('/metrics')));
  } catch {
    return null;
  }
}

async function appPhase(api: ApiClient, households: SimHousehold[], config: MarketConfig, interval: string, count: number, inFlight: number): Promise<Phase> {
  const client = new ApiClient(api.baseUrl, { maxRetries: 5 });
  const before = await metricsSnapshot(api);
  let failed = 0;
  let firstError: unknown = null;
  const started = performance.now();
  await mapPool(Array.from({ length: count }, (_, i) => i), inFlight, async (i) => {
    const h = householdOf(households, i);
    try {
      await client.post('/v1/orders', orderFor(h, config, interval, i), { token: h.token, idempotencyKey: `app:${interval}:${i}` });
    } catch (err) {
      firstError ??= err;
      failed++;
    }
  });
  const seconds = (performance.now() - started) / 1000;
  if (firstError) console.error(`${PATHS.app}: ${failed} failed; first error: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  const after = await metricsSnapshot(api);
  const ledger = before && after ? diffCounters(before, after) : null;
  const appConflicts = ledger ? ledger.conflictRetries + ledger.conflictFailures : 0;
  const split = (n: number): number | null => (appConflicts === 0 ? 0 : ledger?.codeLabelled ? n : null);
  return {
    path: PATHS.app,
    inFlight,
    requests: count,
    seconds,
    perSecond: (count - failed) / seconds,
    p50Ms: percentile(client.stats.latenciesMs, 50),
    p99Ms: percentile(client.stats.latenciesMs, 99),
    mvccConflicts: split(ledger?.mvcc ?? 0),
    phantomConflicts: split(ledger?.phantom ?? 0),
    conflicts: appConflicts + client.stats.conflicts,
    failed,
  };
}

/** CPU ms per successful request of each process, per phase; `other` is the rest of the machine. */
function cpuTable(phases: readonly Phase[], sources: readonly CpuSource[]): string {
  const names = sources.map((s) => s.name);
  const perTx = (p: Phase, ms: number): string => (ms / Math.max(1, p.requests - p.failed)).toFixed(2);
  return table(
    ['path', 'in flight', ...names, 'other', 'machine busy %'],
    phases.map((p) => [
      p.path,
      p.inFlight,
      ...names.map((n) => (p.cpu ? perTx(p, p.cpu.ms[n] ?? 0) : '–')),
      p.cpu ? perTx(p, p.cpu.otherMs) : '–',
      p.cpu ? ((p.cpu.machineBusyMs / (p.cpu.seconds * 1000 * cpus().length)) * 100).toFixed(0) : '–',
    ]),
  );
}

/** `uptime`'s line and the load averages: the machine is shared, so every result says how busy it was. */
function machineLoad(): { uptime: string; loadavg: number[] } {
  let uptime = '';
  try {
    uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    /* not every system has uptime; loadavg below still says it */
  }
  return { uptime, loadavg: loadavg().map((l) => Number(l.toFixed(2))) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { orders: 'number', households: 'number', ledger: 'string', rounds: 'number' });
  const ledgerKind = (args.ledger as string | undefined) ?? 'fabric';
  if (ledgerKind !== 'fabric' && ledgerKind !== 'dev') throw new UsageError('--ledger must be fabric or dev');
  const count = (args.orders as number | undefined) ?? 2000;
  const rounds = (args.rounds as number | undefined) ?? 2;
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10) throw new UsageError('--rounds must be an integer from 1 to 10');
  const householdCount = Math.max((args.households as number | undefined) ?? 256, Math.max(...IN_FLIGHT));
  const log = (line: string): void => console.log(line);
  const resultName = ledgerKind === 'fabric' ? RESULT : `${RESULT}.devledger`;
  const loadBefore = machineLoad();
  log(`load: ${loadBefore.uptime || loadBefore.loadavg.join(', ')}`);

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
    const withTrivial = ledgerKind === 'fabric';
    if (ledgerKind === 'fabric') {
      network = await startNativeNetwork(log);
      await network.deployChaincode(TRIVIAL);
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
    const households = plan.households;
    const interval = (k: number): string => intervalName(DEFAULT_START, k, 900);

    // Warm every path (a Gateway per identity, JIT, the chaincode servers) before measuring.
    log('warming up …');
    if (withTrivial) await trivialPhase(direct, households, 'warm', householdCount, 32);
    await directOrderPhase(direct, households, config, interval(0), householdCount, 32);
    await appPhase(api, households, config, interval(1), householdCount, 32);

    const cpuSources: CpuSource[] = [
      ...(network ? networkSources(network.workDir) : []),
      ...(app ? [{ name: 'app', pid: app.pid }] : []),
      { name: 'load generator', pid: process.pid },
    ];
    const measured = async (run: () => Promise<Phase>): Promise<Phase> => {
      const before = cpuSnapshot(cpuSources);
      const result = await run();
      return { ...result, cpu: cpuUsageSince(before, cpuSources) };
    };
    // Rounds alternate the order of the paths (trivial → direct → app, then app → direct → trivial),
    // so a machine whose speed drifts during the run weighs on every path alike.
    const phases: Phase[] = [];
    let nextInterval = 2;
    for (const inFlight of IN_FLIGHT) {
      for (let round = 0; round < rounds; round++) {
        for (const pathName of pathOrder<PathName>([...(withTrivial ? [PATHS.trivial] : []), PATHS.direct, PATHS.app], round)) {
          log(`${inFlight} in flight, round ${round + 1}/${rounds}: ${pathName} …`);
          const run = (): Promise<Phase> =>
            pathName === PATHS.trivial
              ? trivialPhase(direct as DirectContracts, households, `put${inFlight}r${round}`, count, inFlight)
              : pathName === PATHS.direct
                ? directOrderPhase(direct as DirectContracts, households, config, interval(nextInterval++), count, inFlight)
                : appPhase(api, households, config, interval(nextInterval++), count, inFlight);
          phases.push({ ...(await measured(run)), round });
        }
      }
    }
    const loadAfter = machineLoad();

    const pooled = IN_FLIGHT.flatMap((inFlight) => Object.values(PATHS).flatMap((pathName) => poolRounds(phases, inFlight, pathName) ?? []));
    const rate = (inFlight: number, pathName: PathName): number | null => pooled.find((p) => p.inFlight === inFlight && p.path === pathName)?.perSecond ?? null;
    const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? Number((a / b).toFixed(3)) : null);
    const roundRate = (inFlight: number, pathName: PathName, round: number): number | null =>
      phases.find((p) => p.inFlight === inFlight && p.path === pathName && p.round === round)?.perSecond ?? null;
    const ratios = IN_FLIGHT.map((inFlight) => ({
      inFlight,
      orderPlacementVsTrivialWrite: ratio(rate(inFlight, PATHS.app), rate(inFlight, PATHS.trivial)),
      placeOrderDirectVsTrivialWrite: ratio(rate(inFlight, PATHS.direct), rate(inFlight, PATHS.trivial)),
      orderPlacementVsPlaceOrderDirect: ratio(rate(inFlight, PATHS.app), rate(inFlight, PATHS.direct)),
      // The same ratio within each round: how far one round's figure may stray from the pooled one.
      orderPlacementVsTrivialWriteByRound: withTrivial
        ? Array.from({ length: rounds }, (_, round) => ratio(roundRate(inFlight, PATHS.app, round), roundRate(inFlight, PATHS.trivial, round)))
        : [],
    }));

    const title = ledgerKind === 'fabric' ? 'real Fabric network (native scripts)' : 'DEV LEDGER stand-in (not a real Fabric figure)';
    console.log(`\nTrivial write vs order placement — ${title}`);
    console.log(
      table(
        ['path', 'in flight', 'round', 'requests', 'tx/s', 'p50', 'p99', 'mvcc', 'phantom', 'conflicts', 'failed'],
        [...phases, ...pooled].map((p) => [
          p.path,
          p.inFlight,
          p.round === undefined ? 'all' : p.round + 1,
          p.requests,
          p.perSecond.toFixed(1),
          fmt.ms(p.p50Ms),
          fmt.ms(p.p99Ms),
          p.mvccConflicts ?? '–',
          p.phantomConflicts ?? '–',
          p.conflicts,
          p.failed,
        ]),
      ),
    );
    console.log(`\nCPU per committed transaction (ms, all threads of each process and its children)`);
    console.log(cpuTable(pooled, cpuSources));
    const show = (r: number | null): string => (r === null ? '–' : r.toFixed(2));
    for (const r of ratios) {
      console.log(
        `${r.inFlight} in flight: order placement / trivial write ${show(r.orderPlacementVsTrivialWrite)} (target ≥ 0.9); ` +
          `PlaceOrder direct / trivial write ${show(r.placeOrderDirectVsTrivialWrite)}; app / PlaceOrder direct ${show(r.orderPlacementVsPlaceOrderDirect)}` +
          (r.orderPlacementVsTrivialWriteByRound.length > 1 ? `; order placement / trivial write by round ${r.orderPlacementVsTrivialWriteByRound.map(show).join(', ')}` : ''),
      );
    }
    const headline = ratios.map((r) => (withTrivial ? r.orderPlacementVsTrivialWrite : r.orderPlacementVsPlaceOrderDirect));
    const file = writeResult(resultName, {
      ledger: ledgerKind,
      baseline: withTrivial
        ? `trivial:Put(key, value) of a one-key chaincode (bench/fixtures/trivial-chaincode) deployed as a second chaincode on the same channel, submitted through @hyperledger/fabric-gateway as the household identity`
        : 'market:PlaceOrder submitted directly through @hyperledger/fabric-gateway (no trivial chaincode on the dev ledger)',
      clientConditions:
        'every path: one Node process doing the Fabric work (this process for the direct paths, the app child process for HTTP), the same in-flight count, one Gateway per household identity over one gRPC client per peer, the app identity store signer (OpenSSL, low-S)',
      load: { before: loadBefore, after: loadAfter },
      households: householdCount,
      requestsPerPhase: count,
      rounds,
      phases,
      pooled,
      ratios,
      targets: {
        orderPlacementAtLeast0_9OfBaseline: headline.every((r) => r !== null && r >= 0.9),
        zeroConflictsBetweenDistinctHouseholds: pooled.every((p) => p.conflicts === 0),
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
