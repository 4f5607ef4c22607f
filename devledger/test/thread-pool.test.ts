import { threadPoolSize } from '../src/thread-pool';

describe('the dev ledger process thread-pool size', () => {
  it('is half the cores, at least 1 and at most libuv\'s default of 4', () => {
    expect(threadPoolSize({}, 1)).toBe('1');
    expect(threadPoolSize({}, 2)).toBe('1');
    expect(threadPoolSize({}, 3)).toBe('1');
    expect(threadPoolSize({}, 4)).toBe('2');
    expect(threadPoolSize({}, 8)).toBe('4');
    expect(threadPoolSize({}, 64)).toBe('4');
  });

  it('leaves a size the operator chose', () => {
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: '8' }, 2)).toBe('8');
  });
});
