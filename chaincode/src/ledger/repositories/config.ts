/** Consortium roles and market configuration, each under one config key. */
import { keys } from '../keys';
import type { ConsortiumRecord, MarketConfig } from '../model';
import { ChaincodeError } from '../errors';
import type { StateStore } from '../state';

export const DEFAULT_MARKET_CONFIG: MarketConfig = {
  intervalSeconds: 900,
  clock: 'wall',
  mechanism: 'pay-as-clear',
  kBps: 5000,
  feedInTariff: 800,
  retailTariff: 3000,
  gridFeeLocal: 100,
  gridFeeCrossZone: 300,
  moneyScale: 10000,
  priceUnit: 'money-units/kWh',
  zones: [],
};

export class ConfigRepository {
  constructor(private readonly state: StateStore) {}

  async findConsortium(): Promise<ConsortiumRecord | undefined> {
    return this.state.get<ConsortiumRecord>(keys.consortium(this.state.stub));
  }

  async consortium(): Promise<ConsortiumRecord> {
    const found = await this.findConsortium();
    if (!found) throw new ChaincodeError('NOT_INITIALISED', 'the consortium has not been initialised (consortium:Init)');
    return found;
  }

  async putConsortium(record: ConsortiumRecord): Promise<void> {
    await this.state.put(keys.consortium(this.state.stub), record);
  }

  async market(): Promise<MarketConfig> {
    const found = await this.state.get<MarketConfig>(keys.marketConfig(this.state.stub));
    if (!found) throw new ChaincodeError('NOT_INITIALISED', 'the market has not been configured (consortium:Init)');
    return found;
  }

  async putMarket(config: MarketConfig): Promise<void> {
    await this.state.put(keys.marketConfig(this.state.stub), config);
  }
}
