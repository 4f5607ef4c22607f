import fc from 'fast-check';
import { checkedAdd, checkedMul, checkedSub, costOf, isNonNegativeSafeInteger, MarketError, sum } from '../../src/market';

const MAX = Number.MAX_SAFE_INTEGER;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof MarketError ? e.code : 'not a MarketError';
  }
}

describe('checked arithmetic', () => {
  it('computes exactly inside the safe range', () => {
    expect(checkedAdd(MAX - 1, 1)).toBe(MAX);
    expect(checkedSub(-MAX + 1, 1)).toBe(-MAX);
    expect(checkedMul(94906265, 94906265)).toBe(94906265 * 94906265);
    expect(sum([1, 2, 3])).toBe(6);
    expect(sum([])).toBe(0);
  });

  it('rejects results beyond 2^53 − 1', () => {
    expect(codeOf(() => checkedAdd(MAX, 1))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => checkedSub(-MAX, 1))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => checkedMul(94906267, 94906267))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => sum([MAX, 1]))).toBe('INVALID_ARGUMENT');
  });

  it('rejects every non-integer or unsafe input', () => {
    const notSafeInteger = fc.oneof(
      fc.double().filter((x) => !Number.isSafeInteger(x)),
      fc.constantFrom(NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53)),
    );
    fc.assert(
      fc.property(notSafeInteger, fc.integer(), (bad, good) => {
        for (const op of [checkedAdd, checkedSub, checkedMul]) {
          expect(codeOf(() => op(bad, good))).toBe('INVALID_ARGUMENT');
          expect(codeOf(() => op(good, bad))).toBe('INVALID_ARGUMENT');
        }
        expect(codeOf(() => sum([good, bad]))).toBe('INVALID_ARGUMENT');
        expect(codeOf(() => costOf(Math.abs(good), bad))).toBe('INVALID_ARGUMENT');
        expect(isNonNegativeSafeInteger(bad)).toBe(false);
      }),
    );
    expect(isNonNegativeSafeInteger('5')).toBe(false);
    expect(isNonNegativeSafeInteger(-1)).toBe(false);
    expect(isNonNegativeSafeInteger(0)).toBe(true);
  });

  it('agrees with BigInt maths whenever it answers', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.maxSafeInteger(), (a, b) => {
        const exact = { add: BigInt(a) + BigInt(b), sub: BigInt(a) - BigInt(b), mul: BigInt(a) * BigInt(b) };
        for (const [name, op] of [['add', checkedAdd], ['sub', checkedSub], ['mul', checkedMul]] as const) {
          const safe = exact[name] <= BigInt(MAX) && exact[name] >= BigInt(-MAX);
          if (safe) expect(BigInt(op(a, b))).toBe(exact[name]);
          else expect(codeOf(() => op(a, b))).toBe('INVALID_ARGUMENT');
        }
      }),
    );
  });
});

describe('costOf', () => {
  it('floors energy × price / 1000', () => {
    expect(costOf(900, 2100)).toBe(1890);
    expect(costOf(150, 150)).toBe(22);
    expect(costOf(1, 999)).toBe(0);
    expect(costOf(0, 3000)).toBe(0);
  });

  it('is exact beyond 2^53 and near the float rounding edge', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.nat({ max: 10_000_000 }), (energyWh, price) => {
        const exact = (BigInt(energyWh) * BigInt(price)) / 1000n;
        if (exact <= BigInt(MAX)) expect(BigInt(costOf(energyWh, price))).toBe(exact);
        else expect(codeOf(() => costOf(energyWh, price))).toBe('INVALID_ARGUMENT');
      }),
    );
    // Largest remainder just under the safe limit.
    expect(costOf(9007199254739999, 1)).toBe(9007199254739);
  });

  it('refuses negative quantities', () => {
    expect(codeOf(() => costOf(-1, 100))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => costOf(1, -100))).toBe('INVALID_ARGUMENT');
  });
});
