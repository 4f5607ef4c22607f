import { Context, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { checkConservation, checkedAdd, type AuditedInterval } from '../market';
import { canonicalJson } from '../ledger/canonical';
import { forbidden } from '../ledger/errors';
import { GridshareContract } from './base';
import { intervalBound } from './validate';

/** The conservation audit: read-only re-checks of what settlement stored. */
@Info({ title: 'audit', description: 'Conservation audit' })
export class AuditContract extends GridshareContract {
  constructor() {
    super('audit');
  }

  /**
   * For every settled interval in [from, to]: money sums to zero, energy sold equals energy bought,
   * zone exports within limits, statements match transfers; and every balance equals the sum of
   * its statement entries.
   */
  @Transaction(false)
  @Returns('string')
  @Param('from', 'string', 'first interval, or ""')
  @Param('to', 'string', 'last interval, or ""')
  async Conservation(ctx: Context, from: string, to: string): Promise<string> {
    const fromBound = intervalBound(from, 'from');
    const toBound = intervalBound(to, 'to');
    const { ledger, caller } = await this.session(ctx);
    if (!caller.isUtility && !caller.isRetailerAdmin && !caller.isAuditor) {
      throw forbidden('only the utility, retailers and auditors may run the audit');
    }
    const settled = (await ledger.intervals.between(fromBound, toBound)).filter((r) => r.status === 'SETTLED');
    const entries = await ledger.money.allEntries();
    const changesByInterval = new Map<string, Record<string, number>>();
    const entrySumByAccount = new Map<string, number>();
    for (const entry of entries) {
      entrySumByAccount.set(entry.account, checkedAdd(entrySumByAccount.get(entry.account) ?? 0, entry.amount));
      if (entry.interval === undefined) continue;
      const changes = changesByInterval.get(entry.interval) ?? {};
      changes[entry.account] = checkedAdd(changes[entry.account] ?? 0, entry.amount);
      changesByInterval.set(entry.interval, changes);
    }
    const audited: AuditedInterval[] = [];
    for (const record of settled) {
      const trades = await ledger.intervals.tradesOf(record.interval);
      const buyers = [...new Set(trades.map((t) => t.buyerHouseholdId))].sort();
      const certificates = [];
      for (const householdId of buyers) {
        certificates.push(...(await ledger.certificates.ofHousehold(householdId)).filter((c) => c.interval === record.interval));
      }
      audited.push({
        interval: record.interval,
        trades,
        transfers: record.settlement?.transfers ?? [],
        zones: record.params?.zones,
        tradedWh: record.tradedWh,
        certificates,
        balanceChanges: changesByInterval.get(record.interval) ?? {},
      });
    }
    const report = checkConservation(audited);
    const problems = [...report.problems];
    for (const { account, balance } of await ledger.money.allBalances()) {
      const total = entrySumByAccount.get(account) ?? 0;
      if (total !== balance) problems.push(`account ${account}: balance ${balance} but statement entries sum to ${total}`);
    }
    return canonicalJson({ ...report, ok: report.ok && problems.length === report.problems.length, problems });
  }
}
