export { buildApp, type AppDeps } from './app';
export { loadConfig, loadConnectionProfile, ConfigError, type AppConfig, type ConnectionProfile } from './config';
export { Ledger, type ContractName, type Transactions } from './fabric/ledger';
export { toHttpError, parseChaincodeMessage } from './fabric/errors';
export { OperatorScheduler, intervalName } from './operator/scheduler';
export { HttpError } from './http-error';
