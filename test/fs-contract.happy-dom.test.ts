// @vitest-environment happy-dom
/**
 * The IndexedDB fs in a browser-like environment. happy-dom has no IndexedDB
 * of its own, so fake-indexeddb provides it, as a browser would.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { idbFs } from '../adapters/idb.js';
import { describeMinimalFs } from './support/fs-cases.js';

// A database per case keeps cases apart; fake-indexeddb keeps them in memory.
let databases = 0;

describeMinimalFs('idbFs() on fake-indexeddb under happy-dom', async () => ({
  fs: idbFs({ dbName: `fs-contract-happy-dom-${++databases}` }),
  root: '/',
  cleanup: async () => {},
}));

describe('the environment of this file', () => {
  it('is happy-dom, with IndexedDB on its global scope', () => {
    expect(navigator.userAgent).toContain('HappyDOM');
    expect(typeof window.document.createElement).toBe('function');
    expect(globalThis.indexedDB).toBe(window.indexedDB);
  });
});
