export * from './canonical';
export * from './errors';
export * from './events';
export * from './keys';
export * from './model';
export * from './privateData';
export * from './state';
export * from './repositories';
