/**
 * Walks committed blocks for a server stream: stored blocks from a start number, then blocks as
 * they commit, in order and without gaps, until the client goes away or a last block is sent.
 * ChaincodeEvents and DeliverFiltered both stream this way.
 */
import type * as grpc from '@grpc/grpc-js';
import type { CommittedBlock } from '../ledger/types';
import type { DevPeer } from '../peer';

export interface FollowOptions {
  /** First block to send. */
  start: number;
  /** Last block to send; the stream ends after it. Absent: follow until the client cancels. */
  stop?: number;
  send(block: CommittedBlock): void;
}

/** Resolves when the stream is over: the last block was sent, or the client cancelled or closed it. */
export async function followBlocks(peer: DevPeer, call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>, options: FollowOptions): Promise<'stopped' | 'cancelled'> {
  let next = options.start;
  const live: CommittedBlock[] = [];
  let wake: (() => void) | undefined;
  let cancelled = false;
  const unsubscribe = peer.onBlock((block) => {
    live.push(block);
    wake?.();
  });
  const cancel = () => {
    cancelled = true;
    wake?.();
  };
  call.on('cancelled', cancel);
  call.on('close', cancel);
  call.on('error', cancel);
  const done = () => options.stop !== undefined && next > options.stop;
  try {
    while (!cancelled && !done()) {
      if (next < peer.blockHeight) {
        const block = await peer.readBlock(next);
        if (!block) throw new Error(`block ${next} is missing`);
        options.send(block);
        next++;
        continue;
      }
      const block = live.shift();
      if (block) {
        if (block.number >= next) {
          options.send(block);
          next = block.number + 1;
        }
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    return cancelled ? 'cancelled' : 'stopped';
  } finally {
    unsubscribe();
    call.off('cancelled', cancel);
    call.off('close', cancel);
    call.off('error', cancel);
  }
}
