/**
 * Submitting straight through @hyperledger/fabric-gateway as the gateway app's own users (the
 * household and staff identities it enrolled, read from its identity store): the baseline the
 * app's HTTP path is compared with, the fast way to load a ledger with orders, and the way to
 * time one transaction without the app in between.
 *
 * gRPC message limits are raised to Fabric's peer defaults (100 MB): a clearing transaction's
 * endorsed result carries every order of the interval and outgrows gRPC's 4 MB default.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, type Contract, type Gateway, type Identity, type Signer } from '@hyperledger/fabric-gateway';
import { loadPiece } from './stack';

const FABRIC_MAX_MESSAGE_BYTES = 100 * 1024 * 1024;

interface IdentityStore {
  identityFor(userId: string): Promise<Identity>;
  signerFor(userId: string): Promise<Signer>;
}

interface Profile {
  channel: string;
  chaincode: string;
  organizations: Record<string, { peer: { endpoint: string; hostAlias?: string; tlsCaCertPath?: string | null } }>;
}

export interface DirectContracts {
  /**
   * A contract as seen by `userId`: of the Gridshare chaincode (default contract `market`), or of
   * another chaincode on the same channel.
   */
  contractFor(userId: string, contract?: string, chaincode?: string): Promise<Contract>;
  close(): Promise<void>;
}

export function directContracts(identityDir: string, connectionFile: string): DirectContracts {
  const { FileIdentityStore } = loadPiece<{ FileIdentityStore: new (dir: string) => IdentityStore }>(
    'the gateway app identity store',
    ['@gridshare/application/dist/identity/store'],
    'FileIdentityStore',
  );
  const profile = JSON.parse(readFileSync(connectionFile, 'utf8')) as Profile;
  const store = new FileIdentityStore(identityDir);
  const clients = new Map<string, grpc.Client>();
  const gateways = new Map<string, Promise<Gateway>>();

  const clientFor = (mspId: string): grpc.Client => {
    const peer = profile.organizations[mspId]?.peer;
    if (!peer) throw new Error(`no organization ${mspId} in ${connectionFile}`);
    let client = clients.get(mspId);
    if (!client) {
      const tls = peer.tlsCaCertPath ? grpc.credentials.createSsl(readFileSync(peer.tlsCaCertPath)) : grpc.credentials.createInsecure();
      client = new grpc.Client(peer.endpoint, tls, {
        'grpc.max_receive_message_length': FABRIC_MAX_MESSAGE_BYTES,
        'grpc.max_send_message_length': FABRIC_MAX_MESSAGE_BYTES,
        ...(peer.tlsCaCertPath && peer.hostAlias ? { 'grpc.ssl_target_name_override': peer.hostAlias } : {}),
      });
      clients.set(mspId, client);
    }
    return client;
  };

  const gatewayFor = (userId: string): Promise<Gateway> => {
    let gateway = gateways.get(userId);
    if (!gateway) {
      gateway = (async () => {
        const [identity, signer] = await Promise.all([store.identityFor(userId), store.signerFor(userId)]);
        // The store's signer hashes with SHA-256 itself (OpenSSL), hence hash.none.
        return connect({
          client: clientFor(identity.mspId),
          identity,
          signer,
          hash: hash.none,
          endorseOptions: () => ({ deadline: Date.now() + 600_000 }),
          submitOptions: () => ({ deadline: Date.now() + 60_000 }),
          commitStatusOptions: () => ({ deadline: Date.now() + 600_000 }),
          evaluateOptions: () => ({ deadline: Date.now() + 60_000 }),
        });
      })();
      gateways.set(userId, gateway);
    }
    return gateway;
  };

  return {
    contractFor: async (userId, contract = 'market', chaincode = profile.chaincode) =>
      (await gatewayFor(userId)).getNetwork(profile.channel).getContract(chaincode, contract),
    close: async () => {
      for (const g of await Promise.allSettled(gateways.values())) if (g.status === 'fulfilled') g.value.close();
      for (const c of clients.values()) c.close();
    },
  };
}
