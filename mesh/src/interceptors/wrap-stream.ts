/**
 * Wraps a lazily consumed response stream so interceptors can see its end and its errors
 * (a server stream's handler runs only as the stream is read, after the interceptor returned),
 * optionally running every step inside a given async context (for the active trace span).
 */
export async function* wrapStream<T>(
  source: AsyncIterable<T>,
  hooks: {
    readonly onEnd?: (error: unknown) => void;
    readonly mapError?: (error: unknown) => unknown;
    readonly within?: <R>(fn: () => R) => R;
  },
): AsyncGenerator<T> {
  const within = hooks.within ?? (<R>(fn: () => R) => fn());
  const iterator = source[Symbol.asyncIterator]();
  let failure: unknown;
  try {
    for (;;) {
      const step = await within(() => iterator.next());
      if (step.done) return;
      yield step.value;
    }
  } catch (err) {
    failure = hooks.mapError ? hooks.mapError(err) : err;
    throw failure;
  } finally {
    await within(() => iterator.return?.());
    hooks.onEnd?.(failure);
  }
}
