import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, type Gateway } from '@hyperledger/fabric-gateway';
import { DEFAULT_GRPC_MAX_MESSAGE_BYTES, type ConnectionProfile, type Deadlines } from '../config';
import type { IdentityStore } from '../identity';
import { PeerCommitWatcher } from './commit-watcher';

/** Another organization's peer, as one user sees it. */
export interface OtherPeer {
  mspId: string;
  gateway: Gateway;
  /** Its commit watcher, if the connections run them. */
  watcher: PeerCommitWatcher | undefined;
}

export interface FabricConnectionsOptions {
  /**
   * A gateway user (any organization's: the channel's readers may read blocks from every peer)
   * whose identity opens one filtered-block stream per peer, so that a submission's commit status
   * on each peer needs no signed CommitStatus request per transaction. Unset: every commit status
   * is asked of the peer.
   */
  commitWatcherUser?: string;
  onWatcherError?: (err: unknown, failures: number) => void;
  /**
   * Renews a user's certificate when it is about to expire (CertificateRenewal.renewIfDue):
   * `false` when nothing was due, else whether it renewed, after which the user's Gateways are
   * created again with the new certificate and key.
   */
  renewIdentity?: (userId: string) => false | Promise<boolean>;
}

const deadlineIn = (ms: number) => (): grpc.CallOptions => ({ deadline: Date.now() + ms });

/**
 * Channel options of a peer connection. grpc-js refuses messages over 4 MB by default, but an
 * endorsement of a large transaction (clearing 10,000 orders writes ~8 MB) or a large query result
 * easily exceeds that; Fabric peers allow 100 MB, so the client must too.
 */
export function peerChannelOptions(maxMessageBytes: number, hostAlias?: string, tls = false): grpc.ChannelOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    ...(hostAlias && tls ? { 'grpc.ssl_target_name_override': hostAlias } : {}),
  };
}

/**
 * Long-lived Fabric connections: one gRPC client per peer endpoint (shared by every identity of
 * every organization that uses it) and one Gateway per gateway user, created on first use.
 */
export class FabricConnections {
  readonly #clients = new Map<string, grpc.Client>();
  readonly #gateways = new Map<string, Promise<Gateway>>();
  /** Per user, the other organizations' peers (asked on every submit). */
  readonly #otherPeers = new Map<string, Promise<OtherPeer[]>>();
  /** Per peer endpoint, which transactions it has committed. */
  readonly #watchers = new Map<string, PeerCommitWatcher>();
  #closed = false;

  constructor(
    readonly profile: ConnectionProfile,
    private readonly identities: IdentityStore,
    private readonly deadlines: Deadlines,
    private readonly maxMessageBytes: number = DEFAULT_GRPC_MAX_MESSAGE_BYTES,
    private readonly options: FabricConnectionsOptions = {},
  ) {}

  /** The gRPC client for an organization's peer; TLS when the profile names a CA certificate. */
  clientFor(mspId: string): grpc.Client {
    const org = this.profile.organizations[mspId];
    if (!org) throw new Error(`no organization ${mspId} in the connection profile`);
    const { endpoint, hostAlias, tlsCaCertPath } = org.peer;
    const key = `${endpoint}|${tlsCaCertPath ?? ''}`;
    let client = this.#clients.get(key);
    if (!client) {
      const credentials = tlsCaCertPath
        ? grpc.credentials.createSsl(readFileSync(tlsCaCertPath))
        : grpc.credentials.createInsecure();
      client = new grpc.Client(endpoint, credentials, peerChannelOptions(this.maxMessageBytes, hostAlias, Boolean(tlsCaCertPath)));
      this.#clients.set(key, client);
    }
    return client;
  }

  /** The cached Gateway through which `userId` signs and submits. */
  gatewayFor(userId: string): Promise<Gateway> {
    return this.#afterRenewal(userId, () => this.#cached(this.#gateways, userId, () => this.#connect(userId)));
  }

  /**
   * The peers of the other organizations as seen by `userId`, one per distinct endpoint other than
   * the user's own (none on the dev ledger, where every organization shares one endpoint): the
   * user's Gateway there, and the peer's commit watcher when the connections have a watcher user.
   */
  otherPeersFor(userId: string): Promise<OtherPeer[]> {
    return this.#afterRenewal(userId, () => this.#cached(this.#otherPeers, userId, () => this.#connectOtherPeers(userId)));
  }

  /**
   * Runs `use` once the user's certificate is renewed if it was due; a renewal drops the user's
   * cached Gateways so the next ones carry the new certificate (calls in flight finish on the old
   * ones, whose certificate is still valid).
   */
  #afterRenewal<T>(userId: string, use: () => Promise<T>): Promise<T> {
    const renewal = this.options.renewIdentity?.(userId) ?? false;
    if (renewal === false) return use();
    return renewal.then((renewed) => {
      if (renewed) this.#forgetGateways(userId);
      return use();
    });
  }

  #forgetGateways(userId: string): void {
    for (const [key, gateway] of this.#gateways) {
      if (key !== userId && !key.startsWith(`${userId}@`)) continue;
      this.#gateways.delete(key);
      gateway.then((g) => g.close(), () => undefined);
    }
    this.#otherPeers.delete(userId);
  }

  /** One connection attempt per key at a time; a failed one is forgotten so the next call retries. */
  #cached<T>(cache: Map<string, Promise<T>>, key: string, connect: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('Fabric connections are closed'));
    let pending = cache.get(key);
    if (!pending) {
      pending = connect();
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    return pending;
  }

  /** The commit watcher of the user's own peer (through which it submits), if the connections run them. */
  async ownPeerWatcherFor(userId: string): Promise<PeerCommitWatcher | undefined> {
    if (this.options.commitWatcherUser === undefined) return undefined;
    const { mspId } = await this.identities.identityFor(userId);
    return this.#watcherFor(mspId);
  }

  /** The commit watcher of an organization's peer, started on first use (undefined without a watcher user). */
  #watcherFor(peerMspId: string): PeerCommitWatcher | undefined {
    const watcherUser = this.options.commitWatcherUser;
    if (watcherUser === undefined) return undefined;
    const key = this.#endpointKey(peerMspId);
    let watcher = this.#watchers.get(key);
    if (!watcher) {
      watcher = new PeerCommitWatcher(() => this.#gatewayOn(watcherUser, peerMspId), this.profile.channel, {
        waitMs: this.deadlines.commitStatusMs,
        onError: this.options.onWatcherError,
      });
      this.#watchers.set(key, watcher);
      watcher.start();
    }
    return watcher;
  }

  async #connectOtherPeers(userId: string): Promise<OtherPeer[]> {
    const { mspId } = await this.identities.identityFor(userId);
    const own = this.#endpointKey(mspId);
    const others = new Map<string, string>();
    for (const other of Object.keys(this.profile.organizations)) {
      const key = this.#endpointKey(other);
      if (key !== own && !others.has(key)) others.set(key, other);
    }
    return Promise.all(
      [...others.values()].map(async (peerMspId) => ({
        mspId: peerMspId,
        gateway: await this.#gatewayOn(userId, peerMspId),
        watcher: this.#watcherFor(peerMspId),
      })),
    );
  }

  /** The cached Gateway of `userId` on another organization's peer. */
  #gatewayOn(userId: string, peerMspId: string): Promise<Gateway> {
    return this.#cached(this.#gateways, `${userId}@${peerMspId}`, () => this.#connect(userId, peerMspId));
  }

  #endpointKey(mspId: string): string {
    const org = this.profile.organizations[mspId];
    if (!org) throw new Error(`no organization ${mspId} in the connection profile`);
    return `${org.peer.endpoint}|${org.peer.tlsCaCertPath ?? ''}`;
  }

  async #connect(userId: string, peerMspId?: string): Promise<Gateway> {
    const [identity, signer] = await Promise.all([this.identities.identityFor(userId), this.identities.signerFor(userId)]);
    return connect({
      client: this.clientFor(peerMspId ?? identity.mspId),
      identity,
      signer,
      // The store's signer hashes with SHA-256 itself (OpenSSL is much faster than the default).
      hash: hash.none,
      evaluateOptions: deadlineIn(this.deadlines.evaluateMs),
      endorseOptions: deadlineIn(this.deadlines.endorseMs),
      submitOptions: deadlineIn(this.deadlines.submitMs),
      commitStatusOptions: deadlineIn(this.deadlines.commitStatusMs),
    });
  }

  /** Closes every Gateway, then every gRPC client. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#watchers.values()].map((w) => w.close()));
    this.#watchers.clear();
    const gateways = await Promise.allSettled(this.#gateways.values());
    for (const g of gateways) if (g.status === 'fulfilled') g.value.close();
    this.#gateways.clear();
    this.#otherPeers.clear();
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}
