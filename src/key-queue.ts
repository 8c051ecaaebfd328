/**
 * Runs operations on one key one after another, in call order, while
 * operations on different keys run concurrently. A failed operation does not
 * stop the ones queued behind it.
 */
export class KeyQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(operation, operation);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    // Forget the key once nothing is queued behind this operation, so the map stays small.
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Resolves when everything queued on `key` so far has finished. */
  settled(key: string): Promise<void> {
    return (this.#tails.get(key) ?? Promise.resolve()).then(() => undefined);
  }
}
