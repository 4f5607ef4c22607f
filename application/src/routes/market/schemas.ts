import { Type, type Static } from '@sinclair/typebox';
import { Id, Interval, NonNegativeInt, Passthrough, PositiveInt } from '../common';

export const Mechanism = Type.Union([Type.Literal('pay-as-clear'), Type.Literal('pay-as-bid'), Type.Literal('sdr')]);
export const Clock = Type.Union([Type.Literal('wall'), Type.Literal('operator')]);
export const Zone = Type.Object(
  { zone: Id('grid zone'), transferLimitWh: NonNegativeInt('most energy that may leave the zone per interval, Wh') },
  { additionalProperties: false },
);

/** What the utility may change with PUT /v1/market/config. */
const updatableFields = {
  intervalSeconds: PositiveInt('length of an interval in seconds'),
  clock: Clock,
  mechanism: Mechanism,
  k: Type.Number({ minimum: 0, maximum: 1, description: 'pay-as-clear weight of the marginal bid, a fraction with at most 4 decimals' }),
  feedInTariff: NonNegativeInt('money units per kWh the grid pays for export (price floor)'),
  retailTariff: NonNegativeInt('money units per kWh the grid charges for import (price ceiling)'),
  gridFeeLocal: NonNegativeInt('money units per kWh on P2P energy within a zone'),
  gridFeeCrossZone: NonNegativeInt('money units per kWh on P2P energy across zones'),
  zones: Type.Array(Zone, { maxItems: 1000 }),
};

/** Fixed by the chaincode: reported by GET /v1/market/config, refused by PUT. */
export const READ_ONLY_CONFIG_FIELDS = ['moneyScale', 'priceUnit'] as const;

export const MarketConfig = Type.Object(
  {
    ...updatableFields,
    moneyScale: PositiveInt('money units per currency unit (fixed, read-only)'),
    priceUnit: Type.String({ description: 'unit of prices, tariffs and fees (fixed, read-only)' }),
  },
  { description: 'market configuration' },
);
export type MarketConfig = Static<typeof MarketConfig>;

export const MarketConfigUpdate = Type.Partial(Type.Object(updatableFields), {
  additionalProperties: false,
  minProperties: 1,
  description: `any of the configuration's fields but ${READ_ONLY_CONFIG_FIELDS.join(' and ')}, which are fixed`,
});
export type MarketConfigUpdate = Static<typeof MarketConfigUpdate>;

export const IntervalParams = Type.Object({ interval: Interval });

const BookLevel = Type.Object({ price: Type.Integer(), energyWh: Type.Integer() });
export const IntervalView = Passthrough({
  interval: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  clearingPrice: Type.Optional(Type.Integer({ description: 'absent while the interval has no price: not cleared yet, or cleared with no trades' })),
  tradedWh: Type.Optional(Type.Integer()),
  buyWh: Type.Optional(Type.Integer()),
  sellWh: Type.Optional(Type.Integer()),
  orderBook: Type.Optional(Type.Object({ bids: Type.Array(BookLevel), offers: Type.Array(BookLevel) })),
});
export const IntervalResult = Passthrough({
  interval: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  clearingPrice: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: 'clear: null when nothing traded' })),
});
