import fs from 'node:fs';
import { connectClient, makeIdentity, startFixtureLedger, tempDataDir, utf8 } from './helpers';

describe('dev ledger persistence', () => {
  const dataDir = tempDataDir('restart');

  it('keeps state, history, block height and events across a restart, and reset wipes them', async () => {
    const id = await makeIdentity('RetailerMSP', 'bob');
    let ledger = await startFixtureLedger(dataDir);
    let client = connectClient(ledger.gatewayEndpoint, id);
    let contract = client.gateway.getNetwork('energy').getContract('probe', 'probe');
    await contract.submitTransaction('Put', 'persisted', 'one');
    await contract.submitTransaction('Put', 'persisted', 'two');
    await contract.submitTransaction('Emit', 'Saved', 'payload');
    const height = ledger.blockHeight();
    expect(height).toBeGreaterThanOrEqual(3);
    const profile = JSON.parse(fs.readFileSync(ledger.connectionFile, 'utf8'));
    expect(profile.kind).toBe('devledger');
    expect(profile.organizations.RetailerMSP.peer.endpoint).toBe(ledger.gatewayEndpoint);
    client.close();
    await ledger.close();

    ledger = await startFixtureLedger(dataDir);
    client = connectClient(ledger.gatewayEndpoint, id);
    contract = client.gateway.getNetwork('energy').getContract('probe', 'probe');
    try {
      expect(ledger.blockHeight()).toBe(height);
      expect(utf8(await contract.evaluateTransaction('Get', 'persisted'))).toBe('two');
      const history = JSON.parse(utf8(await contract.evaluateTransaction('History', 'persisted')));
      expect(history.map((h: { value: string }) => h.value)).toEqual(['two', 'one']);
      const events = await client.gateway.getNetwork('energy').getChaincodeEvents('probe', { startBlock: 0n });
      try {
        const first = await events[Symbol.asyncIterator]().next();
        expect(first.value?.eventName).toBe('Saved');
      } finally {
        events.close();
      }
      await contract.submitTransaction('Put', 'persisted', 'three');
      expect(ledger.blockHeight()).toBe(height + 1);
    } finally {
      client.close();
      await ledger.close();
    }

    ledger = await startFixtureLedger(dataDir, { reset: true });
    client = connectClient(ledger.gatewayEndpoint, id);
    try {
      expect(ledger.blockHeight()).toBe(0);
      const fresh = client.gateway.getNetwork('energy').getContract('probe', 'probe');
      expect(utf8(await fresh.evaluateTransaction('Get', 'persisted'))).toBe('');
    } finally {
      client.close();
      await ledger.close();
    }
  });
});
