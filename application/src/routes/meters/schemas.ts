import { Type, type Static } from '@sinclair/typebox';
import { Id, Interval, NonNegativeInt, Passthrough } from '../common';

export const RegisterMeterBody = Type.Object(
  {
    meterId: Id('meter ID'),
    householdId: Id('household the meter belongs to'),
    zone: Id('grid zone (feeder or transformer)'),
    exportCapacityW: NonNegativeInt('maximum export power, W'),
    importCapacityW: NonNegativeInt('maximum import power, W'),
    publicKeyPem: Type.String({ minLength: 50, maxLength: 4096, pattern: '^-----BEGIN PUBLIC KEY-----', description: 'the meter\'s ECDSA P-256 public key (SPKI PEM)' }),
  },
  { additionalProperties: false },
);
export type RegisterMeterBody = Static<typeof RegisterMeterBody>;

export const Reading = Type.Object(
  {
    meterId: Id('meter ID'),
    interval: Interval,
    importWh: NonNegativeInt('energy imported in the interval, Wh'),
    exportWh: NonNegativeInt('energy exported in the interval, Wh'),
    signature: Type.String({ minLength: 8, maxLength: 200, pattern: '^[A-Za-z0-9+/]+={0,2}$', description: 'base64 DER ECDSA P-256/SHA-256 over meterId|interval|importWh|exportWh' }),
  },
  { additionalProperties: false },
);

export const ReadingsBody = Type.Object(
  { readings: Type.Array(Reading, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export type ReadingsBody = Static<typeof ReadingsBody>;

export const MeterParams = Type.Object({ id: Id('meter ID') });
export const RangeQuery = Type.Object(
  { from: Type.Optional(Interval), to: Type.Optional(Interval) },
  { additionalProperties: false },
);

export const Meter = Passthrough({ meterId: Type.Optional(Type.String()), householdId: Type.Optional(Type.String()), zone: Type.Optional(Type.String()) });
export const Readings = Passthrough({
  readings: Type.Array(
    Passthrough({ meterId: Type.Optional(Type.String()), interval: Type.Optional(Type.String()), importWh: Type.Optional(Type.Integer()), exportWh: Type.Optional(Type.Integer()) }),
  ),
});
