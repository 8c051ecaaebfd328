import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser, launchChromium, launchPersistentChromium, serve, type Served } from './support/browser.js';

describeInBrowser('the Chromium harness', () => {
  let browser: Browser;
  let server: Served;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await serve({ '/': '<!doctype html><title>waymark</title>' });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs script in a page', async () => {
    const page = await browser.newPage();
    await page.goto('data:text/html,<title>waymark</title>');
    expect(await page.evaluate(() => 1 + 1)).toBe(2);
    await page.close();
  });

  it('serves a localhost page that can use IndexedDB', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/`);
    expect(await page.title()).toBe('waymark');
    const stored = await page.evaluate(
      () =>
        new Promise<string>((resolve, reject) => {
          const open = indexedDB.open('smoke', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('kv');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const tx = open.result.transaction('kv', 'readwrite');
            tx.objectStore('kv').put('hello', 'greeting');
            const read = tx.objectStore('kv').get('greeting');
            tx.oncomplete = () => resolve(read.result as string);
            tx.onerror = () => reject(tx.error);
          };
        }),
    );
    expect(stored).toBe('hello');
    await page.close();
  });

  it('keeps a persistent profile across a browser restart', async () => {
    const origin = `${server.origin}/`;
    const first = await launchPersistentChromium();
    const page = await first.context.newPage();
    await page.goto(origin);
    await page.evaluate(() => localStorage.setItem('greeting', 'hello'));
    await first.context.close(); // the profile stays for the next launch

    const second = await launchPersistentChromium(first.userDataDir);
    try {
      const again = await second.context.newPage();
      await again.goto(origin);
      expect(await again.evaluate(() => localStorage.getItem('greeting'))).toBe('hello');
    } finally {
      await second.close();
    }
  });
});
