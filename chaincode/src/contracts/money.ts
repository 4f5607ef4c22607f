import { Context, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../ledger/canonical';
import { ChaincodeError, forbidden, invalidArgument } from '../ledger/errors';
import { emitEvent } from '../ledger/events';
import { accounts } from '../ledger/keys';
import type { IdempotencyRecord } from '../ledger/model';
import type { Ledger } from '../ledger/repositories';
import { txInfo } from '../ledger/state';
import { canReadRetailerAccount, canReadUtilityAccount, requireReadHousehold, requireRetailerOf } from './access';
import { GridshareContract } from './base';
import { fundsOf } from './funding';
import { identityDigest } from './idempotency';
import { newMoneyRequest, type MoneyRequest } from './requests';
import { identifier } from './validate';

type Operation = IdempotencyRecord['operation'];

/** Household balances: retailer deposits and withdrawals, statements, account balances. */
@Info({ title: 'money', description: 'Deposits, withdrawals, statements and balances' })
export class MoneyContract extends GridshareContract {
  constructor() {
    super('money');
  }

  /**
   * Records money paid in by a household. Idempotent by (calling identity, idempotencyKey): the
   * same key from the same identity is one request, whichever household it names.
   * @param {string} request JSON {"householdId","amount","idempotencyKey"}
   */
  @Transaction()
  @Returns('string')
  @Param('request', 'string', 'JSON {"householdId","amount","idempotencyKey"}')
  async Deposit(ctx: Context, request: string): Promise<string> {
    return this.#move(ctx, 'deposit', newMoneyRequest(request));
  }

  /**
   * Records money paid out to a household; refused with INSUFFICIENT_FUNDS beyond its balance less
   * what cleared, unsettled intervals committed (a withdrawal never draws on credit).
   * @param {string} request JSON {"householdId","amount","idempotencyKey"}
   */
  @Transaction()
  @Returns('string')
  @Param('request', 'string', 'JSON {"householdId","amount","idempotencyKey"}')
  async Withdraw(ctx: Context, request: string): Promise<string> {
    return this.#move(ctx, 'withdraw', newMoneyRequest(request));
  }

  /**
   * Every movement of the household's balance, oldest first, with the balance, what cleared,
   * unsettled intervals have committed of it, and what is available to withdraw.
   */
  @Transaction(false)
  @Returns('string')
  @Param('householdId', 'string', 'household ID')
  async GetStatement(ctx: Context, householdId: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const household = await ledger.households.get(identifier(householdId, 'householdId'));
    requireReadHousehold(caller, household, 'the statement');
    const entries = (await ledger.money.statement(household.householdId)).map((e) => ({
      entryId: e.entryId,
      txId: e.txId,
      interval: e.interval,
      tradeId: e.tradeId,
      kind: e.kind,
      amount: e.amount,
      balanceAfter: e.balanceAfter,
    }));
    const funds = await fundsOf(ledger, household.householdId);
    return canonicalJson({ householdId: household.householdId, ...funds, entries });
  }

  /**
   * The balance of an account the caller may read: `household:<id>` as the household's record
   * (members, its retailer, the utility, auditors), `retailer:<msp>` that retailer's staff, the
   * utility and auditors, `utility` the utility and auditors.
   */
  @Transaction(false)
  @Returns('string')
  @Param('account', 'string', 'utility | retailer:<mspId> | household:<householdId>')
  async GetAccountBalance(ctx: Context, account: string): Promise<string> {
    const match = typeof account === 'string' ? /^(?:utility|retailer:([A-Za-z0-9._-]+)|household:([A-Za-z0-9][A-Za-z0-9._:@-]*))$/.exec(account) : null;
    if (!match) throw invalidArgument('account must be utility, retailer:<mspId> or household:<householdId>');
    const [, retailerMspId, householdId] = match;
    const { ledger, caller } = await this.session(ctx);
    if (householdId !== undefined) {
      const household = await ledger.households.get(identifier(householdId, 'householdId'));
      requireReadHousehold(caller, household, 'the balance', { auditor: true });
    } else if (retailerMspId !== undefined) {
      if (!canReadRetailerAccount(caller, retailerMspId)) throw forbidden(`caller may not read the account of retailer ${retailerMspId}`);
    } else if (!canReadUtilityAccount(caller)) {
      throw forbidden('only the utility and auditors may read the utility account');
    }
    return canonicalJson({ account, balance: await ledger.money.balance(account) });
  }

  async #move(ctx: Context, operation: Operation, input: MoneyRequest): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const household = await ledger.households.get(input.householdId);
    requireRetailerOf(caller, household, operation === 'deposit' ? 'record deposits' : 'record withdrawals');
    const request = { householdId: input.householdId, amount: input.amount };
    const requester = identityDigest(caller);
    const earlier = await ledger.money.findIdempotent(requester, input.idempotencyKey);
    if (earlier) {
      const same = earlier.operation === operation && earlier.request.householdId === input.householdId && earlier.request.amount === input.amount;
      if (!same) {
        throw new ChaincodeError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${input.idempotencyKey} was used for another request`);
      }
      return canonicalJson(earlier.result);
    }
    if (operation === 'withdraw') await requireWithdrawable(ledger, input);
    const tx = txInfo(ctx.stub);
    const amount = operation === 'deposit' ? input.amount : -input.amount;
    const { entries } = await ledger.money.apply([{ account: accounts.household(input.householdId), amount, kind: operation }], tx);
    const entry = entries[0];
    if (!entry) throw new Error('statement entry missing');
    const result = { entryId: entry.entryId, householdId: input.householdId, amount: entry.amount, balanceAfter: entry.balanceAfter, txId: tx.txId };
    await ledger.money.putIdempotent(requester, input.idempotencyKey, { operation, request, result });
    emitEvent(ctx.stub, operation === 'deposit' ? 'Deposited' : 'Withdrawn', { ...result });
    return canonicalJson(result);
  }
}

/** A withdrawal may take the balance less what cleared, unsettled intervals will cost; never credit. */
async function requireWithdrawable(ledger: Ledger, input: MoneyRequest): Promise<void> {
  const { balance, committed, available } = await fundsOf(ledger, input.householdId);
  if (available >= input.amount) return;
  const detail = committed === 0 ? `has ${balance}` : `has ${available} available (balance ${balance}, ${committed} committed to unsettled intervals)`;
  throw new ChaincodeError('INSUFFICIENT_FUNDS', `household ${input.householdId} ${detail}, cannot withdraw ${input.amount}`);
}
