import { Context, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../ledger/canonical';
import { alreadyExists, forbidden } from '../ledger/errors';
import { emitEvent } from '../ledger/events';
import type { ConsortiumRecord } from '../ledger/model';
import { DEFAULT_MARKET_CONFIG, Ledger } from '../ledger/repositories';
import { hasAdminOu, primaryRole, resolveCaller, ROLE_ATTRIBUTE } from './access';
import { GridshareContract } from './base';
import { newInitRequest, newMarketConfig } from './requests';

/** The consortium: which MSPs play utility, retailer and auditor, set once. */
@Info({ title: 'consortium', description: 'Consortium roles and caller identity' })
export class ConsortiumContract extends GridshareContract {
  constructor() {
    super('consortium');
  }

  /**
   * Initialises the consortium and the market configuration, once.
   * @param {string} request JSON {"utilityMspId","retailerMspIds":[],"auditorMspIds":[],"market":{...}}
   */
  @Transaction()
  @Returns('string')
  @Param('request', 'string', 'JSON {"utilityMspId","retailerMspIds","auditorMspIds","market"}')
  async Init(ctx: Context, request: string): Promise<string> {
    const input = newInitRequest(request);
    const market = newMarketConfig(input.market, DEFAULT_MARKET_CONFIG);
    this.#requireUtilityCaller(ctx, input.utilityMspId);
    const ledger = new Ledger(ctx.stub);
    if (await ledger.config.findConsortium()) throw alreadyExists('the consortium is already initialised');
    const consortium: ConsortiumRecord = {
      utilityMspId: input.utilityMspId,
      retailerMspIds: input.retailerMspIds,
      auditorMspIds: input.auditorMspIds,
    };
    await ledger.config.putConsortium(consortium);
    await ledger.config.putMarket(market);
    emitEvent(ctx.stub, 'ConsortiumInitialised', { ...consortium });
    return canonicalJson(consortium);
  }

  /** The MSP IDs of each role. */
  @Transaction(false)
  @Returns('string')
  async GetConsortium(ctx: Context): Promise<string> {
    return canonicalJson(await new Ledger(ctx.stub).config.consortium());
  }

  /** The caller as the chaincode sees it: MSP, identity ID, role and household binding. */
  @Transaction(false)
  @Returns('string')
  async WhoAmI(ctx: Context): Promise<string> {
    const ledger = new Ledger(ctx.stub);
    const consortium = await ledger.config.consortium();
    const caller = await resolveCaller(ctx, ledger, consortium);
    const role = primaryRole(caller);
    const view: Record<string, unknown> = { mspId: caller.mspId, id: caller.id, role };
    if (caller.binding) {
      const household = await ledger.households.find(caller.binding.householdId);
      const member = household?.members.find((m) => m.userId === caller.binding?.userId);
      if (member) {
        view.householdId = caller.binding.householdId;
        view.memberRole = member.role;
        view.canTrade = member.role === 'owner' || member.canTrade;
      }
    }
    return canonicalJson(view);
  }

  /** Init runs before any role exists, so it checks the utility role against its own request. */
  #requireUtilityCaller(ctx: Context, utilityMspId: string): void {
    const mspId = ctx.clientIdentity.getMSPID();
    const operator =
      hasAdminOu(ctx) || ctx.clientIdentity.assertAttributeValue(ROLE_ATTRIBUTE, 'operator') === true;
    if (mspId !== utilityMspId || !operator) {
      throw forbidden(`only an operator of the utility MSP ${utilityMspId} may initialise the consortium`);
    }
  }
}
