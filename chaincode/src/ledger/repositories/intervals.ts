/** Interval life-cycle records and the trades of each interval. */
import type { Trade } from '../../market';
import { keys, ranges } from '../keys';
import type { IntervalRecord } from '../model';
import type { StateStore } from '../state';

export class IntervalRepository {
  constructor(private readonly state: StateStore) {}

  /** The interval's record; an interval never written is OPEN. */
  async get(interval: string): Promise<IntervalRecord> {
    return (await this.state.get<IntervalRecord>(keys.interval(this.state.stub, interval))) ?? { interval, status: 'OPEN' };
  }

  async put(record: IntervalRecord): Promise<void> {
    await this.state.put(keys.interval(this.state.stub, record.interval), record);
  }

  /** Stored interval records with from ≤ name ≤ to (ISO names sort as time). Read-only callers only. */
  async between(from: string, to: string): Promise<IntervalRecord[]> {
    const [type, attrs] = ranges.intervals();
    return (await this.state.range<IntervalRecord>(type, attrs))
      .map((e) => e.value)
      .filter((r) => (from === '' || r.interval >= from) && (to === '' || r.interval <= to));
  }

  async putTrade(trade: Trade): Promise<void> {
    await this.state.put(keys.trade(this.state.stub, trade.interval, trade.tradeId), trade);
  }

  /** Every trade (read-only callers). */
  async allTrades(): Promise<Trade[]> {
    return (await this.state.range<Trade>(...ranges.allTrades())).map((e) => e.value);
  }

  async tradesOf(interval: string): Promise<Trade[]> {
    const [type, attrs] = ranges.tradesOfInterval(interval);
    return (await this.state.range<Trade>(type, attrs)).map((e) => e.value);
  }
}
