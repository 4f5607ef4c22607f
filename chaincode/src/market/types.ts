/** Shared value types of the market. All quantities are integers: energy in Wh, prices in money units per kWh. */

export type Side = 'buy' | 'sell';
export type Mechanism = 'pay-as-clear' | 'pay-as-bid' | 'sdr';

export interface ZoneLimit {
  zone: string;
  /** Most Wh the zone may export to other zones in one interval. */
  transferLimitWh: number;
}

export interface MarketParams {
  mechanism: Mechanism;
  /** k of pay-as-clear in basis points, 0..10000. */
  kBps: number;
  feedInTariff: number;
  retailTariff: number;
  gridFeeLocal: number;
  gridFeeCrossZone: number;
  zones: ZoneLimit[];
}

export interface MarketOrder {
  orderId: string;
  householdId: string;
  side: Side;
  energyWh: number;
  limitPrice: number;
  zone: string;
  meterId?: string;
  /** Time priority, compared as a string: earlier sorts first (e.g. tx timestamp ISO + '|' + txId). */
  priority: string;
}

export interface Trade {
  tradeId: string;
  interval: string;
  buyOrderId: string;
  sellOrderId: string;
  buyerHouseholdId: string;
  sellerHouseholdId: string;
  sellerMeterId?: string;
  energyWh: number;
  /** Price the seller receives (and, except under sdr, the buyer pays), money units per kWh. */
  price: number;
  /** Only under sdr: the price the buyer pays; the spread over `price` goes to the utility. */
  buyerPrice?: number;
  gridFeePerKwh: number;
  zoneFrom: string;
  zoneTo: string;
}

export interface ClearingStage {
  /** 'local' = auction inside one zone; 'cross-zone' = the auction over every zone's residual orders. */
  stage: 'local' | 'cross-zone';
  zone?: string;
  /** Uniform price of the stage (pay-as-clear, sdr); null under pay-as-bid or when nothing traded. */
  price: number | null;
  tradedWh: number;
}

export interface ClearingResult {
  interval: string;
  /** Volume-weighted mean trade price (floor); equals the uniform price when one stage traded. Null without trades. */
  clearingPrice: number | null;
  trades: Trade[];
  /** orderId -> matched Wh, for every order given (0 when unmatched or ignored). */
  matchedWh: Record<string, number>;
  tradedWh: number;
  /** Wh of all valid buy orders, and of all valid sell orders. */
  buyWh: number;
  sellWh: number;
  /** zone -> Wh exported to other zones. */
  zoneExportsWh: Record<string, number>;
  stages: ClearingStage[];
  /** Orders left out because their limit price lies outside [feedInTariff, retailTariff]. */
  ignoredOrderIds: string[];
}

export interface OrderBookLevel {
  price: number;
  energyWh: number;
}
