/**
 * Orders under order~(interval, orderId), with two small indexes written once at placement, and
 * the clearing outcomes of each interval under fills~(interval, chunk).
 *
 * Clearing does not rewrite order records: an order placed `OPEN` stays `OPEN` in its own key, and
 * what clearing decided (status, matchedWh, reason) lives in the interval's fills chunks. Every read
 * here except {@link OrderRepository.storedOfInterval} returns orders with that outcome merged, so
 * callers see one order record as before.
 */
import { compareKeyOrder, FILLS_PER_CHUNK, keys, ranges } from '../keys';
import type { FillsChunkRecord, IntervalRecord, OrderOutcome, OrderRecord } from '../model';
import { notFound } from '../errors';
import type { StateStore } from '../state';
import type { IntervalRepository } from './intervals';

interface OrderPointer {
  interval: string;
}

export class OrderRepository {
  constructor(
    private readonly state: StateStore,
    private readonly intervals: IntervalRepository,
  ) {}

  /** Whether any order was ever placed (one key read). */
  async anyPlaced(): Promise<boolean> {
    return this.state.any(...ranges.allOrders());
  }

  /** Where an order lives, from its ID alone; undefined if never placed. */
  async findInterval(orderId: string): Promise<string | undefined> {
    return (await this.state.get<OrderPointer>(keys.orderById(this.state.stub, orderId)))?.interval;
  }

  async find(orderId: string): Promise<OrderRecord | undefined> {
    const interval = await this.findInterval(orderId);
    if (interval === undefined) return undefined;
    const stored = await this.state.get<OrderRecord>(keys.order(this.state.stub, interval, orderId));
    return stored && new OutcomeReader(this.state, this.intervals).merge(stored);
  }

  async get(orderId: string): Promise<OrderRecord> {
    const found = await this.find(orderId);
    if (!found) throw notFound(`order ${orderId} does not exist`);
    return found;
  }

  /** A new order: its record and both indexes, all keys unique to this order. */
  async insert(order: OrderRecord): Promise<void> {
    const stub = this.state.stub;
    await this.state.put(keys.order(stub, order.interval, order.orderId), order);
    await this.state.put(keys.orderById(stub, order.orderId), { interval: order.interval } satisfies OrderPointer);
    await this.state.put(keys.householdOrder(stub, order.householdId, order.interval, order.orderId), { interval: order.interval });
  }

  /** Rewrites an order's own record (cancellation of an order whose interval is still open). */
  async update(order: OrderRecord): Promise<void> {
    await this.state.put(keys.order(this.state.stub, order.interval, order.orderId), order);
  }

  /**
   * Stores clearing's outcome for every order that was OPEN, FILLS_PER_CHUNK to a key, and returns
   * the first order ID of each chunk (kept in the interval record, to find one order's chunk).
   */
  async putOutcomes(interval: string, outcomes: ReadonlyMap<string, OrderOutcome>): Promise<string[]> {
    const orderIds = [...outcomes.keys()].sort(compareKeyOrder);
    const firstIds: string[] = [];
    for (let chunk = 0; chunk * FILLS_PER_CHUNK < orderIds.length; chunk += 1) {
      const ids = orderIds.slice(chunk * FILLS_PER_CHUNK, (chunk + 1) * FILLS_PER_CHUNK);
      const record: FillsChunkRecord = { interval, chunk, outcomes: {} };
      for (const id of ids) record.outcomes[id] = outcomes.get(id) as OrderOutcome;
      firstIds.push(ids[0] as string);
      await this.state.put(keys.fills(this.state.stub, interval, chunk), record);
    }
    return firstIds;
  }

  /** Every order (read-only callers): two range reads, orders and all outcomes. */
  async all(): Promise<OrderRecord[]> {
    const stored = (await this.state.range<OrderRecord>(...ranges.allOrders())).map((e) => e.value);
    const outcomes = await this.#outcomesIn(...ranges.allFills());
    return stored.map((o) => withOutcome(o, outcomes.get(o.orderId)));
  }

  /** Every order of an interval, as readers see them: range reads of its orders and its outcomes. */
  async ofInterval(interval: string): Promise<OrderRecord[]> {
    const stored = await this.storedOfInterval(interval);
    const record = await this.intervals.get(interval);
    if (!record.fillChunks?.length) return stored;
    const outcomes = await this.#outcomesIn(...ranges.fillsOfInterval(interval));
    return stored.map((o) => withOutcome(o, outcomes.get(o.orderId)));
  }

  /**
   * The interval's order records as placed or cancelled, without clearing outcomes, in one range
   * read: for clearing itself and for intervals known not to have cleared.
   */
  async storedOfInterval(interval: string): Promise<OrderRecord[]> {
    const [type, attrs] = ranges.ordersOfInterval(interval);
    return (await this.state.range<OrderRecord>(type, attrs)).map((e) => e.value);
  }

  /** (interval, orderId) of every order a household placed, oldest interval first. */
  async refsOfHousehold(householdId: string): Promise<{ interval: string; orderId: string }[]> {
    const [type, attrs] = ranges.ordersOfHousehold(householdId);
    return (await this.state.range<OrderPointer>(type, attrs)).map((e) => ({
      interval: e.attributes[1] ?? '',
      orderId: e.attributes[2] ?? '',
    }));
  }

  async ofHousehold(householdId: string, interval?: string): Promise<OrderRecord[]> {
    const refs = (await this.refsOfHousehold(householdId)).filter((r) => interval === undefined || r.interval === interval);
    const reader = new OutcomeReader(this.state, this.intervals);
    const out: OrderRecord[] = [];
    for (const ref of refs) {
      const order = await this.state.get<OrderRecord>(keys.order(this.state.stub, ref.interval, ref.orderId));
      if (order) out.push(await reader.merge(order));
    }
    return out;
  }

  async #outcomesIn(type: string, attrs: readonly string[]): Promise<Map<string, OrderOutcome>> {
    const outcomes = new Map<string, OrderOutcome>();
    for (const { value } of await this.state.range<FillsChunkRecord>(type, attrs)) {
      for (const [orderId, outcome] of Object.entries(value.outcomes)) outcomes.set(orderId, outcome);
    }
    return outcomes;
  }
}

/** The order as readers see it: an order still OPEN in its record takes clearing's outcome, if any. */
function withOutcome(order: OrderRecord, outcome: OrderOutcome | undefined): OrderRecord {
  if (order.status !== 'OPEN' || outcome === undefined) return order;
  return { ...order, status: outcome.status, matchedWh: outcome.matchedWh, reason: outcome.reason };
}

/**
 * Point reads of outcomes for orders of possibly many intervals: each interval record and each
 * fills chunk is read at most once, and only for orders still OPEN in their record.
 */
class OutcomeReader {
  readonly #records = new Map<string, IntervalRecord>();
  readonly #chunks = new Map<string, FillsChunkRecord | undefined>();

  constructor(
    private readonly state: StateStore,
    private readonly intervals: IntervalRepository,
  ) {}

  async merge(order: OrderRecord): Promise<OrderRecord> {
    if (order.status !== 'OPEN') return order;
    let record = this.#records.get(order.interval);
    if (!record) {
      record = await this.intervals.get(order.interval);
      this.#records.set(order.interval, record);
    }
    const chunk = chunkOf(record.fillChunks ?? [], order.orderId);
    if (chunk < 0) return order;
    const cacheKey = `${order.interval}\u0000${chunk}`;
    if (!this.#chunks.has(cacheKey)) {
      this.#chunks.set(cacheKey, await this.state.get<FillsChunkRecord>(keys.fills(this.state.stub, order.interval, chunk)));
    }
    return withOutcome(order, this.#chunks.get(cacheKey)?.outcomes[order.orderId]);
  }
}

/** Index of the last chunk whose first order ID is ≤ orderId (binary search); -1 if none. */
function chunkOf(firstIds: readonly string[], orderId: string): number {
  let lo = 0;
  let hi = firstIds.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeyOrder(firstIds[mid] as string, orderId) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
