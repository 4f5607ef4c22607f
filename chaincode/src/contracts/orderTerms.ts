/** How stored orders and configuration map onto the pure market's terms. */
import type { MarketOrder, MarketParams } from '../market';
import type { MarketConfig, OrderRecord } from '../ledger/model';

export function marketParamsOf(config: MarketConfig): MarketParams {
  return {
    mechanism: config.mechanism,
    kBps: config.kBps,
    feedInTariff: config.feedInTariff,
    retailTariff: config.retailTariff,
    gridFeeLocal: config.gridFeeLocal,
    gridFeeCrossZone: config.gridFeeCrossZone,
    zones: config.zones,
  };
}

/** Time priority of an order: transaction time, then transaction ID. */
export function priorityOf(order: OrderRecord): string {
  return `${order.txTime}|${order.txId}`;
}

export function toMarketOrder(order: OrderRecord): MarketOrder {
  return {
    orderId: order.orderId,
    householdId: order.householdId,
    side: order.side,
    energyWh: order.energyWh,
    limitPrice: order.limitPrice,
    zone: order.zone,
    meterId: order.meterId,
    priority: priorityOf(order),
  };
}

