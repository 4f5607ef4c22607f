import { createHash } from 'node:crypto';
import type { Contract } from '@hyperledger/fabric-gateway';
import type { DevLedger } from '../src';
import { connectClient, makeIdentity, startFixtureLedger, tempDataDir, type TestClient, utf8 } from './helpers';

/** The peer's message for a failed call, whether it came back in the error's details or its message. */
function failureText(error: unknown): string {
  const e = error as { message?: string; details?: { message: string }[] };
  return [e.message ?? '', ...(e.details ?? []).map((d) => d.message)].join(' | ');
}

async function failureOf(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => failureText(error),
  );
}

describe('private data and block validation as a Fabric 2.5 peer does them', () => {
  let ledger: DevLedger;
  const clients: TestClient[] = [];
  let utility: Contract;
  let retailer: Contract;
  let auditor: Contract;

  beforeAll(async () => {
    // A longer block timeout so transactions submitted back to back share a block.
    ledger = await startFixtureLedger(tempDataDir('private-fidelity'), { blockTimeoutMs: 250 });
    const contractFor = async (mspId: string, name: string) => {
      const client = connectClient(ledger.gatewayEndpoint, await makeIdentity(mspId, name));
      clients.push(client);
      return client.gateway.getNetwork('energy').getContract('probe', 'probe');
    };
    utility = await contractFor('UtilityMSP', 'uma');
    retailer = await contractFor('RetailerMSP', 'rita');
    auditor = await contractFor('AuditorMSP', 'audrey');
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await ledger?.close();
  });

  describe('private range queries are read-only', () => {
    it('answers a private range query in a read-only transaction', async () => {
      await utility.submit('PutPrivate', { arguments: ['secrets', 'pr-a'], transientData: { value: 'A' } });
      await utility.submit('PutPrivate', { arguments: ['secrets', 'pr-b'], transientData: { value: 'B' } });
      expect(JSON.parse(utf8(await utility.evaluateTransaction('PrivateRange', 'secrets', 'pr-', 'pr-~')))).toEqual(['pr-a', 'pr-b']);
    });

    it('refuses a write after a private range query', async () => {
      const message = await failureOf(utility.submitTransaction('PrivateRangeThenPut', 'secrets', 'after-query'));
      expect(message).toContain('Transaction has already performed queries on pvt data. Writes are not allowed');
      expect(utf8(await utility.evaluateTransaction('Get', 'after-query'))).toBe('');
    });

    it('refuses a private range query after a write', async () => {
      const message = await failureOf(utility.submitTransaction('PutThenPrivateRange', 'secrets', 'before-query'));
      expect(message).toContain('Queries on pvt data is supported only in a read-only transaction');
      expect(utf8(await utility.evaluateTransaction('Get', 'before-query'))).toBe('');
    });

    it('does not record a private range for phantom validation', async () => {
      const reader = await utility.newProposal('PrivateRange', { arguments: ['secrets', 'pr-', 'pr-~'] }).endorse();
      await utility.submit('PutPrivate', { arguments: ['secrets', 'pr-c'], transientData: { value: 'C' } });
      const status = await (await reader.submit()).getStatus();
      expect(status.code).toBe(0);
    });
  });

  describe("member-only collections check the transaction creator's MSP", () => {
    it('refuses private reads to a non-member when memberOnlyRead is set, but still answers hashes', async () => {
      await utility.submit('PutPrivate', { arguments: ['secrets', 'addr'], transientData: { value: '1 Main St' } });
      expect(utf8(await retailer.evaluateTransaction('GetPrivate', 'secrets', 'addr'))).toBe('1 Main St');
      const message = await failureOf(auditor.evaluateTransaction('GetPrivate', 'secrets', 'addr'));
      expect(message).toContain('tx creator does not have read access permission on privatedata in chaincodeName:probe collectionName: secrets');
      expect(await failureOf(auditor.evaluateTransaction('PrivateRange', 'secrets', '', ''))).toContain('does not have read access permission');
      expect(utf8(await auditor.evaluateTransaction('GetPrivateHash', 'secrets', 'addr'))).toBe(createHash('sha256').update('1 Main St').digest('hex'));
    });

    it('refuses private writes and deletes to a non-member when memberOnlyWrite is set', async () => {
      await utility.submit('PutPrivate', { arguments: ['utilityNotes', 'note'], transientData: { value: 'kept' } });
      const write = await failureOf(retailer.submit('PutPrivate', { arguments: ['utilityNotes', 'note'], transientData: { value: 'changed' } }));
      expect(write).toContain('tx creator does not have write access permission on privatedata in chaincodeName:probe collectionName: utilityNotes');
      expect(await failureOf(retailer.submitTransaction('DeletePrivate', 'utilityNotes', 'note'))).toContain('does not have write access permission');
      // memberOnlyRead is false there, so the retailer may read it.
      expect(utf8(await retailer.evaluateTransaction('GetPrivate', 'utilityNotes', 'note'))).toBe('kept');
    });
  });

  it('records getPrivateDataHash as a hashed read: a later change of the key is an MVCC conflict', async () => {
    await utility.submit('PutPrivate', { arguments: ['secrets', 'hashed'], transientData: { value: 'v1' } });
    const copier = await utility.newProposal('CopyPrivateHash', { arguments: ['secrets', 'hashed', 'hash-copy'] }).endorse();
    await utility.submit('PutPrivate', { arguments: ['secrets', 'hashed'], transientData: { value: 'v2' } });
    const status = await (await copier.submit()).getStatus();
    expect(status.code).toBe(11);
    expect(utf8(await utility.evaluateTransaction('Get', 'hash-copy'))).toBe('');
  });

  it('invalidates a reader of a key that an earlier transaction of the same block deleted while absent', async () => {
    const deleter = await utility.newProposal('Delete', { arguments: ['ghost'] }).endorse();
    const reader = await utility.newProposal('Increment', { arguments: ['ghost'] }).endorse();
    const deleteCommit = await deleter.submit();
    const readCommit = await reader.submit();
    const [deleted, read] = [await deleteCommit.getStatus(), await readCommit.getStatus()];
    expect(read.blockNumber).toBe(deleted.blockNumber);
    expect(deleted.code).toBe(0);
    expect(read.code).toBe(11);
    expect(utf8(await utility.evaluateTransaction('Get', 'ghost'))).toBe('');
  });
});
