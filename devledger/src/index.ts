/**
 * The embedded development ledger: a single-process stand-in for a one-peer Fabric network
 * (gateway, endorser, committer, solo orderer, dev CA) that speaks Fabric's own protocols, so the
 * unmodified chaincode and @hyperledger/fabric-gateway client run against it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_BOOTSTRAP, startDevCa } from './ca';
import { Collections } from './chaincode/collections';
import { type ChaincodeSource, ChaincodeRuntime } from './chaincode/runtime';
import { buildConnectionProfile, type ConnectionProfile, hostAlias, type OrgRole, writeConnectionProfile } from './connection-profile';
import { DevLedgerError } from './errors';
import { GatewayServer } from './gateway/server';
import { PeerIdentity } from './identity/peer-identity';
import { Ledger } from './ledger/ledger';
import { DevPeer } from './peer';

export type { ConnectionProfile, OrganizationProfile, OrgRole } from './connection-profile';
export type { ChaincodeSource } from './chaincode/runtime';
export { DevLedgerError } from './errors';

export interface DevLedgerOptions {
  /** Persistence (ledger/), CA material (ca/), the dev peer identity (peer/) and connection.json. */
  dataDir: string;
  host?: string;
  /** Default 7051; 0 = any free port. */
  gatewayPort?: number;
  /** Default 7054; 0 = any free port. */
  caPort?: number;
  channel?: string;
  chaincodeName?: string;
  chaincode: ChaincodeSource;
  /** Default <chaincode dir>/collections_config.json in spawn mode. */
  collectionsConfigPath?: string;
  orgs?: { mspId: string; caName: string; role: OrgRole }[];
  blockMaxTx?: number;
  blockTimeoutMs?: number;
  /** Wipe everything under dataDir first. */
  reset?: boolean;
  /** Run each endorsement twice and compare (default: env DEVLEDGER_DETERMINISM_CHECK=1). */
  determinismCheck?: boolean;
  /** Most results per range query (Fabric's totalQueryLimit). Default 100000. */
  totalQueryLimit?: number;
  logger?: (msg: string) => void;
}

export interface DevLedger {
  gatewayEndpoint: string;
  caUrl: string;
  connectionFile: string;
  connectionProfile: ConnectionProfile;
  blockHeight(): number;
  /** State requests the chaincode has sent, by ChaincodeMessage type (GET_STATE, WRITE_BATCH_STATE, ...): its round trips. */
  chaincodeRequests(): Record<string, number>;
  close(): Promise<void>;
}

export const DEFAULT_ORGS: { mspId: string; caName: string; role: OrgRole }[] = [
  { mspId: 'UtilityMSP', caName: 'ca-utility', role: 'utility' },
  { mspId: 'RetailerMSP', caName: 'ca-retailer', role: 'retailer' },
  // PRODUCT.md's optional read-only auditor org, so the auditor role works out of the box.
  { mspId: 'AuditorMSP', caName: 'ca-auditor', role: 'auditor' },
];

export async function startDevLedger(opts: DevLedgerOptions): Promise<DevLedger> {
  const log = opts.logger ?? (() => undefined);
  const host = opts.host ?? '127.0.0.1';
  const channel = opts.channel ?? 'energy';
  const chaincodeName = opts.chaincodeName ?? 'gridshare';
  const orgs = opts.orgs ?? DEFAULT_ORGS;
  if (orgs.length === 0) throw new DevLedgerError('INVALID_ARGUMENT', 'at least one organisation is required');
  const dataDir = path.resolve(opts.dataDir);
  if (opts.reset) await fs.rm(dataDir, { recursive: true, force: true });
  await fs.mkdir(dataDir, { recursive: true });

  const collectionsPath =
    opts.collectionsConfigPath ?? (opts.chaincode.mode === 'spawn' ? path.join(opts.chaincode.dir, 'collections_config.json') : undefined);
  const collections = Collections.load(collectionsPath, chaincodeName);

  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: Error) => log(`close: ${e.message}`));
  };
  try {
    const ledger = await Ledger.open(path.join(dataDir, 'ledger'));
    cleanups.push(() => ledger.close());
    const identity = await PeerIdentity.loadOrCreate(path.join(dataDir, 'peer'), orgs[0]!.mspId, hostAlias(orgs[0]!.mspId));

    const runtime = new ChaincodeRuntime({ source: opts.chaincode, chaincodeId: `${chaincodeName}:dev`, host, log });
    cleanups.push(() => runtime.close());
    await runtime.start();

    const peer = new DevPeer(ledger, runtime, collections, identity, {
      channel,
      chaincodeName,
      blockMaxTx: opts.blockMaxTx ?? 500,
      blockTimeoutMs: opts.blockTimeoutMs ?? 2,
      determinismCheck: opts.determinismCheck ?? process.env.DEVLEDGER_DETERMINISM_CHECK === '1',
      totalQueryLimit: opts.totalQueryLimit ?? 100_000,
      log,
    });
    cleanups.push(() => peer.close());

    const gatewayServer = new GatewayServer(peer, { host, port: opts.gatewayPort ?? 7051, mspId: identity.mspId, log });
    const gatewayEndpoint = await gatewayServer.start();
    cleanups.push(() => gatewayServer.close());

    const ca = await startDevCa({ dataDir, host, port: opts.caPort ?? 7054, orgs: orgs.map(({ mspId, caName }) => ({ mspId, caName })) });
    cleanups.push(() => ca.close());

    const connectionProfile = buildConnectionProfile({ channel, chaincode: chaincodeName, gatewayEndpoint, caUrl: ca.url, orgs, registrar: DEFAULT_BOOTSTRAP });
    const connectionFile = path.join(dataDir, 'connection.json');
    await writeConnectionProfile(connectionFile, connectionProfile);
    log(`dev ledger ready: gateway ${gatewayEndpoint}, CA ${ca.url}, channel ${channel}, chaincode ${chaincodeName}, height ${ledger.height}`);

    let closing: Promise<void> | undefined;
    return {
      gatewayEndpoint,
      caUrl: ca.url,
      connectionFile,
      connectionProfile,
      blockHeight: () => ledger.height,
      chaincodeRequests: () => Object.fromEntries(runtime.requestCounts),
      close: () => (closing ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
