import { Context, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { aggregateOrderBook, clearInterval, sum, type Trade } from '../market';
import { canonicalJson } from '../ledger/canonical';
import { ChaincodeError, conflict, forbidden, marketRule } from '../ledger/errors';
import { emitEvent } from '../ledger/events';
import type { HouseholdRecord, IntervalRecord, MarketConfig, MeterTerms, OrderOutcome, OrderRecord } from '../ledger/model';
import { Ledger } from '../ledger/repositories';
import { keys, type KeyStub } from '../ledger/keys';
import { txInfo, type TxInfo } from '../ledger/state';
import { callerIdentity, isRetailerOf, requireReadHousehold, requireTrader, requireTraderByIdentity, requireUtility, type Caller } from './access';
import { GridshareContract } from './base';
import { selectOverCapacitySells } from './exportCapacity';
import { commitmentsOf, selectFundedOrders, type HouseholdLookup } from './funding';
import { capacityWh } from './meters';
import { orderIdOf, type CallerIdentity } from './idempotency';
import { selectSuspendedOrders } from './suspension';
import { marketParamsOf, toMarketOrder } from './orderTerms';
import { newListQuery, newMarketConfig, newPlaceOrderRequest, type PlaceOrderRequest } from './requests';
import { identifier, intervalName, intervalStartSeconds, parseObject, type Json } from './validate';
import { orderView, tradeView } from './views';

/**
 * What PlaceOrder reads for a new order — the market configuration, the household, the order ID's
 * pointer (the idempotency check) and the interval — named from the request as sent, so that one
 * batched read fetches them all. A member that names no valid key is left out; validation refuses it.
 */
function placementKeys(stub: KeyStub, caller: CallerIdentity, raw: Json): string[] {
  const wanted = [keys.marketConfig(stub)];
  const add = (member: unknown, keyOf: (value: string) => string): void => {
    if (typeof member !== 'string' || member === '') return;
    try {
      wanted.push(keyOf(member));
    } catch {
      // Not a valid key attribute: the request's validation reports it.
    }
  };
  add(raw.householdId, (householdId) => keys.household(stub, householdId));
  add(raw.idempotencyKey, (idempotencyKey) => keys.orderById(stub, orderIdOf(caller, idempotencyKey)));
  add(raw.interval, (interval) => keys.interval(stub, interval));
  return wanted;
}

/** Market configuration, orders and the life of intervals up to clearing. */
@Info({ title: 'market', description: 'Market configuration, orders, intervals and clearing' })
export class MarketContract extends GridshareContract {
  constructor() {
    super('market');
  }

  /** The market configuration (prices and fees in money units per kWh). */
  @Transaction(false)
  @Returns('string')
  async GetMarketConfig(ctx: Context): Promise<string> {
    const { ledger } = await this.session(ctx);
    return canonicalJson(await ledger.config.market());
  }

  /**
   * Changes the market configuration; absent fields keep their value, `zones` replaces the list.
   * @param {string} patch JSON partial configuration
   */
  @Transaction()
  @Returns('string')
  @Param('patch', 'string', 'JSON partial market configuration')
  async UpdateMarketConfig(ctx: Context, patch: string): Promise<string> {
    const changes = parseObject(patch, 'market config');
    const { ledger, caller } = await this.session(ctx);
    requireUtility(caller, 'change the market configuration');
    const current = await ledger.config.market();
    const next = newMarketConfig(changes, current);
    // Interval names are checked against the current length: once orders are named after the old
    // length, a new one would leave their intervals impossible to close, clear or settle.
    if (next.intervalSeconds !== current.intervalSeconds && (await ledger.orders.anyPlaced())) {
      throw marketRule(`intervalSeconds cannot change from ${current.intervalSeconds} once orders have been placed`);
    }
    await ledger.config.putMarket(next);
    emitEvent(ctx.stub, 'MarketConfigUpdated', { changed: Object.keys(changes).sort() });
    return canonicalJson(next);
  }

  /**
   * Places a buy or sell order for one interval. Reads only configuration, the interval's state,
   * the caller's binding, the household, its meter and the order's own key.
   * @param {string} request JSON {"idempotencyKey","householdId","side","interval","energyWh","limitPrice","meterId"?}
   */
  @Transaction()
  @Returns('string')
  @Param('request', 'string', 'JSON {"idempotencyKey","householdId","side","interval","energyWh","limitPrice","meterId"?}')
  async PlaceOrder(ctx: Context, request: string): Promise<string> {
    // The highest-rate transaction: every state read is a round trip to the peer and a key to
    // validate at commit, and only household members may place orders, so it resolves no staff
    // role (no consortium read) and finds the caller in the household record (no binding read).
    const ledger = new Ledger(ctx.stub);
    const caller = callerIdentity(ctx);
    const raw = parseObject(request, 'order');
    await ledger.state.prefetch(placementKeys(ctx.stub, caller, raw));
    const config = await ledger.config.market();
    const input = newPlaceOrderRequest(raw, config.intervalSeconds);
    const household = await ledger.households.get(input.householdId);
    const trader = requireTraderByIdentity(caller, household);
    const orderId = orderIdOf(caller, input.idempotencyKey);
    const existing = await ledger.orders.find(orderId);
    if (existing) return canonicalJson(orderView(this.#sameOrder(existing, input)));
    if (household.suspended) throw forbidden(`household ${household.householdId} is suspended`);
    const tx = txInfo(ctx.stub);
    this.#requireOpen(config, await ledger.intervals.get(input.interval), tx);
    if (input.limitPrice < config.feedInTariff || input.limitPrice > config.retailTariff) {
      throw marketRule(`limitPrice ${input.limitPrice} is outside [${config.feedInTariff}, ${config.retailTariff}]`);
    }
    const meter = await tradingMeter(ledger, household, input.meterId);
    const capacity = capacityWh(input.side === 'sell' ? meter.exportCapacityW : meter.importCapacityW, config.intervalSeconds);
    if (input.energyWh > capacity) {
      throw marketRule(`energyWh ${input.energyWh} exceeds what meter ${meter.meterId} can ${input.side === 'sell' ? 'export' : 'import'} in one interval (${capacity} Wh)`);
    }
    const order: OrderRecord = {
      orderId,
      householdId: household.householdId,
      side: input.side,
      interval: input.interval,
      energyWh: input.energyWh,
      limitPrice: input.limitPrice,
      meterId: meter.meterId,
      zone: meter.zone,
      status: 'OPEN',
      matchedWh: 0,
      idempotencyKey: input.idempotencyKey,
      placedBy: trader.userId,
      txId: tx.txId,
      txTime: tx.time,
    };
    await ledger.orders.insert(order);
    emitEvent(ctx.stub, 'OrderPlaced', {
      orderId,
      householdId: order.householdId,
      interval: order.interval,
      side: order.side,
      energyWh: order.energyWh,
      limitPrice: order.limitPrice,
    });
    return canonicalJson(orderView(order));
  }

  /** Cancels an open order while its interval is open. */
  @Transaction()
  @Returns('string')
  @Param('orderId', 'string', 'order ID')
  async CancelOrder(ctx: Context, orderId: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const order = await ledger.orders.get(identifier(orderId, 'orderId'));
    requireTrader(caller, await ledger.households.get(order.householdId));
    if (order.status !== 'OPEN') throw conflict(`order ${order.orderId} is ${order.status}`);
    const config = await ledger.config.market();
    this.#requireOpen(config, await ledger.intervals.get(order.interval), txInfo(ctx.stub));
    const cancelled: OrderRecord = { ...order, status: 'CANCELLED' };
    await ledger.orders.update(cancelled);
    emitEvent(ctx.stub, 'OrderCancelled', { orderId: order.orderId, householdId: order.householdId, interval: order.interval });
    return canonicalJson(orderView(cancelled));
  }

  /** One order. */
  @Transaction(false)
  @Returns('string')
  @Param('orderId', 'string', 'order ID')
  async GetOrder(ctx: Context, orderId: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const order = await ledger.orders.get(identifier(orderId, 'orderId'));
    requireReadHousehold(caller, await ledger.households.get(order.householdId), 'orders');
    return canonicalJson(orderView(order));
  }

  /**
   * Orders the caller may see, optionally of one household and/or interval.
   * @param {string} query JSON {"householdId"?,"interval"?} or ""
   */
  @Transaction(false)
  @Returns('string')
  @Param('query', 'string', 'JSON {"householdId"?,"interval"?} or ""')
  async ListOrders(ctx: Context, query: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const config = await ledger.config.market();
    const filter = newListQuery(query, config.intervalSeconds);
    const householdId = filter.householdId ?? (caller.isUtility || caller.isRetailerAdmin ? undefined : caller.binding?.householdId);
    let orders: OrderRecord[];
    if (householdId !== undefined) {
      requireReadHousehold(caller, await ledger.households.get(householdId), 'orders');
      orders = await ledger.orders.ofHousehold(householdId, filter.interval);
    } else {
      if (!caller.isUtility && !caller.isRetailerAdmin) throw forbidden('only the utility and retailers may list all orders');
      orders = filter.interval !== undefined ? await ledger.orders.ofInterval(filter.interval) : await ledger.orders.all();
      if (!caller.isUtility) orders = await this.#ofOwnCustomers(ledger, caller, orders);
    }
    return canonicalJson({ orders: orders.map(orderView) });
  }

  /** An interval's status and anonymous order book (live while open, fixed once cleared). */
  @Transaction(false)
  @Returns('string')
  @Param('interval', 'string', 'interval name YYYY-MM-DDTHH:MM:SSZ')
  async GetInterval(ctx: Context, interval: string): Promise<string> {
    const { ledger } = await this.session(ctx);
    const config = await ledger.config.market();
    const name = intervalName(interval, config.intervalSeconds);
    const record = await ledger.intervals.get(name);
    if (record.status === 'CLEARED' || record.status === 'SETTLED') {
      return canonicalJson({
        interval: name,
        status: record.status,
        clearingPrice: record.clearingPrice,
        tradedWh: record.tradedWh ?? 0,
        buyWh: record.buyWh ?? 0,
        sellWh: record.sellWh ?? 0,
        trades: record.trades ?? 0,
        orderBook: record.orderBook ?? { bids: [], offers: [] },
        settlement: record.settlement
          ? { households: record.settlement.households, missingReadings: record.settlement.missingReadings, moneyMoved: record.settlement.moneyMoved, certificates: record.settlement.certificates }
          : undefined,
      });
    }
    const open = (await ledger.orders.storedOfInterval(name)).filter((o) => o.status === 'OPEN').map(toMarketOrder);
    return canonicalJson({
      interval: name,
      status: record.status,
      tradedWh: 0,
      buyWh: sum(open.filter((o) => o.side === 'buy').map((o) => o.energyWh)),
      sellWh: sum(open.filter((o) => o.side === 'sell').map((o) => o.energyWh)),
      orderBook: aggregateOrderBook(open),
    });
  }

  /** Gate closure: no more orders or cancellations for the interval. */
  @Transaction()
  @Returns('string')
  @Param('interval', 'string', 'interval name YYYY-MM-DDTHH:MM:SSZ')
  async CloseInterval(ctx: Context, interval: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    requireUtility(caller, 'close intervals');
    const config = await ledger.config.market();
    const record = await ledger.intervals.get(intervalName(interval, config.intervalSeconds));
    if (record.status !== 'OPEN') throw new ChaincodeError('INTERVAL_NOT_OPEN', `interval ${record.interval} is ${record.status}`);
    const closed: IntervalRecord = { interval: record.interval, status: 'CLOSED' };
    await ledger.intervals.put(closed);
    emitEvent(ctx.stub, 'IntervalClosed', { interval: record.interval });
    return canonicalJson(closed);
  }

  /**
   * Clears an interval (closing it first if still open): leaves out the orders of suspended
   * households, admits each meter's sell orders up to its
   * export capacity, funds buy orders against balances and credit limits less earlier commitments,
   * runs the configured mechanism, fixes trades and order outcomes, and commits what the trades will
   * cost each buyer until settlement. Outcomes and trades are written in chunks of about a
   * thousand (fills~, trades~), not one key per order or trade: each write is a round trip to the
   * peer.
   */
  @Transaction()
  @Returns('string')
  @Param('interval', 'string', 'interval name YYYY-MM-DDTHH:MM:SSZ')
  async ClearInterval(ctx: Context, interval: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    requireUtility(caller, 'clear intervals');
    const config = await ledger.config.market();
    const record = await ledger.intervals.get(intervalName(interval, config.intervalSeconds));
    if (record.status !== 'OPEN' && record.status !== 'CLOSED') {
      throw conflict(`interval ${record.interval} is already ${record.status}`);
    }
    const params = marketParamsOf(config);
    // The interval has not cleared, so the stored records are the orders as they stand.
    const open = (await ledger.orders.storedOfInterval(record.interval)).filter((o) => o.status === 'OPEN');
    const householdOf = householdLookup(ledger);
    const suspended = await selectSuspendedOrders(open, householdOf);
    const active = open.filter((o) => !suspended.has(o.orderId));
    const overCapacity = await selectOverCapacitySells(ledger, active, config.intervalSeconds, householdOf);
    const deliverable = active.filter((o) => !overCapacity.has(o.orderId));
    const { funded, unfunded } = await selectFundedOrders(ledger, record.interval, deliverable, params, householdOf);
    const result = clearInterval(record.interval, funded.map(toMarketOrder), params);
    const ignored = new Set(result.ignoredOrderIds);
    const outcomes = new Map<string, OrderOutcome>();
    for (const order of open) {
      const excludedFor = suspended.has(order.orderId)
        ? 'HOUSEHOLD_SUSPENDED'
        : overCapacity.has(order.orderId)
          ? 'EXCEEDS_EXPORT_CAPACITY'
          : unfunded.has(order.orderId)
            ? 'UNFUNDED'
            : undefined;
      outcomes.set(order.orderId, outcomeOf(order, excludedFor, ignored.has(order.orderId), result.matchedWh[order.orderId] ?? 0));
    }
    const fillChunks = await ledger.orders.putOutcomes(record.interval, outcomes);
    await ledger.intervals.putTrades(record.interval, result.trades);
    await ledger.commitments.record(record.interval, commitmentsOf(result.trades));
    const cleared: IntervalRecord = {
      interval: record.interval,
      status: 'CLEARED',
      clearingPrice: result.clearingPrice,
      tradedWh: result.tradedWh,
      buyWh: result.buyWh,
      sellWh: result.sellWh,
      trades: result.trades.length,
      orderBook: aggregateOrderBook(open.map(toMarketOrder)),
      zoneExportsWh: result.zoneExportsWh,
      fillChunks,
      params,
    };
    await ledger.intervals.put(cleared);
    emitEvent(ctx.stub, 'IntervalCleared', {
      interval: record.interval,
      clearingPrice: result.clearingPrice,
      trades: result.trades.length,
      tradedWh: result.tradedWh,
      householdIds: householdsOf(result.trades),
    });
    return canonicalJson({
      interval: record.interval,
      status: 'CLEARED',
      clearingPrice: result.clearingPrice,
      trades: result.trades.length,
      tradedWh: result.tradedWh,
      unfundedOrders: unfunded.size,
      overCapacityOrders: overCapacity.size,
      suspendedOrders: suspended.size,
    });
  }

  /**
   * Trades the caller may see. Of one household (named, or a member's own): whoever may read that
   * household — its members, its retailer, the utility, auditors. Unfiltered: the utility,
   * retailers and auditors see all, pseudonymous (trades carry order IDs, no household IDs).
   * @param {string} query JSON {"interval"?,"householdId"?} or ""
   */
  @Transaction(false)
  @Returns('string')
  @Param('query', 'string', 'JSON {"interval"?,"householdId"?} or ""')
  async ListTrades(ctx: Context, query: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const config = await ledger.config.market();
    const filter = newListQuery(query, config.intervalSeconds);
    const staff = caller.isUtility || caller.isRetailerAdmin || caller.isAuditor;
    const householdId = filter.householdId ?? (staff ? undefined : caller.binding?.householdId);
    if (householdId === undefined && !staff) throw forbidden('caller may not list trades');
    if (householdId !== undefined) {
      requireReadHousehold(caller, await ledger.households.get(householdId), 'the trades', { auditor: true });
    }
    let intervals: string[];
    if (filter.interval !== undefined) intervals = [filter.interval];
    else if (householdId !== undefined) intervals = [...new Set((await ledger.orders.refsOfHousehold(householdId)).map((r) => r.interval))];
    else intervals = [];
    let trades: Trade[] = [];
    if (filter.interval === undefined && householdId === undefined) trades = await ledger.intervals.allTrades();
    for (const name of intervals) trades.push(...(await ledger.intervals.tradesOf(name)));
    if (householdId !== undefined) {
      trades = trades.filter((t) => t.buyerHouseholdId === householdId || t.sellerHouseholdId === householdId);
    }
    return canonicalJson({ trades: trades.map(tradeView) });
  }

  /** Orders are accepted while the interval is OPEN and, on the wall clock, before its start (gate closure). */
  #requireOpen(config: MarketConfig, record: IntervalRecord, tx: TxInfo): void {
    if (record.status !== 'OPEN') throw new ChaincodeError('INTERVAL_NOT_OPEN', `interval ${record.interval} is ${record.status}`);
    if (config.clock === 'wall' && tx.seconds >= intervalStartSeconds(record.interval)) {
      throw new ChaincodeError('INTERVAL_NOT_OPEN', `gate closure for interval ${record.interval} has passed`);
    }
  }

  /** A retried placement returns the first order; the same key with other content is refused. */
  #sameOrder(existing: OrderRecord, input: PlaceOrderRequest): OrderRecord {
    const same =
      existing.householdId === input.householdId &&
      existing.side === input.side &&
      existing.interval === input.interval &&
      existing.energyWh === input.energyWh &&
      existing.limitPrice === input.limitPrice &&
      (input.meterId === undefined || existing.meterId === input.meterId);
    if (!same) {
      throw new ChaincodeError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${input.idempotencyKey} was used for another order (${existing.orderId})`);
    }
    return existing;
  }

  async #ofOwnCustomers(ledger: Ledger, caller: Caller, orders: OrderRecord[]): Promise<OrderRecord[]> {
    const households = new Map<string, boolean>();
    const out: OrderRecord[] = [];
    for (const order of orders) {
      let own = households.get(order.householdId);
      if (own === undefined) {
        const household = await ledger.households.find(order.householdId);
        own = household !== undefined && isRetailerOf(caller, household);
        households.set(order.householdId, own);
      }
      if (own) out.push(order);
    }
    return out;
  }
}

type TradingMeter = MeterTerms & { meterId: string };

/**
 * The named meter, or the household's first active one; it must belong to the household and be
 * active. Its terms come from the household record; a meter missing there (a household stored
 * before it kept them) is read from its own record.
 */
async function tradingMeter(ledger: Ledger, household: HouseholdRecord, meterId: string | undefined): Promise<TradingMeter> {
  const termsOf = async (id: string): Promise<TradingMeter | undefined> => {
    const kept = household.meterTerms?.[id];
    if (kept) return { ...kept, meterId: id };
    const meter = await ledger.meters.find(id);
    return meter && meter.householdId === household.householdId ? meter : undefined;
  };
  if (meterId !== undefined) {
    const meter = household.meters.includes(meterId) ? await termsOf(meterId) : undefined;
    if (!meter) {
      const stored = await ledger.meters.get(meterId);
      throw forbidden(`meter ${stored.meterId} does not belong to household ${household.householdId}`);
    }
    if (meter.retired) throw marketRule(`meter ${meterId} is retired`);
    return meter;
  }
  for (const id of household.meters) {
    const meter = await termsOf(id);
    if (meter && !meter.retired) return meter;
  }
  throw marketRule(`household ${household.householdId} has no active meter`);
}

/** One household read per clearing transaction, shared by suspension, export capacity and funding. */
function householdLookup(ledger: Ledger): HouseholdLookup {
  const read = new Map<string, Promise<HouseholdRecord | undefined>>();
  return (householdId) => {
    let found = read.get(householdId);
    if (!found) {
      found = ledger.households.find(householdId);
      read.set(householdId, found);
    }
    return found;
  };
}

/**
 * What clearing decided for one order that was OPEN. `excludedFor` names why the order took no part
 * in matching (`HOUSEHOLD_SUSPENDED`, `EXCEEDS_EXPORT_CAPACITY`, `UNFUNDED`).
 */
function outcomeOf(order: OrderRecord, excludedFor: string | undefined, ignored: boolean, matchedWh: number): OrderOutcome {
  if (excludedFor !== undefined) return { status: 'UNMATCHED', matchedWh: 0, reason: excludedFor };
  if (ignored) return { status: 'UNMATCHED', matchedWh: 0, reason: 'PRICE_OUT_OF_BOUNDS' };
  if (matchedWh === 0) return { status: 'UNMATCHED', matchedWh: 0 };
  return { status: matchedWh >= order.energyWh ? 'MATCHED' : 'PARTIALLY_MATCHED', matchedWh };
}

export function householdsOf(trades: readonly Trade[]): string[] {
  return [...new Set(trades.flatMap((t) => [t.buyerHouseholdId, t.sellerHouseholdId]))].sort();
}
