/** Price formulas of the mechanisms, in exact integer/rational arithmetic. */
import { toSafeNumber } from './arith';

const BPS = 10000n;

/**
 * Uniform price of pay-as-clear: floor((kBps·bid_K + (10000 − kBps)·offer_K) / 10000), then clamped to
 * [feedIn, retail]. Flooring keeps the price within [offer_K, bid_K] because offer_K is an integer.
 */
export function payAsClearPrice(bidK: number, offerK: number, kBps: number, feedIn: number, retail: number): number {
  const weighted = (BigInt(kBps) * BigInt(bidK) + (BPS - BigInt(kBps)) * BigInt(offerK)) / BPS;
  return clamp(toSafeNumber(weighted, 'clearing price'), feedIn, retail);
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export interface SdrPrices {
  sellPrice: number;
  buyPrice: number;
}

/**
 * Supply–demand-ratio prices (Liu et al., IEEE TPWRS 2017) with SDR = supplyWh / demandWh kept as a
 * fraction S/D (r = retail, f = feed-in):
 *   S >= D (SDR >= 1): sell = buy = f
 *   S <  D:            sell = r·f·D / ((r − f)·S + f·D)
 *                      buy  = sell·S/D + r·(D − S)/D
 *                           = (r·f·S·D + r·(D − S)·((r − f)·S + f·D)) / (D·((r − f)·S + f·D))
 * Both are computed exactly with BigInt and floored once; flooring keeps f <= sell <= buy <= r.
 * Requires S > 0 and D > 0 (with no supply or no demand nothing trades).
 */
export function sdrPrices(supplyWh: number, demandWh: number, feedIn: number, retail: number): SdrPrices {
  if (supplyWh >= demandWh) return { sellPrice: feedIn, buyPrice: feedIn };
  const S = BigInt(supplyWh);
  const D = BigInt(demandWh);
  const r = BigInt(retail);
  const f = BigInt(feedIn);
  const denominator = (r - f) * S + f * D; // > 0 because S > 0 and r >= f, and r·S > 0 when f = 0
  if (denominator === 0n) return { sellPrice: retail, buyPrice: retail }; // only when r = 0: all prices 0
  const sell = (r * f * D) / denominator;
  const buy = (r * f * S * D + r * (D - S) * denominator) / (D * denominator);
  return {
    sellPrice: clamp(toSafeNumber(sell, 'sdr sell price'), feedIn, retail),
    buyPrice: clamp(toSafeNumber(buy, 'sdr buy price'), feedIn, retail),
  };
}
