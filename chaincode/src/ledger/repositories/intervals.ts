/** Interval life-cycle records and the trades of each interval (chunked, see TRADES_PER_CHUNK). */
import type { Trade } from '../../market';
import { keys, ranges, TRADES_PER_CHUNK } from '../keys';
import type { IntervalRecord, TradesChunkRecord } from '../model';
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
    return (await this.state.rangeAllPages<IntervalRecord>(type, attrs))
      .map((e) => e.value)
      .filter((r) => (from === '' || r.interval >= from) && (to === '' || r.interval <= to));
  }

  /** Stores all trades of a clearing, in trade ID order, TRADES_PER_CHUNK to a key. Once per interval. */
  async putTrades(interval: string, trades: readonly Trade[]): Promise<void> {
    const ordered = [...trades].sort((a, b) => (a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0));
    for (let chunk = 0; chunk * TRADES_PER_CHUNK < ordered.length; chunk += 1) {
      const record: TradesChunkRecord = { interval, chunk, trades: ordered.slice(chunk * TRADES_PER_CHUNK, (chunk + 1) * TRADES_PER_CHUNK) };
      await this.state.put(keys.trades(this.state.stub, interval, chunk), record);
    }
  }

  /** Every trade (read-only callers), interval by interval in trade ID order. */
  async allTrades(): Promise<Trade[]> {
    return (await this.state.range<TradesChunkRecord>(...ranges.allTrades())).flatMap((e) => e.value.trades);
  }

  /** An interval's trades in trade ID order: one range read over its chunks. */
  async tradesOf(interval: string): Promise<Trade[]> {
    const [type, attrs] = ranges.tradesOfInterval(interval);
    return (await this.state.range<TradesChunkRecord>(type, attrs)).flatMap((e) => e.value.trades);
  }
}
