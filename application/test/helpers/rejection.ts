/** Awaits a promise (or plain value) that must reject with `type`, and returns the error. */
export async function expectRejection<E extends Error>(promise: unknown, type: new (...args: never[]) => E): Promise<E> {
  const error = await Promise.resolve(promise).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}
