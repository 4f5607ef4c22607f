/** What every Gridshare contract shares: refusing unknown transactions, and per-call ledger access. */
import { Context, Contract } from 'fabric-contract-api';
import { invalidArgument } from '../ledger/errors';
import type { ConsortiumRecord } from '../ledger/model';
import { Ledger } from '../ledger/repositories';
import { finishWriteBatch, startWriteBatch } from '../shimBatching';
import { resolveCaller, type Caller } from './access';

export abstract class GridshareContract extends Contract {
  /** A transaction's writes go to the peer together at its end, where the peer accepts batches. */
  async beforeTransaction(ctx: Context): Promise<void> {
    startWriteBatch(ctx.stub);
  }

  async afterTransaction(ctx: Context): Promise<void> {
    await finishWriteBatch(ctx.stub);
  }

  /** A call naming no transaction of this contract is an error, never a silent success. */
  async unknownTransaction(ctx: Context): Promise<never> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    throw invalidArgument(`contract ${this.getName()} has no transaction ${fcn}`);
  }

  /** The ledger, the initialised consortium and the resolved caller of this transaction. */
  protected async session(ctx: Context): Promise<{ ledger: Ledger; consortium: ConsortiumRecord; caller: Caller }> {
    const ledger = new Ledger(ctx.stub);
    const consortium = await ledger.config.consortium();
    const caller = await resolveCaller(ctx, ledger, consortium);
    return { ledger, consortium, caller };
  }
}
