/**
 * A Fabric peer cuts one range query off at its totalQueryLimit without an error. Reads that grow
 * with the ledger's history — a household's statement and the conservation audit over every
 * statement entry — must read page by page, or they would silently lose entries.
 */
import '../support/quietLogs';
import { deposit, ok, standardWorld, type World } from '../support/world';

/** Seven deposits to h-1 and one to h-2: nine statement entries and four balances in all. */
async function worldWithHistory(): Promise<World> {
  const w = await standardWorld();
  for (let i = 1; i <= 7; i++) ok(await deposit(w, 'h-1', 100 * i));
  ok(await deposit(w, 'h-2', 50));
  return w;
}

describe('reads beyond the peer query limit', () => {
  it('returns the whole statement when it is longer than one range query may return', async () => {
    const w = await worldWithHistory();
    w.ledger.totalQueryLimit = 3;
    const statement = ok<{ balance: number; entries: { amount: number }[] }>(await w.ledger.evaluate(w.ids.owner, 'money:GetStatement', ['h-1']));
    expect(statement.entries.map((e) => e.amount)).toEqual([100, 200, 300, 400, 500, 600, 700]);
    expect(statement.balance).toBe(2800);
  });

  it('audits every statement entry and balance, not the first page of them', async () => {
    const w = await worldWithHistory();
    const unlimited = ok(await w.ledger.evaluate(w.ids.auditor, 'audit:Conservation', ['', '']));
    w.ledger.totalQueryLimit = 2;
    const limited = ok(await w.ledger.evaluate(w.ids.auditor, 'audit:Conservation', ['', '']));
    expect(limited).toEqual(unlimited);
    expect(limited).toMatchObject({ ok: true, problems: [] });
  });
});
