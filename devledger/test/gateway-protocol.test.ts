import { EndorseError, CommitError, type Contract, checkpointers, type ChaincodeEvent } from '@hyperledger/fabric-gateway';
import { connectClient, makeIdentity, startFixtureLedger, tempDataDir, type TestClient, type TestIdentity, utf8 } from './helpers';
import type { DevLedger } from '../src';
import { encodeDerSignature, parseDerSignature } from '../src/identity/ecdsa';

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

describe('dev ledger through the real fabric-gateway client', () => {
  let ledger: DevLedger;
  let client: TestClient;
  let contract: Contract;
  let alice: TestIdentity;
  const dataDir = tempDataDir('protocol');

  beforeAll(async () => {
    ledger = await startFixtureLedger(dataDir);
    alice = await makeIdentity('UtilityMSP', 'alice');
    client = connectClient(ledger.gatewayEndpoint, alice);
    contract = client.gateway.getNetwork('energy').getContract('probe', 'probe');
  });

  afterAll(async () => {
    client?.close();
    await ledger?.close();
  });

  it('submits and evaluates, with the creator identity and timestamp visible to the chaincode', async () => {
    await contract.submitTransaction('Put', 'k1', 'v1');
    expect(utf8(await contract.evaluateTransaction('Get', 'k1'))).toBe('v1');
    const who = JSON.parse(utf8(await contract.evaluateTransaction('WhoAmI')));
    expect(who.mspId).toBe('UtilityMSP');
    expect(who.id).toMatch(/^x509::.*CN=alice/);
    expect(Math.abs(Number(who.txTimestampSeconds) - Date.now() / 1000)).toBeLessThan(60);
    expect(who.hasBinding).toBe(true);
  });

  it('never lets a transaction read its own writes', async () => {
    await contract.submitTransaction('Put', 'ryw', 'old');
    expect(utf8(await contract.submitTransaction('PutThenGet', 'ryw', 'new'))).toBe('old');
    expect(utf8(await contract.evaluateTransaction('Get', 'ryw'))).toBe('new');
  });

  it('marks the second of two transactions reading the same key MVCC_READ_CONFLICT', async () => {
    await contract.submitTransaction('Put', 'counter', '0');
    const first = await contract.newProposal('Increment', { arguments: ['counter'] }).endorse();
    const second = await contract.newProposal('Increment', { arguments: ['counter'] }).endorse();
    const firstCommit = await first.submit();
    expect((await firstCommit.getStatus()).successful).toBe(true);
    const status = await (await second.submit()).getStatus();
    expect(status.code).toBe(11);
    expect(status.successful).toBe(false);
    expect(utf8(await contract.evaluateTransaction('Get', 'counter'))).toBe('1');
  });

  it('throws CommitError with MVCC_READ_CONFLICT from submitTransaction when a concurrent tx wins', async () => {
    await contract.submitTransaction('Put', 'race', '0');
    const results = await Promise.allSettled([
      contract.submitTransaction('Increment', 'race'),
      contract.submitTransaction('Increment', 'race'),
      contract.submitTransaction('Increment', 'race'),
    ]);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.reason).toBeInstanceOf(CommitError);
      expect((failure.reason as CommitError).code).toBe(11);
    }
    const successes = results.length - failures.length;
    expect(utf8(await contract.evaluateTransaction('Get', 'race'))).toBe(String(successes));
  });

  it('marks a range reader PHANTOM_READ_CONFLICT when a key appears in its range', async () => {
    await contract.submitTransaction('Put', 'room-a', '1');
    const counting = await contract.newProposal('CountRange', { arguments: ['room-', 'room-~', 'room-count'] }).endorse();
    await contract.submitTransaction('Put', 'room-b', '1');
    const status = await (await counting.submit()).getStatus();
    expect(status.code).toBe(12);
    expect(utf8(await contract.evaluateTransaction('Get', 'room-count'))).toBe('');
  });

  it('rejects the same signed transaction submitted twice', async () => {
    const proposal = contract.newProposal('Put', { arguments: ['dup', '1'] });
    const transaction = await proposal.endorse();
    const signed = client.gateway.newSignedTransaction(transaction.getBytes(), await signBytes(transaction.getDigest()));
    const commit = await signed.submit();
    expect((await commit.getStatus()).successful).toBe(true);
    const again = client.gateway.newSignedTransaction(transaction.getBytes(), await signBytes(transaction.getDigest()));
    await expect(again.submit()).rejects.toMatchObject({ details: [expect.objectContaining({ message: expect.stringContaining('duplicate transaction ID') })] });
  });

  it('refuses a proposal signed by a key other than its certificate, and a high-S signature', async () => {
    const mallory = await makeIdentity('UtilityMSP', 'mallory');
    const forged = contract.newProposal('Put', { arguments: ['forged', '1'] });
    const forgedSigned = client.gateway.newSignedProposal(forged.getBytes(), await mallory.signer(forged.getDigest()));
    const refusedSignature = { details: [expect.objectContaining({ message: expect.stringContaining('signature verification failed') })] };
    await expect(forgedSigned.endorse()).rejects.toMatchObject(refusedSignature);

    const proposal = contract.newProposal('Put', { arguments: ['high-s', '1'] });
    const highS = client.gateway.newSignedProposal(proposal.getBytes(), toHighS(await signBytes(proposal.getDigest())));
    await expect(highS.endorse()).rejects.toMatchObject(refusedSignature);
    expect(utf8(await contract.evaluateTransaction('Get', 'forged'))).toBe('');
    expect(utf8(await contract.evaluateTransaction('Get', 'high-s'))).toBe('');
  });

  it('refuses an envelope with a bad signature and still accepts the correctly signed one after it', async () => {
    const transaction = await contract.newProposal('Put', { arguments: ['envelope', 'ok'] }).endorse();
    const mallory = await makeIdentity('UtilityMSP', 'mallory');
    const badlySigned = client.gateway.newSignedTransaction(transaction.getBytes(), await mallory.signer(transaction.getDigest()));
    await expect(badlySigned.submit()).rejects.toMatchObject({ details: [expect.objectContaining({ message: expect.stringContaining('signature verification failed') })] });
    const signed = client.gateway.newSignedTransaction(transaction.getBytes(), await signBytes(transaction.getDigest()));
    expect((await (await signed.submit()).getStatus()).successful).toBe(true);
    expect(utf8(await contract.evaluateTransaction('Get', 'envelope'))).toBe('ok');
  });

  it('orders a transaction submitted twice at once only once', async () => {
    const transaction = await contract.newProposal('Put', { arguments: ['twice', '1'] }).endorse();
    const signature = await signBytes(transaction.getDigest());
    const results = await Promise.allSettled(
      [1, 2].map(() => client.gateway.newSignedTransaction(transaction.getBytes(), signature).submit()),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused?.reason).toMatchObject({ details: [expect.objectContaining({ message: expect.stringContaining('duplicate transaction ID') })] });
  });

  it("delivers the chaincode's error message in EndorseError details", async () => {
    const error = await contract.submitTransaction('Fail', 'NOT_FOUND: household h-17 does not exist').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndorseError);
    const details = (error as EndorseError).details;
    expect(details[0]?.message).toContain('NOT_FOUND: household h-17 does not exist');
    expect(details[0]?.mspId).toBe('UtilityMSP');
    const evalError = await contract.evaluateTransaction('Fail', 'CONFLICT: nope').catch((e: { details: { message: string }[] }) => e);
    expect((evalError as { details: { message: string }[] }).details[0]?.message).toContain('CONFLICT: nope');
  });

  it('returns keys in UTF-8 byte order, partial composite key and paginated ranges', async () => {
    // U+FF5E sorts before U+1F600 in UTF-8, after it in UTF-16.
    await contract.submitTransaction('Put', 'u-\u{1F600}', 'emoji');
    await contract.submitTransaction('Put', 'u-\uFF5E', 'fullwidth');
    const range = JSON.parse(utf8(await contract.evaluateTransaction('Range', 'u-', 'u-\u{10FFFF}')));
    expect(range.map((kv: string[]) => kv[1])).toEqual(['fullwidth', 'emoji']);

    for (const [a, b] of [['x', '1'], ['x', '2'], ['y', '1']]) await contract.submitTransaction('PutComposite', 'meter', a!, b!, 'v');
    expect(JSON.parse(utf8(await contract.evaluateTransaction('Partial', 'meter', 'x')))).toEqual([['x', '1'], ['x', '2']]);
    expect(JSON.parse(utf8(await contract.evaluateTransaction('Partial', 'meter', '')))).toHaveLength(3);

    for (const k of ['p-1', 'p-2', 'p-3']) await contract.submitTransaction('Put', k, 'v');
    const page1 = JSON.parse(utf8(await contract.evaluateTransaction('PageRange', 'p-', 'p-~', '2', '')));
    expect(page1).toEqual({ keys: ['p-1', 'p-2'], bookmark: 'p-3', count: 2 });
    const page2 = JSON.parse(utf8(await contract.evaluateTransaction('PageRange', 'p-', 'p-~', '2', page1.bookmark)));
    expect(page2).toEqual({ keys: ['p-3'], bookmark: '', count: 1 });
    await expect(contract.submitTransaction('PageThenPut', 'nope')).rejects.toBeInstanceOf(EndorseError);
  });

  it('keeps key history, newest first, including deletes', async () => {
    await contract.submitTransaction('Put', 'h', 'one');
    await contract.submitTransaction('Put', 'h', 'two');
    await contract.submitTransaction('Delete', 'h');
    const history = JSON.parse(utf8(await contract.evaluateTransaction('History', 'h')));
    expect(history.map((h: { value: string | null }) => h.value)).toEqual([null, 'two', 'one']);
    expect(history[0].isDelete).toBe(true);
  });

  it('stores private data from transient input and answers hashes; unknown collections fail', async () => {
    await contract.submit('PutPrivate', { arguments: ['secrets', 'addr'], transientData: { value: '1 Main St' } });
    expect(utf8(await contract.evaluateTransaction('GetPrivate', 'secrets', 'addr'))).toBe('1 Main St');
    const hash = utf8(await contract.evaluateTransaction('GetPrivateHash', 'secrets', 'addr'));
    expect(hash).toBe(require('node:crypto').createHash('sha256').update('1 Main St').digest('hex'));
    const error = await contract
      .submit('PutPrivate', { arguments: ['nope', 'addr'], transientData: { value: 'x' } })
      .catch((e: EndorseError) => e);
    expect((error as EndorseError).details[0]?.message).toContain('collection nope');
  });

  it('accepts state-based endorsement metadata', async () => {
    await contract.submitTransaction('Put', 'sbe', 'v');
    expect(utf8(await contract.submitTransaction('SetEndorsementPolicy', 'sbe', 'policy-bytes'))).toBe('');
    expect(utf8(await contract.submitTransaction('SetEndorsementPolicy', 'sbe', 'policy-2'))).toBe('policy-bytes');
  });

  it('streams chaincode events from a start block and resumes with a checkpointer', async () => {
    const startBlock = BigInt(ledger.blockHeight());
    const txIds: string[] = [];
    for (const n of ['1', '2', '3']) {
      const result = await contract.submitAsync('Emit', { arguments: ['Tick', n] });
      txIds.push(result.getTransactionId());
      await result.getStatus();
    }
    const received: ChaincodeEvent[] = [];
    const events = await client.gateway.getNetwork('energy').getChaincodeEvents('probe', { startBlock });
    try {
      for await (const event of events) {
        received.push(event);
        if (received.length === 3) break;
      }
    } finally {
      events.close();
    }
    expect(received.map((e) => utf8(e.payload))).toEqual(['1', '2', '3']);
    expect(received.map((e) => e.transactionId)).toEqual(txIds);
    expect(received.every((e) => e.chaincodeName === 'probe' && e.eventName === 'Tick')).toBe(true);

    const checkpointer = checkpointers.inMemory();
    await checkpointer.checkpointChaincodeEvent(received[0]!);
    const resumed = await client.gateway.getNetwork('energy').getChaincodeEvents('probe', { checkpoint: checkpointer, startBlock });
    try {
      const next = await resumed[Symbol.asyncIterator]().next();
      expect(next.value?.transactionId).toBe(txIds[1]);
    } finally {
      resumed.close();
    }
  });

  function signBytes(bytes: Uint8Array): Promise<Uint8Array> {
    return alice.signer(bytes);
  }

  /** The same signature with S replaced by n − S: valid ECDSA, but Fabric accepts only low-S. */
  function toHighS(der: Uint8Array): Uint8Array {
    const { r, s } = parseDerSignature(der);
    return encodeDerSignature(r, P256_ORDER - s);
  }
});
