import { MarketError } from './errors';
import type { ClearingResult, MarketOrder, MarketParams } from './types';

export function clearInterval(interval: string, orders: readonly MarketOrder[], params: MarketParams): ClearingResult {
  void interval; void orders; void params;
  throw new MarketError('NOT_IMPLEMENTED', 'clearing is being written');
}
