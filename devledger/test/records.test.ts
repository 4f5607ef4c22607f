import { decodeBlock, decodeHeight, decodeHistory, decodeState, decodeTx, encodeBlock, encodeHeight, encodeHistory, encodeState, encodeTx } from '../src/ledger/records';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('stored ledger records', () => {
  it('round-trip state, history, blocks, the tx index and the height', () => {
    const value = Buffer.alloc(3000, 7);
    expect(decodeState(encodeState({ value, version: { blockNum: 2 ** 40, txNum: 499 } }))).toEqual({ value, version: { blockNum: 2 ** 40, txNum: 499 } });
    const withMetadata = { value: Buffer.from('v'), version: { blockNum: 0, txNum: 0 }, metadata: { VALIDATION_PARAMETER: Buffer.from('policy') } };
    expect(decodeState(encodeState(withMetadata))).toEqual(withMetadata);

    const history = { txId: 'tx1', value: Buffer.from('old'), isDelete: false, timestamp: { seconds: 1_700_000_000, nanos: 5 } };
    expect(decodeHistory(encodeHistory(history))).toEqual(history);
    const deletion = { txId: 'tx2', value: Buffer.alloc(0), isDelete: true, timestamp: { seconds: 1, nanos: 0 } };
    expect(decodeHistory(encodeHistory(deletion))).toEqual(deletion);

    const block = { txs: [{ txId: 'a', code: 0, event: { name: 'E', payload: Buffer.alloc(0) } }, { txId: 'b', code: 11 }] };
    expect(decodeBlock(encodeBlock(block))).toEqual(block);
    expect(decodeTx(encodeTx({ blockNum: 0, txNum: 0, code: 0 }))).toEqual({ blockNum: 0, txNum: 0, code: 0 });
    expect(decodeTx(encodeTx({ blockNum: 9, txNum: 3, code: 17 }))).toEqual({ blockNum: 9, txNum: 3, code: 17 });
    expect(decodeHeight(encodeHeight(0))).toBe(0);
    expect(decodeHeight(encodeHeight(12345))).toBe(12345);
  });

  it('read the JSON values of ledgers written before the binary encoding', () => {
    expect(decodeState(json({ v: Buffer.from('one').toString('base64'), b: 3, t: 1, m: { K: Buffer.from('m').toString('base64') } }))).toEqual({
      value: Buffer.from('one'),
      version: { blockNum: 3, txNum: 1 },
      metadata: { K: Buffer.from('m') },
    });
    expect(decodeHistory(json({ id: 't', d: true, ts: [5, 6] }))).toEqual({ txId: 't', value: Buffer.alloc(0), isDelete: true, timestamp: { seconds: 5, nanos: 6 } });
    expect(decodeBlock(json({ txs: [{ id: 't', c: 0, e: { n: 'E', p: Buffer.from('p').toString('base64') } }] }))).toEqual({
      txs: [{ txId: 't', code: 0, event: { name: 'E', payload: Buffer.from('p') } }],
    });
    expect(decodeTx(json({ b: 4, t: 2, c: 11 }))).toEqual({ blockNum: 4, txNum: 2, code: 11 });
    expect(decodeHeight(json(42))).toBe(42);
  });
});
