/**
 * Clearing of one interval: orders in, trades out. Deterministic (a total order over orders),
 * independent of input order, integer-only, O(n log n): one sort per side, then linear walks
 * (plus O(n log n) largest-remainder splits under sdr).
 *
 * Two stages (see README.md):
 *   1. local — an auction inside each zone over that zone's orders (zones in name order);
 *   2. cross-zone — one auction over every zone's residual orders, where each trade between zones draws
 *      on the selling zone's transfer limit (zones without a configured limit export nothing).
 */
import { checkedAdd } from './arith';
import { allocateProportionally } from './allocation';
import { invalidArgument } from './errors';
import { compareBids, compareByTime, compareOffers, compareStrings } from './ordering';
import { clamp, payAsClearPrice, sdrPrices, type SdrPrices } from './pricing';
import type { ClearingResult, ClearingStage, MarketOrder, MarketParams, Trade } from './types';
import { validateOrders, validateParams } from './validation';

interface OpenOrder {
  readonly order: MarketOrder;
  remaining: number;
}

interface Match {
  bid: OpenOrder;
  offer: OpenOrder;
  energyWh: number;
}

/** A stage's matches and the prices they trade at. */
interface PricedMatches {
  matches: Match[];
  /** Uniform seller price of the stage, or null if each match trades at its bid (pay-as-bid) or nothing matched. */
  uniformPrice: number | null;
}

const TRADE_SEQ_DIGITS = 6;

export function tradeIdOf(interval: string, seq: number): string {
  return `${interval}#${String(seq).padStart(TRADE_SEQ_DIGITS, '0')}`;
}

export function clearInterval(interval: string, orders: readonly MarketOrder[], params: MarketParams): ClearingResult {
  if (typeof interval !== 'string' || interval === '') throw invalidArgument('interval must be a non-empty string');
  validateParams(params);
  validateOrders(orders);

  const matchedWh: Record<string, number> = {};
  const ignoredOrderIds: string[] = [];
  const bids: OpenOrder[] = [];
  const offers: OpenOrder[] = [];
  let buyWh = 0;
  let sellWh = 0;
  for (const order of orders) {
    matchedWh[order.orderId] = 0;
    // The contract refuses prices outside the tariffs; an order can still fall outside them when the
    // tariffs change while its interval is open. Such orders stay in the book but never trade.
    if (order.limitPrice < params.feedInTariff || order.limitPrice > params.retailTariff) {
      ignoredOrderIds.push(order.orderId);
      continue;
    }
    if (order.side === 'buy') {
      bids.push({ order, remaining: order.energyWh });
      buyWh = checkedAdd(buyWh, order.energyWh);
    } else {
      offers.push({ order, remaining: order.energyWh });
      sellWh = checkedAdd(sellWh, order.energyWh);
    }
  }
  ignoredOrderIds.sort(compareStrings);

  const sdr = params.mechanism === 'sdr';
  // Under sdr households are passive: limit prices play no part, time priority orders the book.
  bids.sort(sdr ? (a, b) => compareByTime(a.order, b.order) : (a, b) => compareBids(a.order, b.order));
  offers.sort(sdr ? (a, b) => compareByTime(a.order, b.order) : (a, b) => compareOffers(a.order, b.order));
  const sdrPrice = sdr && buyWh > 0 && sellWh > 0 ? sdrPrices(sellWh, buyWh, params.feedInTariff, params.retailTariff) : null;

  const stages: ClearingStage[] = [];
  const trades: Trade[] = [];
  const record = (stage: ClearingStage['stage'], zone: string | undefined, priced: PricedMatches): void => {
    let stageWh = 0;
    for (const match of priced.matches) {
      trades.push(toTrade(interval, trades.length + 1, match, priced.uniformPrice, sdrPrice, params));
      matchedWh[match.bid.order.orderId] = (matchedWh[match.bid.order.orderId] ?? 0) + match.energyWh;
      matchedWh[match.offer.order.orderId] = (matchedWh[match.offer.order.orderId] ?? 0) + match.energyWh;
      stageWh = checkedAdd(stageWh, match.energyWh);
    }
    stages.push({ stage, ...(zone === undefined ? {} : { zone }), price: priced.uniformPrice, tradedWh: stageWh });
  };

  // Stage 1: inside each zone.
  const bidsByZone = groupByZone(bids);
  const offersByZone = groupByZone(offers);
  const zonesWithOrders = [...new Set([...bidsByZone.keys(), ...offersByZone.keys()])].sort(compareStrings);
  for (const zone of zonesWithOrders) {
    const zoneBids = bidsByZone.get(zone) ?? [];
    const zoneOffers = offersByZone.get(zone) ?? [];
    const matches = sdr ? matchProportionally(zoneBids, zoneOffers, null) : matchByPrice(zoneBids, zoneOffers, null);
    record('local', zone, priceMatches(matches, params, sdrPrice));
  }

  // Stage 2: across zones, over the residuals, within each selling zone's transfer limit.
  const exportLeft = new Map<string, number>(params.zones.map((z) => [z.zone, z.transferLimitWh]));
  const residualBids = bids.filter((b) => b.remaining > 0);
  const residualOffers = offers.filter((o) => o.remaining > 0);
  const crossMatches = sdr
    ? matchProportionally(residualBids, residualOffers, exportLeft)
    : matchByPrice(residualBids, residualOffers, exportLeft);
  record('cross-zone', undefined, priceMatches(crossMatches, params, sdrPrice));

  const zoneExportsWh: Record<string, number> = {};
  for (const zone of [...params.zones.map((z) => z.zone), ...zonesWithOrders].sort(compareStrings)) zoneExportsWh[zone] = 0;
  let tradedWh = 0;
  for (const trade of trades) {
    tradedWh = checkedAdd(tradedWh, trade.energyWh);
    if (trade.zoneFrom !== trade.zoneTo) {
      zoneExportsWh[trade.zoneFrom] = checkedAdd(zoneExportsWh[trade.zoneFrom] ?? 0, trade.energyWh);
    }
  }

  return {
    interval,
    clearingPrice: volumeWeightedPrice(trades, tradedWh),
    trades,
    matchedWh,
    tradedWh,
    buyWh,
    sellWh,
    zoneExportsWh,
    stages,
    ignoredOrderIds,
  };
}

/** Splits a sorted list by zone, keeping the order inside each zone. */
function groupByZone(sorted: readonly OpenOrder[]): Map<string, OpenOrder[]> {
  const byZone = new Map<string, OpenOrder[]>();
  for (const open of sorted) {
    const list = byZone.get(open.order.zone);
    if (list) list.push(open);
    else byZone.set(open.order.zone, [open]);
  }
  return byZone;
}

/**
 * Greedy walk down the demand and supply step curves (bids by price descending, offers ascending):
 * pair the best remaining bid with the best remaining offer while the bid price ≥ the offer price.
 * The last pair is the K of pay-as-clear; marginal volume goes to earlier orders in sort order.
 * With `exportLeft`, a pair across zones may move at most what the offer's zone has left to export;
 * an offer whose zone has nothing left is passed over.
 */
function matchByPrice(bids: readonly OpenOrder[], offers: readonly OpenOrder[], exportLeft: Map<string, number> | null): Match[] {
  const matches: Match[] = [];
  let i = 0;
  let j = 0;
  while (i < bids.length && j < offers.length) {
    const bid = bids[i] as OpenOrder;
    const offer = offers[j] as OpenOrder;
    if (bid.remaining === 0) {
      i++;
      continue;
    }
    if (offer.remaining === 0) {
      j++;
      continue;
    }
    if (bid.order.limitPrice < offer.order.limitPrice) break;
    let energyWh = Math.min(bid.remaining, offer.remaining);
    if (exportLeft && offer.order.zone !== bid.order.zone) {
      const left = exportLeft.get(offer.order.zone) ?? 0;
      if (left === 0) {
        j++;
        continue;
      }
      energyWh = Math.min(energyWh, left);
      exportLeft.set(offer.order.zone, left - energyWh);
    }
    bid.remaining -= energyWh;
    offer.remaining -= energyWh;
    matches.push({ bid, offer, energyWh });
  }
  return matches;
}

/**
 * sdr matching: min(supply, demand) is matched, split over sellers and over buyers in proportion to
 * their remaining Wh (largest remainder, ties in time priority), then paired by walking both lists.
 * With `exportLeft` (cross-zone stage) the volume a zone may sell is capped by its transfer limit and
 * the matched volume is first split over the selling zones in proportion to their capped supply.
 */
function matchProportionally(bids: readonly OpenOrder[], offers: readonly OpenOrder[], exportLeft: Map<string, number> | null): Match[] {
  const demand = sumRemaining(bids);
  let sellers: OpenOrder[];
  let sellerShares: number[];
  if (exportLeft === null) {
    const matched = Math.min(demand, sumRemaining(offers));
    sellers = offers.slice();
    sellerShares = allocateProportionally(matched, offers.map((o) => o.remaining));
  } else {
    // After the local stage a zone has residual supply or residual demand, never both, so every pair
    // formed here crosses zones.
    const offersByZone = groupByZone(offers);
    const zones = [...offersByZone.keys()].sort(compareStrings);
    const exportable = zones.map((zone) => Math.min(sumRemaining(offersByZone.get(zone) ?? []), exportLeft.get(zone) ?? 0));
    const matched = Math.min(demand, exportable.reduce((a, b) => checkedAdd(a, b), 0));
    const zoneShares = allocateProportionally(matched, exportable);
    sellers = [];
    sellerShares = [];
    zones.forEach((zone, z) => {
      const zoneOffers = offersByZone.get(zone) ?? [];
      const share = zoneShares[z] as number;
      exportLeft.set(zone, (exportLeft.get(zone) ?? 0) - share);
      sellers.push(...zoneOffers);
      sellerShares.push(...allocateProportionally(share, zoneOffers.map((o) => o.remaining)));
    });
  }
  const matched = sellerShares.reduce((a, b) => a + b, 0);
  const buyerShares = allocateProportionally(matched, bids.map((b) => b.remaining));
  return pairShares(bids, buyerShares, sellers, sellerShares);
}

function sumRemaining(list: readonly OpenOrder[]): number {
  let total = 0;
  for (const open of list) total = checkedAdd(total, open.remaining);
  return total;
}

/** Pairs two equal-sum allocations in list order (a merge walk), consuming the orders' remaining Wh. */
function pairShares(bids: readonly OpenOrder[], bidShares: number[], offers: readonly OpenOrder[], offerShares: number[]): Match[] {
  const matches: Match[] = [];
  const bidLeft = bidShares.slice();
  const offerLeft = offerShares.slice();
  let i = 0;
  let j = 0;
  while (i < bids.length && j < offers.length) {
    if (bidLeft[i] === 0) {
      i++;
      continue;
    }
    if (offerLeft[j] === 0) {
      j++;
      continue;
    }
    const bid = bids[i] as OpenOrder;
    const offer = offers[j] as OpenOrder;
    const energyWh = Math.min(bidLeft[i] as number, offerLeft[j] as number);
    bidLeft[i] = (bidLeft[i] as number) - energyWh;
    offerLeft[j] = (offerLeft[j] as number) - energyWh;
    bid.remaining -= energyWh;
    offer.remaining -= energyWh;
    matches.push({ bid, offer, energyWh });
  }
  return matches;
}

function priceMatches(matches: Match[], params: MarketParams, sdrPrice: SdrPrices | null): PricedMatches {
  const last = matches[matches.length - 1];
  if (last === undefined) return { matches, uniformPrice: null };
  switch (params.mechanism) {
    case 'pay-as-clear':
      return {
        matches,
        uniformPrice: payAsClearPrice(
          last.bid.order.limitPrice,
          last.offer.order.limitPrice,
          params.kBps,
          params.feedInTariff,
          params.retailTariff,
        ),
      };
    case 'pay-as-bid':
      return { matches, uniformPrice: null };
    case 'sdr':
      return { matches, uniformPrice: sdrPrice?.sellPrice ?? null };
  }
}

function toTrade(
  interval: string,
  seq: number,
  match: Match,
  uniformPrice: number | null,
  sdrPrice: SdrPrices | null,
  params: MarketParams,
): Trade {
  const { bid, offer } = match;
  const zoneFrom = offer.order.zone;
  const zoneTo = bid.order.zone;
  const price = uniformPrice ?? clamp(bid.order.limitPrice, params.feedInTariff, params.retailTariff);
  return {
    tradeId: tradeIdOf(interval, seq),
    interval,
    buyOrderId: bid.order.orderId,
    sellOrderId: offer.order.orderId,
    buyerHouseholdId: bid.order.householdId,
    sellerHouseholdId: offer.order.householdId,
    ...(offer.order.meterId === undefined ? {} : { sellerMeterId: offer.order.meterId }),
    energyWh: match.energyWh,
    price,
    ...(sdrPrice === null ? {} : { buyerPrice: sdrPrice.buyPrice }),
    gridFeePerKwh: zoneFrom === zoneTo ? params.gridFeeLocal : params.gridFeeCrossZone,
    zoneFrom,
    zoneTo,
  };
}

/** floor(Σ energy·price / Σ energy) over the trades, exact; null without trades. */
function volumeWeightedPrice(trades: readonly Trade[], tradedWh: number): number | null {
  if (tradedWh === 0) return null;
  let weighted = 0n;
  for (const trade of trades) weighted += BigInt(trade.energyWh) * BigInt(trade.price);
  return Number(weighted / BigInt(tradedWh));
}
