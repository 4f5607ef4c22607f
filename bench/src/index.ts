/** Reusable pieces of the simulator (the demo seed of `npm start` uses them). */
export { seedDemo, type DemoSeedResult } from './seed-demo';
export { ApiClient, ApiError, newStats, type RequestStats, type RequestOptions } from './core/api-client';
export { mulberry32, deriveSeed, streamFor, gaussian, uniform, uniformInt, type Random } from './core/prng';
export * from './core/profiles';
export { newMeterKey, signReading, type MeterKey, type SignedReading } from './core/meter-keys';
export { mapPool, chunks } from './core/pool';
export { intervalName, DEFAULT_START } from './core/intervals';
export type { StaffTokens, MarketConfig } from './neighbourhood/onboard';
