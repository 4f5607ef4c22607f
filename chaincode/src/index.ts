/** Gridshare chaincode: the contracts the peer runs (`fabric-chaincode-node start`). */
import {
  AuditContract,
  CertificatesContract,
  ConsortiumContract,
  HouseholdsContract,
  MarketContract,
  MetersContract,
  MoneyContract,
  SettlementContract,
} from './contracts';
import { installShimBatching } from './shimBatching';
import { cacheShimCertificateParses } from './shimIdentityCache';
import { skipDisabledShimLogRecords } from './shimLogging';

skipDisabledShimLogRecords();
cacheShimCertificateParses();
installShimBatching();

export * from './contracts';

export const contracts: unknown[] = [
  ConsortiumContract,
  HouseholdsContract,
  MoneyContract,
  MetersContract,
  MarketContract,
  SettlementContract,
  CertificatesContract,
  AuditContract,
];
