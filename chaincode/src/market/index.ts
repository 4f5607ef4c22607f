/** Pure market logic of Gridshare: no Fabric imports, integer arithmetic only. */
export * from './errors';
export * from './types';
export * from './arith';
export * from './clearing';
export * from './orderbook';
export * from './settlement';
export * from './audit';
export * from './validation';
export * from './ordering';
export * from './pricing';
export * from './allocation';
