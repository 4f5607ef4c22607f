import { standardWorld, ok } from '../support/world';

test('world builds and WhoAmI resolves roles', async () => {
  const w = await standardWorld();
  const me = ok(await w.ledger.evaluate(w.ids.owner, 'consortium:WhoAmI'));
  expect(me).toMatchObject({ role: 'household', householdId: 'h-1', memberRole: 'owner', canTrade: true });
  expect(String(me.id)).toMatch(/^x509::\/OU=client\/CN=alice::/);
});
