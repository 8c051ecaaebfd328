/**
 * Runs operations on one key one after another, in call order, while
 * operations on different keys run concurrently. An exclusive operation runs
 * alone: after everything called before it, and before anything called after
 * it. A failed operation does not stop the ones queued behind it.
 */
export class KeyQueue {
  readonly #tails = new Map<string, Promise<unknown>>();
  /** Settles when the last exclusive operation called so far has finished. */
  #barrier: Promise<unknown> = Promise.resolve();

  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    // A key with no tail since the last exclusive operation waits for that one.
    const previous = this.#tails.get(key) ?? this.#barrier;
    const result = previous.then(operation, operation);
    // Settles after `result`, either way, having forgotten the key if nothing was queued behind it (the map stays small).
    const forget = (): void => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
    const tail: Promise<void> = result.then(forget, forget);
    this.#tails.set(key, tail);
    return result;
  }

  /** Runs `operation` once every operation called before it has finished; operations called after it wait for it. */
  runExclusive<T>(operation: () => Promise<T>): Promise<T> {
    const previous = this.settledAll();
    const result = previous.then(operation, operation);
    // Every tail is behind the new barrier now, so later operations need only wait for it.
    this.#tails.clear();
    this.#barrier = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves when everything queued on `key` so far has finished. */
  settled(key: string): Promise<void> {
    return (this.#tails.get(key) ?? this.#barrier).then(() => undefined);
  }

  /** Resolves when everything queued so far, on any key, has finished. */
  settledAll(): Promise<void> {
    return Promise.all([this.#barrier, ...this.#tails.values()]).then(() => undefined);
  }
}
