import { HttpError } from '../../http-error';
import type { MarketConfig, MarketConfigUpdate } from './schemas';

/** The chaincode keeps `k` as integer basis points; the API shows it as a fraction. */
export const K_SCALE = 10_000;

export type ChaincodeMarketConfig = Omit<MarketConfig, 'k'> & { kBps: number };

export function fromChaincode(config: ChaincodeMarketConfig): MarketConfig {
  const { kBps, ...rest } = config;
  return { ...rest, k: kBps / K_SCALE };
}

/** Converts `k` to basis points exactly, refusing fractions finer than 0.0001. */
export function toChaincode(update: MarketConfigUpdate): Record<string, unknown> {
  const { k, ...rest } = update;
  if (k === undefined) return rest;
  const kBps = Math.round(k * K_SCALE);
  if (Math.abs(kBps - k * K_SCALE) > 1e-6) {
    throw new HttpError(400, 'VALIDATION_ERROR', 'k must be a fraction with at most 4 decimals');
  }
  return { ...rest, kBps };
}
