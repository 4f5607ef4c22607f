/**
 * Submitting straight through @hyperledger/fabric-gateway as the gateway app's own users (the
 * household identities it enrolled), with the app's connection code: the baseline the app's HTTP
 * path is compared with, and the fast way to load a ledger with orders.
 */
import type { Contract } from '@hyperledger/fabric-gateway';
import { loadPiece } from './stack';

interface Identities {
  get(userId: string): Promise<unknown>;
}
interface Connections {
  gatewayFor(userId: string): Promise<{ getNetwork(channel: string): { getContract(cc: string, name: string): Contract } }>;
  close(): Promise<void>;
}

export interface DirectContracts {
  /** The `market` contract as seen by `userId`. */
  contractFor(userId: string): Promise<Contract>;
  close(): Promise<void>;
}

export function directContracts(identityDir: string, connectionFile: string): DirectContracts {
  const { FileIdentityStore } = loadPiece<{ FileIdentityStore: new (dir: string) => Identities }>(
    'the gateway app identity store',
    ['@gridshare/application/dist/identity/store'],
    'FileIdentityStore',
  );
  const { FabricConnections } = loadPiece<{ FabricConnections: new (p: unknown, i: Identities, d: unknown) => Connections }>(
    'the gateway app Fabric connections',
    ['@gridshare/application/dist/fabric/connections'],
    'FabricConnections',
  );
  const { loadConnectionProfile } = loadPiece<{ loadConnectionProfile(file: string): { channel: string; chaincode: string } }>(
    'the gateway app',
    ['@gridshare/application'],
    'loadConnectionProfile',
  );
  const profile = loadConnectionProfile(connectionFile);
  const connections = new FabricConnections(profile, new FileIdentityStore(identityDir), {
    evaluateMs: 5_000,
    endorseMs: 15_000,
    submitMs: 5_000,
    commitStatusMs: 60_000,
  });
  return {
    contractFor: async (userId) => (await connections.gatewayFor(userId)).getNetwork(profile.channel).getContract(profile.chaincode, 'market'),
    close: () => connections.close(),
  };
}
