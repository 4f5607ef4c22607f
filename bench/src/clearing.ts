/**
 * Clearing benchmark: 1k, 10k and 100k orders in one interval each on the dev ledger, then the
 * time and memory of the `market:ClearInterval` transaction (gateway → endorsement in the chaincode
 * process → ordering → MVCC validation → commit), and how both grow with the order count.
 *
 *   node bench/dist/clearing.js [--sizes 1000,10000,100000] [--households 1000] [--concurrency 64] [--via fabric-gateway|app]
 *
 * Orders are placed straight through fabric-gateway as the households' own identities (or through
 * the app's HTTP API with --via app); placement is not what is measured here. The clear is
 * submitted as the utility operator straight through fabric-gateway with Fabric's 100 MB message
 * limit (or through the app with --clear-via app).
 * Memory: peak resident set of the chaincode process (where clearing runs) and of this process
 * (which hosts the dev ledger) during the clear, from /proc VmHWM after a reset.
 */
import { CommitError, StatusCode } from '@hyperledger/fabric-gateway';
import { ApiClient } from './core/api-client';
import { parseArgs, UsageError } from './core/args';
import { DEFAULT_START, intervalName } from './core/intervals';
import { mapPool } from './core/pool';
import { cpuTimeMs, descendants, readMemory, resetPeak } from './core/proc';
import { streamFor, uniformInt } from './core/prng';
import { fmt, table, writeResult } from './core/report-io';
import { directContracts, type DirectContracts } from './core/direct';
import { MissingPieceError, onInterrupt, startLocalStack } from './core/stack';
import { planNeighbourhood } from './neighbourhood/model';
import { onboardNeighbourhood, staffLogin } from './neighbourhood/onboard';

interface SizeResult {
  orders: number;
  interval: string;
  placed: number;
  placementSeconds: number;
  clearMs: number | null;
  trades: number | null;
  tradedWh: number | null;
  clearingPrice: number | null;
  chaincodePeakRssBytes: number | null;
  chaincodeRssBeforeBytes: number | null;
  ledgerPeakRssBytes: number | null;
  ledgerRssBeforeBytes: number | null;
  /** CPU time spent during the clear: chaincode process (execution) and this process (dev ledger: endorsement plumbing, validation, commit). */
  chaincodeCpuMs: number | null;
  ledgerCpuMs: number | null;
  error: string | null;
}

const SEED = 42;
/** The app's utility operator (its identity store ID). */
const UTILITY_ADMIN = 'utility-admin';

/** Resubmits after an MVCC/phantom conflict (none are expected: every order writes its own keys). */
async function submitWithRetry(submit: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await submit();
      return;
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (!(err instanceof CommitError) || (code !== StatusCode.MVCC_READ_CONFLICT && code !== StatusCode.PHANTOM_READ_CONFLICT) || attempt >= 5) throw err;
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { sizes: 'string', households: 'number', concurrency: 'number', via: 'string', 'clear-via': 'string', result: 'string' });
  const resultName = (args.result as string | undefined) ?? 'clearing';
  const clearVia = (args['clear-via'] as string | undefined) ?? 'fabric-gateway';
  if (clearVia !== 'fabric-gateway' && clearVia !== 'app') throw new UsageError('--clear-via must be fabric-gateway or app');
  const via = (args.via as string | undefined) ?? 'fabric-gateway';
  if (via !== 'fabric-gateway' && via !== 'app') throw new UsageError('--via must be fabric-gateway or app');
  const sizes = ((args.sizes as string | undefined) ?? '1000,10000,100000').split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 2) throw new UsageError(`--sizes: ${s} is not a whole number ≥ 2`);
    return n;
  });
  const householdCount = (args.households as number | undefined) ?? Math.min(1000, Math.max(...sizes));
  const concurrency = (args.concurrency as number | undefined) ?? 64;
  const log = (line: string): void => console.log(line);

  const stack = await startLocalStack({ appMode: 'child', log: (l) => (l.startsWith('[app]') ? undefined : log(l)) });
  const results: SizeResult[] = [];
  let direct: DirectContracts | null = null;
  const removeInterrupt = onInterrupt(async () => {
    await direct?.close();
    await stack.close();
  });
  try {
    const api = new ApiClient(stack.baseUrl, { maxRetries: 10 });
    const tokens = await staffLogin(api);
    const plan = planNeighbourhood({ seed: SEED, households: householdCount, zones: 2, mechanism: 'pay-as-clear' });
    // Plenty of money, and export capacity for all of a household's sells of the largest size at
    // their largest (2 kWh each), so clearing excludes no order for funds or capacity.
    plan.depositPerHousehold = 1_000_000_000;
    const sellsPerHousehold = Math.ceil(Math.max(...sizes) / householdCount);
    const exportCapacityW = Math.max(50_000, (sellsPerHousehold * 2000 * 3600) / plan.market.intervalSeconds);
    for (const h of plan.households) h.traits.exportCapacityW = exportCapacityW;
    plan.market.zones = plan.market.zones.map((z) => ({ ...z, transferLimitWh: 1_000_000_000 }));
    log(`onboarding ${householdCount} households …`);
    const t0 = performance.now();
    const config = await onboardNeighbourhood(api, tokens, plan, 16, 'clearing', (d, t) => log(`  ${d}/${t}`));
    log(`onboarded in ${fmt.s(performance.now() - t0)}`);
    // Placement is not what is measured: by default orders go straight through fabric-gateway.
    direct = directContracts(stack.identityDir, stack.connectionFile);

    const chaincodePid = (): number | null =>
      descendants(process.pid).find((p) => /chaincode/i.test(p.cmdline) && p.pid !== stack.appPid)?.pid ?? null;

    for (const [s, size] of sizes.entries()) {
      const interval = intervalName(DEFAULT_START, s, plan.market.intervalSeconds);
      log(`\n${size} orders in ${interval}: placing …`);
      const rng = streamFor(SEED, 'clearing', size);
      const specs = Array.from({ length: size }, (_, i) => ({
        household: plan.households[i % plan.households.length]!,
        side: i % 2 === 0 ? ('buy' as const) : ('sell' as const),
        energyWh: uniformInt(rng, 100, 2000),
        limitPrice: uniformInt(rng, config.feedInTariff, config.retailTariff),
        key: `clearing:${interval}:${i}`,
      }));
      const tp = performance.now();
      let placed = 0;
      await mapPool(specs, concurrency, async (o) => {
        const order = { householdId: o.household.householdId, side: o.side, interval, energyWh: o.energyWh, limitPrice: o.limitPrice };
        if (via === 'fabric-gateway' && direct) {
          const contract = await direct.contractFor(o.household.ownerUserId);
          await submitWithRetry(() => contract.submitTransaction('PlaceOrder', JSON.stringify({ ...order, idempotencyKey: o.key })));
        } else {
          await api.post('/v1/orders', order, { token: o.household.token, idempotencyKey: o.key });
        }
        if (++placed % 10_000 === 0) log(`  placed ${placed}`);
      });
      const placementSeconds = (performance.now() - tp) / 1000;
      log(`  placed ${placed} in ${placementSeconds.toFixed(1)} s (${(placed / placementSeconds).toFixed(0)}/s); closing and clearing …`);
      const path = `/v1/market/intervals/${encodeURIComponent(interval)}`;
      await api.post(`${path}/close`, {}, { token: tokens.utilityAdmin });

      const cc = chaincodePid();
      const ccBefore = cc ? readMemory(cc) : null;
      const selfBefore = readMemory(process.pid);
      if (cc) resetPeak(cc);
      resetPeak(process.pid);
      const result: SizeResult = {
        orders: size,
        interval,
        placed,
        placementSeconds,
        clearMs: null,
        trades: null,
        tradedWh: null,
        clearingPrice: null,
        chaincodePeakRssBytes: null,
        chaincodeRssBeforeBytes: ccBefore?.rssBytes ?? null,
        ledgerPeakRssBytes: null,
        ledgerRssBeforeBytes: selfBefore?.rssBytes ?? null,
        chaincodeCpuMs: null,
        ledgerCpuMs: null,
        error: null,
      };
      const ccCpuBefore = cc ? cpuTimeMs(cc) : null;
      const selfCpuBefore = cpuTimeMs(process.pid);
      const tc = performance.now();
      try {
        // One clear, timed end to end (endorse + order + commit), no client retries.
        let cleared: { clearingPrice?: number; trades?: number; tradedWh?: number };
        if (clearVia === 'fabric-gateway' && direct) {
          const market = await direct.contractFor(UTILITY_ADMIN);
          cleared = JSON.parse(Buffer.from(await market.submitTransaction('ClearInterval', interval)).toString('utf8')) as typeof cleared;
        } else {
          cleared = await new ApiClient(stack.baseUrl, { maxRetries: 0, timeoutMs: 600_000 }).post(`${path}/clear`, {}, { token: tokens.utilityAdmin });
        }
        result.clearMs = performance.now() - tc;
        result.trades = cleared.trades ?? null;
        result.tradedWh = cleared.tradedWh ?? null;
        result.clearingPrice = cleared.clearingPrice ?? null;
      } catch (err) {
        result.error = (err as Error).message;
        result.clearMs = performance.now() - tc;
      }
      const ccCpuAfter = cc ? cpuTimeMs(cc) : null;
      const selfCpuAfter = cpuTimeMs(process.pid);
      result.chaincodeCpuMs = ccCpuBefore !== null && ccCpuAfter !== null ? ccCpuAfter - ccCpuBefore : null;
      result.ledgerCpuMs = selfCpuBefore !== null && selfCpuAfter !== null ? selfCpuAfter - selfCpuBefore : null;
      result.chaincodePeakRssBytes = cc ? (readMemory(cc)?.peakRssBytes ?? null) : null;
      result.ledgerPeakRssBytes = readMemory(process.pid)?.peakRssBytes ?? null;
      results.push(result);
      log(`  clear: ${result.error ? `FAILED after ${fmt.ms(result.clearMs ?? NaN)} — ${result.error}` : `${fmt.ms(result.clearMs ?? NaN)}, ${result.trades} trades`}`);
    }
  } finally {
    removeInterrupt();
    await direct?.close().catch(() => undefined);
    await stack.close();
  }

  const rows = results.map((r, i) => {
    const prev = i > 0 ? results[i - 1] : undefined;
    const growth = prev?.clearMs && r.clearMs && !prev.error && !r.error ? `${(r.clearMs / prev.clearMs).toFixed(1)}× for ${(r.orders / prev.orders).toFixed(0)}× orders` : '';
    return [
      r.orders,
      r.error ? `failed (${fmt.ms(r.clearMs ?? NaN)})` : fmt.ms(r.clearMs ?? NaN),
      r.trades ?? '–',
      r.chaincodeCpuMs !== null ? fmt.ms(r.chaincodeCpuMs) : '–',
      r.ledgerCpuMs !== null ? fmt.ms(r.ledgerCpuMs) : '–',
      r.chaincodePeakRssBytes !== null ? fmt.mb(r.chaincodePeakRssBytes) : '–',
      r.chaincodePeakRssBytes !== null && r.chaincodeRssBeforeBytes !== null ? fmt.mb(r.chaincodePeakRssBytes - r.chaincodeRssBeforeBytes) : '–',
      r.ledgerPeakRssBytes !== null && r.ledgerRssBeforeBytes !== null ? fmt.mb(r.ledgerPeakRssBytes - r.ledgerRssBeforeBytes) : '–',
      growth,
    ];
  });
  console.log(`\nClearing (market:ClearInterval submitted ${clearVia === 'app' ? 'through the gateway app' : 'directly through fabric-gateway'} as the utility operator, dev ledger)`);
  console.log(table(['orders', 'clear time', 'trades', 'chaincode CPU', 'ledger CPU', 'chaincode peak RSS', 'chaincode Δ', 'ledger Δ', 'growth'], rows));
  const tenK = results.find((r) => r.orders === 10_000);
  const target = tenK ? { target: '10k orders cleared in < 2 s', met: !tenK.error && (tenK.clearMs ?? Infinity) < 2000 } : null;
  if (target) console.log(`target: ${target.target} — ${target.met ? 'met' : 'NOT met'}`);
  const file = writeResult(resultName, { ledger: 'devledger', households: householdCount, placementVia: via, clearVia, results, target });
  console.log(`result: ${file}`);
}

main().catch((err: unknown) => {
  if (err instanceof MissingPieceError) {
    console.error(`SKIP clearing benchmark: ${err.message}`);
    writeResult('clearing', { skipped: true, reason: err.message });
    process.exitCode = 3;
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  }
});
