export { AuditContract } from './audit';
export { CertificatesContract } from './certificates';
export { ConsortiumContract } from './consortium';
export { HouseholdsContract } from './households';
export { MarketContract } from './market';
export { MetersContract } from './meters';
export { MoneyContract } from './money';
export { SettlementContract } from './settlement';
