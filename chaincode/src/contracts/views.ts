/** Public shapes returned by transactions (what callers see of stored records). */
import type { CertificateRecord, HouseholdRecord, MemberRecord, OrderRecord } from '../ledger/model';
import type { Trade } from '../market';

export function memberView(householdId: string, m: MemberRecord): Record<string, unknown> {
  return { householdId, userId: m.userId, role: m.role, canTrade: m.role === 'owner' || m.canTrade };
}

export function householdView(h: HouseholdRecord, balance: number): Record<string, unknown> {
  return {
    householdId: h.householdId,
    displayName: h.displayName,
    retailer: h.retailer,
    balance,
    creditLimit: h.creditLimit,
    suspended: h.suspended,
    members: h.members.map((m) => ({ userId: m.userId, role: m.role, canTrade: m.role === 'owner' || m.canTrade })),
    meters: h.meters,
    privateDetailsHash: h.privateDetailsHash,
  };
}

export function orderView(o: OrderRecord): Record<string, unknown> {
  return {
    orderId: o.orderId,
    householdId: o.householdId,
    side: o.side,
    interval: o.interval,
    energyWh: o.energyWh,
    limitPrice: o.limitPrice,
    meterId: o.meterId,
    zone: o.zone,
    status: o.status,
    matchedWh: o.matchedWh,
    reason: o.reason,
    txId: o.txId,
  };
}

export function tradeView(t: Trade): Record<string, unknown> {
  return {
    tradeId: t.tradeId,
    interval: t.interval,
    buyOrderId: t.buyOrderId,
    sellOrderId: t.sellOrderId,
    energyWh: t.energyWh,
    price: t.price,
    buyerPrice: t.buyerPrice,
    gridFeePerKwh: t.gridFeePerKwh,
    zoneFrom: t.zoneFrom,
    zoneTo: t.zoneTo,
  };
}

export function certificateView(c: CertificateRecord): Record<string, unknown> {
  return {
    certificateId: c.certificateId,
    householdId: c.buyerHouseholdId,
    interval: c.interval,
    energyWh: c.energyWh,
    sellerMeterId: c.sellerMeterId,
    zone: c.zone,
    tradeId: c.tradeId,
    claimed: c.claimed,
  };
}
