import { startTestGateway, type TestGateway } from './helpers/gateway';
import { expectStatus, newKey, onboard, RETAILER } from './helpers/world';

/**
 * Concurrency through the real gateway client and the dev ledger's real block validation.
 *
 * Blocks are cut 250 ms after their first transaction, so concurrent deposits to one household,
 * which all read-modify-write its balance key, are endorsed against the same version and land in
 * the same block: all but one fail MVCC_READ_CONFLICT and the app must resubmit them. The commit
 * wait of an attempt (2.1 s) is shared by 21 waits of at most 100 ms each (the watcher's, then
 * CommitStatus requests), each shorter than a block, so every submit also has to ask for its
 * commit status again, with the same transaction ID.
 */
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(
    { GRIDSHARE_COMMIT_STATUS_TIMEOUT_MS: '2100', GRIDSHARE_COMMIT_STATUS_POLLS: '20', GRIDSHARE_CONFLICT_MAX_ATTEMPTS: '40' },
    { blockTimeoutMs: 250 },
  );
  await onboard(gw, { householdId: 'h-busy', zone: 'north', owner: 'bea' });
  await onboard(gw, { householdId: 'h-calm', zone: 'north', owner: 'cal' });
}, 180_000);
afterAll(async () => gw?.close());

/** The value of a Prometheus counter with exactly these labels (in any order), 0 when absent. */
async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const text = (await gw.call(null, 'GET', '/metrics')).body;
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] === name && match[2]!.split(',').sort().join(',') === wanted) return Number(match[3]);
  }
  return 0;
}

const RETRIES = 'gridshare_fabric_conflict_retries_total';
const DEPOSIT_MVCC = { transaction: 'money:Deposit', code: 'MVCC_READ_CONFLICT' };
const DEPOSIT_PHANTOM = { transaction: 'money:Deposit', code: 'PHANTOM_READ_CONFLICT' };

interface Statement {
  balance: number;
  entries: Array<{ txId: string; kind: string; amount: number; balanceAfter: number }>;
}

it('resubmits conflicting deposits until every one commits exactly once', async () => {
  const mvccBefore = await counter(RETRIES, DEPOSIT_MVCC);
  const phantomBefore = await counter(RETRIES, DEPOSIT_PHANTOM);
  const amounts = Array.from({ length: 12 }, (_, i) => 1_000 + i * 17);
  const responses = await Promise.all(
    amounts.map((amount) => gw.call(RETAILER, 'POST', '/v1/households/h-busy/deposits', { amount }, { 'idempotency-key': newKey('busy') })),
  );
  for (const res of responses) await expectStatus(res, 201);

  const total = amounts.reduce((a, b) => a + b, 0);
  const statement = (await gw.call(RETAILER, 'GET', '/v1/households/h-busy/statement')).json() as Statement;
  expect(statement.balance).toBe(total);
  expect(statement.entries).toHaveLength(amounts.length);
  expect(statement.entries.map((e) => e.amount).sort((a, b) => a - b)).toEqual(amounts);
  // Each committed deposit saw the one before it: in commit order (rising balance) the running
  // balance has no gap or repeat, so no update was lost.
  let running = 0;
  for (const entry of [...statement.entries].sort((a, b) => a.balanceAfter - b.balanceAfter)) {
    running += entry.amount;
    expect(entry.balanceAfter).toBe(running);
  }
  // What each client got back is the transaction that committed.
  const committed = new Set(statement.entries.map((e) => e.txId));
  for (const res of responses) expect(committed.has((res.json() as { txId: string }).txId)).toBe(true);

  // Deposits read-modify-write one balance key (no range reads): every retry was an MVCC conflict.
  expect(await counter(RETRIES, DEPOSIT_MVCC)).toBeGreaterThan(mvccBefore);
  expect(await counter(RETRIES, DEPOSIT_PHANTOM)).toBe(phantomBefore);
}, 180_000);

it('asks again for a commit status whose deadline passed, and the transaction commits once', async () => {
  const repollsBefore = await counter('gridshare_fabric_commit_status_repolls_total', { transaction: 'money:Deposit' });
  const res = await gw.call(RETAILER, 'POST', '/v1/households/h-calm/deposits', { amount: 4_321 }, { 'idempotency-key': newKey('calm') });
  await expectStatus(res, 201);
  expect(await counter('gridshare_fabric_commit_status_repolls_total', { transaction: 'money:Deposit' })).toBeGreaterThan(repollsBefore);
  const statement = (await gw.call(RETAILER, 'GET', '/v1/households/h-calm/statement')).json() as Statement;
  expect(statement.entries).toEqual([expect.objectContaining({ txId: (res.json() as { txId: string }).txId, amount: 4_321, balanceAfter: 4_321 })]);
}, 60_000);
