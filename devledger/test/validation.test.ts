import { KeySpace, compareKeys } from '../src/ledger/keyspace';
import { emptyReadWriteSet, type OrderedTransaction, type StateEntry, TxCode } from '../src/ledger/types';
import { type StateView, validateBlock } from '../src/ledger/validation';

function stateOf(entries: Record<string, StateEntry>): StateView {
  const space = new KeySpace();
  for (const [key, entry] of Object.entries(entries)) space.set(key, entry);
  return { get: (s, k) => (s === '' ? space.get(k) : undefined), range: (s, a, b) => (s === '' ? space.range(a, b) : []) };
}

function tx(txId: string, build: (rw: ReturnType<typeof emptyReadWriteSet>) => void): OrderedTransaction {
  const rwset = emptyReadWriteSet();
  build(rwset);
  return { txId, rwset, timestamp: { seconds: 0, nanos: 0 } };
}

const v = (blockNum: number, txNum: number) => ({ blockNum, txNum });
const entry = (value: string, version = v(0, 0)): StateEntry => ({ value: Buffer.from(value), version });

describe('block validation', () => {
  it('invalidates a read made stale by an earlier valid transaction of the same block', () => {
    const committed = stateOf({ a: entry('1') });
    const reader = (id: string) =>
      tx(id, (rw) => {
        rw.reads.set('', new Map([['a', v(0, 0)]]));
        rw.writes.set('', new Map([['a', Buffer.from(id)]]));
      });
    const { codes, updates } = validateBlock(1, [reader('t1'), reader('t2')], committed, () => false);
    expect(codes).toEqual([TxCode.VALID, TxCode.MVCC_READ_CONFLICT]);
    expect(updates.get('')!.get('a')).toEqual({ value: Buffer.from('t1'), version: v(1, 0) });
  });

  it('invalidates a reader of a key deleted (while absent) by an earlier valid transaction of the block', () => {
    const deleteAbsent = tx('del', (rw) => rw.writes.set('', new Map([['ghost', null]])));
    const readAbsent = tx('read', (rw) => rw.reads.set('', new Map([['ghost', null]])));
    expect(validateBlock(1, [readAbsent], stateOf({}), () => false).codes).toEqual([TxCode.VALID]);
    expect(validateBlock(1, [deleteAbsent, readAbsent], stateOf({}), () => false).codes).toEqual([TxCode.VALID, TxCode.MVCC_READ_CONFLICT]);
  });

  it('flags duplicates committed before or earlier in the block', () => {
    const { codes } = validateBlock(1, [tx('old', () => {}), tx('x', () => {}), tx('x', () => {})], stateOf({}), (id) => id === 'old');
    expect(codes).toEqual([TxCode.DUPLICATE_TXID, TxCode.VALID, TxCode.DUPLICATE_TXID]);
  });

  it('detects phantoms: inserted, deleted or updated keys in a recorded range', () => {
    const committed = stateOf({ r1: entry('1'), r3: entry('3') });
    const rangeReader = (id: string, exhausted = true) =>
      tx(id, (rw) => rw.ranges.push({ space: '', startKey: 'r', endKey: 's', exhausted, results: [{ key: 'r1', version: v(0, 0) }, { key: 'r3', version: v(0, 0) }] }));
    const insert = tx('ins', (rw) => rw.writes.set('', new Map([['r2', Buffer.from('2')]])));
    const insertAfter = tx('ins2', (rw) => rw.writes.set('', new Map([['r4', Buffer.from('4')]])));
    expect(validateBlock(1, [rangeReader('a')], committed, () => false).codes).toEqual([TxCode.VALID]);
    expect(validateBlock(1, [insert, rangeReader('b')], committed, () => false).codes).toEqual([TxCode.VALID, TxCode.PHANTOM_READ_CONFLICT]);
    expect(validateBlock(1, [insertAfter, rangeReader('c')], committed, () => false).codes[1]).toBe(TxCode.PHANTOM_READ_CONFLICT);
    // A range not read to its end is only checked up to the last key seen.
    expect(validateBlock(1, [insertAfter, rangeReader('d', false)], committed, () => false).codes[1]).toBe(TxCode.VALID);
  });

  it('orders keys by UTF-8 bytes, not UTF-16 code units', () => {
    const space = new KeySpace();
    for (const key of ['\u{1F600}', '\uFF5E', 'a', '\u0000composite']) space.set(key, entry(key));
    expect([...space.range('', '')].map(([k]) => k)).toEqual(['\u0000composite', 'a', '\uFF5E', '\u{1F600}']);
    expect(compareKeys('\uFF5E', '\u{1F600}')).toBeLessThan(0);
    expect('\uFF5E' < '\u{1F600}').toBe(false);
  });
});
