import { EventHub, type LedgerEvent } from '../src/fabric/event-hub';
import type { Ledger } from '../src/fabric/ledger';
import type { IdentityStore } from '../src/identity';
import { forgetBindingsOnMembershipEvents, PrincipalResolver, type WhoAmI } from '../src/principals';

/** A resolver over a stored household user whose binding the fake ledger answers, counting WhoAmI calls. */
function resolverWith(binding: { current: WhoAmI }) {
  let whoAmICalls = 0;
  const identities = {
    get: async (userId: string) => ({ userId, mspId: 'RetailerMSP', role: 'household', certificatePem: 'x' }),
  } as unknown as IdentityStore;
  const ledger = {
    evaluate: async () => {
      whoAmICalls += 1;
      return binding.current;
    },
  } as unknown as Ledger;
  return { resolver: new PrincipalResolver(identities, ledger), calls: () => whoAmICalls };
}

const event = (type: string, payload: Record<string, unknown>, block: bigint): LedgerEvent => ({ block, index: 0, type, txId: `tx${block}`, payload });

test('a cached binding is used until a membership event for that user arrives, then asked again', async () => {
  const binding = { current: { mspId: 'RetailerMSP', id: 'x509::alice', role: 'household', householdId: 'h-1', memberRole: 'owner' } as WhoAmI };
  const { resolver, calls } = resolverWith(binding);
  const hub = new EventHub();
  const stop = forgetBindingsOnMembershipEvents(hub, resolver);

  expect(await resolver.resolve('alice')).toMatchObject({ householdId: 'h-1', canTrade: true });
  await resolver.resolve('alice');
  expect(calls()).toBe(1);

  // Other events, and membership events of other users, keep the cached binding.
  hub.publish(event('OrderPlaced', { householdId: 'h-1', orderId: 'o-1' }, 1n));
  hub.publish(event('MemberRemoved', { householdId: 'h-2', userId: 'bob' }, 2n));
  await resolver.resolve('alice');
  expect(calls()).toBe(1);

  binding.current = { mspId: 'RetailerMSP', id: 'x509::alice', role: 'none' };
  hub.publish(event('MemberRemoved', { householdId: 'h-1', userId: 'alice' }, 3n));
  const after = await resolver.resolve('alice');
  expect(calls()).toBe(2);
  expect(after?.householdId).toBeUndefined();

  stop();
});
