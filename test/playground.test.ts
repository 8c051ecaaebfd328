// End-to-end tests of the browser playground in real Chromium: `npm run
// playground`'s own script builds the page and serves it on a free port, and
// every scenario drives the page as a person would, in a fresh browser profile.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { FileStorageBackend, StateManager } from '../src/index.js';
import { describeInBrowser, launchChromium } from './support/browser.js';
import { fixturePath } from './support/marsys.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const output = join(root, 'test', 'output');

/** Agents think this long (ms): long enough to watch a step run, short enough to be quick. */
const DELAY = 60;

/** The server process, from the moment it is spawned, so that afterAll can stop it whatever happened. */
let serverProcess: ChildProcess | undefined;
/** Where this run builds the page: its own directory, which no other build rewrites while the tests use it. */
let pageDir: string | undefined;

/** Starts `node scripts/serve-playground.mjs --port 0` and resolves with the URL it prints. */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
  pageDir = mkdtempSync(join(tmpdir(), 'waymark-playground-page-'));
  const args = ['scripts/serve-playground.mjs', '--port', '0', '--out-dir', pageDir];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  serverProcess = child;
  let printed = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      printed += chunk.toString();
      const match = /waymark playground: (http:\/\/\S+)/.exec(printed);
      if (match) {
        child.stdout!.off('data', onData);
        resolve({ child, url: match[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`the playground server exited (${code}) before printing its URL:\n${printed}`)));
  });
}

let server: { child: ChildProcess; url: string };
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

/** A fresh browser profile: its own IndexedDB, its own locks. */
async function freshProfile(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, acceptDownloads: true });
  contexts.push(context);
  return context;
}

interface PageOptions {
  /** Leave the agents' pace to the page's own speed control (no ?delay=). */
  speedControl?: boolean;
  /** Agents that wait, once started, until the run pauses or the page goes away (the page's ?hold=). */
  hold?: string;
  /** The session to show. */
  sessionId?: string;
}

function playgroundUrl({ hold, sessionId, speedControl }: PageOptions = {}): string {
  const params = new URLSearchParams();
  if (!speedControl) params.set('delay', String(DELAY));
  if (hold) params.set('hold', hold);
  const query = params.size > 0 ? `?${params}` : '';
  return `${server.url}${query}${sessionId ? `#session=${encodeURIComponent(sessionId)}` : ''}`;
}

async function openPlayground(context: BrowserContext, options: PageOptions = {}): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(playgroundUrl(options));
  await page.locator('#sessions').waitFor();
  return page;
}

/** Loads the page again, as a reload does, this time without held agents. */
async function reload(page: Page, sessionId: string): Promise<void> {
  await page.goto(playgroundUrl({ sessionId }));
  await page.locator('#sessions').waitFor();
}

/** Waits until the (held) Writer has started: the Planner and the three researchers are saved by then. */
function writerRunning(page: Page): Promise<void> {
  return page.locator('.lane[data-branch="main"] .step[data-agent="Writer"][data-status="running"]').waitFor();
}

async function startRun(page: Page, topic = 'Durable workflows in the browser'): Promise<string> {
  await page.getByLabel('Topic').fill(topic);
  await page.getByRole('button', { name: 'Start workflow' }).click();
  // The session shows once its first save is stored (by then it may even have ended: agents are quick).
  await page.locator('#session').waitFor();
  return (await page.locator('#session-title').textContent())!;
}

function waitForStatus(page: Page, status: string): Promise<void> {
  return page.locator(`#session-status[data-status="${status}"]`).waitFor({ timeout: 20_000 });
}

/** Steps completed so far, as the page shows them (every lane's completed chips). */
function completedSteps(page: Page): Promise<string[]> {
  return page.locator('.lane').evaluateAll((lanes) =>
    lanes.flatMap((lane) =>
      Array.from(lane.querySelectorAll('.step[data-status="completed"]')).map((chip) => `${lane.getAttribute('data-branch')}:${chip.getAttribute('data-agent')}`),
    ),
  );
}

/** The steps saved when the Writer first starts. */
const BEFORE_WRITER = ['main:Planner', 'main/Researcher A:Researcher A', 'main/Researcher B:Researcher B', 'main/Researcher C:Researcher C'];

/** Every step of the demo, once: what a completed session must show, however often it was paused or reloaded. */
const ALL_STEPS = [
  'main:Planner',
  'main:Writer',
  'main:Reviewer',
  'main:Writer',
  'main:Reviewer',
  'main/Researcher A:Researcher A',
  'main/Researcher B:Researcher B',
  'main/Researcher C:Researcher C',
];

/** Every file the playground stores, path → text, read straight from its IndexedDB store (or another database of it). */
function storedFiles(page: Page, dbName = 'waymark-playground'): Promise<Record<string, string>> {
  return page.evaluate(
    (dbName) =>
      new Promise<Record<string, string>>((resolve, reject) => {
        const open = indexedDB.open(dbName);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const request = db.transaction('files', 'readonly').objectStore('files').openCursor();
          const files: Record<string, string> = {};
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            const cursor = request.result;
            if (!cursor) {
              db.close();
              resolve(files);
              return;
            }
            const entry = cursor.value as { kind: string; data?: string };
            if (entry.kind === 'file') files[String(cursor.key)] = entry.data!;
            cursor.continue();
          };
        };
      }),
    dbName,
  );
}

/**
 * Chooses files in one of the page's import inputs, and waits until the import
 * has ended: its notice (imported) or its banner (refused) shows.
 */
async function importThrough(page: Page, input: '#import-files' | '#import-folder', files: string | string[]): Promise<void> {
  // A notice left from before would look like this import's: dismiss it, as a click does.
  if (await page.locator('#notice').isVisible()) await page.locator('#notice').click();
  await page.locator(input).setInputFiles(files);
  await page.locator('#notice:not([hidden]), #banner:not([hidden])').first().waitFor();
}

/** Clicks Export and collects one download per stored file of the session. */
async function exportSession(page: Page): Promise<Download[]> {
  const expected = await page.locator('#files .file').count();
  const downloads: Download[] = [];
  const all = new Promise<void>((resolve) => {
    page.on('download', (download) => {
      downloads.push(download);
      if (downloads.length === expected) resolve();
    });
  });
  await page.getByRole('button', { name: 'Export' }).click();
  await all;
  return downloads;
}

/** Loads a session through waymark's Node backend from a directory laid out as MARSYS's. */
async function loadInNode(files: Record<string, string>, sessionId: string) {
  const dir = mkdtempSync(join(tmpdir(), 'waymark-playground-'));
  try {
    for (const [relative, text] of Object.entries(files)) {
      mkdirSync(join(dir, relative, '..'), { recursive: true });
      writeFileSync(join(dir, relative), text);
    }
    const manager = new StateManager(new FileStorageBackend(dir));
    return { session: await manager.loadSession(sessionId), checkpoints: await manager.listCheckpoints(sessionId) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeInBrowser('the playground', () => {
  beforeAll(async () => {
    mkdirSync(output, { recursive: true });
    const [started, launched] = await Promise.allSettled([startServer(), launchChromium()]);
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
    server = started.value;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (serverProcess?.exitCode === null) serverProcess.kill('SIGTERM');
    if (pageDir) rmSync(pageDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    const errors = pageErrors.splice(0);
    expect(errors, 'errors in the page').toEqual([]);
  });

  it('runs the demo workflow to completion, with its parallel branches, and stores it as MARSYS files', async () => {
    const page = await openPlayground(await freshProfile(), { speedControl: true });
    await page.getByLabel('Agent speed').selectOption({ label: 'Fast · 0.3 s' });
    const sessionId = await startRun(page);
    await waitForStatus(page, 'completed');

    const lanes = await page.locator('.lane').evaluateAll((all) => all.map((lane) => [lane.getAttribute('data-branch'), lane.getAttribute('data-status')]));
    expect(lanes).toEqual([
      ['main', 'completed'],
      ['main/Researcher A', 'completed'],
      ['main/Researcher B', 'completed'],
      ['main/Researcher C', 'completed'],
    ]);
    expect((await completedSteps(page)).sort()).toEqual([...ALL_STEPS].sort());
    expect(await page.locator('#result').textContent()).toContain('approved at draft 2');
    expect(await page.locator('#pause').isDisabled()).toBe(true);
    expect(await page.locator('#resume').isDisabled()).toBe(true);

    const stored = await storedFiles(page);
    const sessionPath = `/state/sessions/session_${sessionId}.json`;
    expect(Object.keys(stored)).toContain(sessionPath);
    // The Writer ran twice, and the workflow checkpoints before each Writer step.
    expect(Object.keys(stored).filter((path) => path.startsWith(`/state/checkpoints/checkpoint_${sessionId}_before_Writer_`))).toHaveLength(2);
    // What the browser stored is what Node reads: same layout, same checksum.
    const files = Object.fromEntries(Object.entries(stored).map(([path, text]) => [path.slice('/state/'.length), text]));
    const { session, checkpoints } = await loadInNode(files, sessionId);
    expect(session?.metadata.waymark).toMatchObject({ status: 'completed', steps: 8 });
    expect(checkpoints.map((c) => c.name)).toEqual(['before_Writer', 'before_Writer']);

    await page.getByLabel('Checkpoint name').fill('final-report');
    await page.getByRole('button', { name: 'Checkpoint', exact: true }).click();
    await page.locator('.checkpoint[data-name="final-report"]').waitFor();
    await page.locator('#notice').click();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(output, 'playground-completed.png') });
    // The README's picture, refreshed on request only, so that test runs leave the working tree alone.
    if (process.env.UPDATE_SCREENSHOT === '1') {
      mkdirSync(join(root, 'docs'), { recursive: true });
      await page.screenshot({ path: join(root, 'docs', 'playground.png') });
    }
  });

  it('pauses, survives a reload while paused, and resumes to completion', async () => {
    const page = await openPlayground(await freshProfile(), { hold: 'Writer' });
    const sessionId = await startRun(page);
    await writerRunning(page);
    await page.getByRole('button', { name: 'Pause' }).click();
    await waitForStatus(page, 'paused');
    expect(await completedSteps(page)).toEqual(BEFORE_WRITER);
    // The Writer's step was in flight: it is the next step, to run again.
    expect(await page.locator('.lane[data-branch="main"] .step[data-agent="Writer"]').getAttribute('data-status')).toBe('pending');

    await reload(page, sessionId);
    await waitForStatus(page, 'paused');
    expect(await page.locator('#session-title').textContent()).toBe(sessionId);
    expect(await completedSteps(page)).toEqual(BEFORE_WRITER);
    expect(await page.locator('#session-note').textContent()).toContain('Paused after step 4');
    expect(await page.locator('#resume').isEnabled()).toBe(true);
    expect(await page.locator('#pause').isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Resume' }).click();
    await waitForStatus(page, 'completed');
    // Every step ran once: none of those saved before the pause ran again.
    expect((await completedSteps(page)).sort()).toEqual([...ALL_STEPS].sort());
  });

  it('shows a session interrupted by a reload mid-run, and finishes it from its last saved step', async () => {
    const page = await openPlayground(await freshProfile(), { hold: 'Writer' });
    const sessionId = await startRun(page);
    await writerRunning(page);
    await reload(page, sessionId);

    await waitForStatus(page, 'interrupted');
    expect(await page.locator('#session-status').textContent()).toBe('Interrupted');
    expect(await page.locator('#session-note').textContent()).toContain('interrupted');
    expect(await completedSteps(page)).toEqual(BEFORE_WRITER);
    expect(await page.locator('.lane[data-branch="main"]').getAttribute('data-status')).toBe('interrupted');
    await page.screenshot({ path: join(output, 'playground-interrupted.png') });

    await page.getByRole('button', { name: 'Resume' }).click();
    await waitForStatus(page, 'completed');
    expect((await completedSteps(page)).sort()).toEqual([...ALL_STEPS].sort());
  });

  it('creates a named checkpoint and rolls the session back to it', async () => {
    const page = await openPlayground(await freshProfile(), { hold: 'Writer' });
    const sessionId = await startRun(page);
    await writerRunning(page);
    await page.getByRole('button', { name: 'Pause' }).click();
    await waitForStatus(page, 'paused');

    await page.getByLabel('Checkpoint name').fill('research-underway');
    await page.getByRole('button', { name: 'Checkpoint', exact: true }).click();
    const checkpoint = page.locator('.checkpoint[data-name="research-underway"]');
    await checkpoint.waitFor();
    expect(await checkpoint.locator('.checkpoint-time').textContent()).toMatch(/\d{1,2}:\d{2}:\d{2}/);

    await reload(page, sessionId);
    await page.getByRole('button', { name: 'Resume' }).click();
    await waitForStatus(page, 'completed');
    await checkpoint.getByRole('button', { name: 'Restore' }).click();

    await waitForStatus(page, 'paused');
    expect(await completedSteps(page)).toEqual(BEFORE_WRITER);
    expect(await page.locator('#result').isHidden()).toBe(true);
    // The completed state was kept, as a checkpoint of its own.
    await page.locator('.checkpoint[data-name="pre_rollback"]').waitFor();
    const stored = await storedFiles(page);
    expect(Object.keys(stored).some((path) => path.startsWith(`/state/checkpoints/checkpoint_${sessionId}_pre_rollback_`))).toBe(true);

    await page.getByRole('button', { name: 'Resume' }).click();
    await waitForStatus(page, 'completed');
    expect((await completedSteps(page)).sort()).toEqual([...ALL_STEPS].sort());
  });

  it('exports a session as MARSYS files, and a fresh profile imports and resumes them', async () => {
    const page = await openPlayground(await freshProfile(), { hold: 'Writer' });
    const sessionId = await startRun(page);
    await writerRunning(page);
    await page.getByRole('button', { name: 'Pause' }).click();
    await waitForStatus(page, 'paused');
    await page.getByLabel('Checkpoint name').fill('handover');
    await page.getByRole('button', { name: 'Checkpoint', exact: true }).click();
    await page.locator('.checkpoint[data-name="handover"]').waitFor();

    const downloads = await exportSession(page);
    const dir = mkdtempSync(join(tmpdir(), 'waymark-export-'));
    try {
      const paths: string[] = [];
      for (const download of downloads) {
        const path = join(dir, download.suggestedFilename());
        await download.saveAs(path);
        paths.push(path);
      }
      const names = downloads.map((d) => d.suggestedFilename()).sort();
      expect(names[names.length - 1]).toBe(`session_${sessionId}.json`);
      expect(names.filter((name) => name.startsWith(`checkpoint_${sessionId}_handover_`))).toHaveLength(1);
      // Byte for byte what the page stored.
      const stored = await storedFiles(page);
      for (const path of paths) {
        const name = path.slice(dir.length + 1);
        const dirName = name.startsWith('checkpoint_') ? 'checkpoints' : 'sessions';
        expect(readFileSync(path, 'utf8')).toBe(stored[`/state/${dirName}/${name}`]);
      }

      const other = await openPlayground(await freshProfile());
      expect(await other.locator('.session-item').count()).toBe(0);
      await importThrough(other, '#import-files', paths);
      expect(await other.locator('#notice').textContent()).toContain(`Imported ${paths.length} files`);
      await waitForStatus(other, 'paused');
      expect(await other.locator('#session-title').textContent()).toBe(sessionId);
      expect(await completedSteps(other)).toEqual(BEFORE_WRITER);
      await other.locator('.checkpoint[data-name="handover"]').waitFor();

      await other.getByRole('button', { name: 'Resume' }).click();
      await waitForStatus(other, 'completed');
      expect((await completedSteps(other)).sort()).toEqual([...ALL_STEPS].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('imports files MARSYS wrote, to inspect them read-only', async () => {
    const page = await openPlayground(await freshProfile());
    await importThrough(page, '#import-files', [
      fixturePath('state', 'sessions', 'session_alpha.json'),
      fixturePath('state', 'checkpoints', 'checkpoint_alpha_after_merge_1746831595.json'),
      fixturePath('state', 'checkpoints', 'checkpoint_alpha_before_merge_1746831570.json'),
    ]);
    await waitForStatus(page, 'inspect');
    expect(await page.locator('#session-title').textContent()).toBe('alpha');
    await page.locator('.checkpoint').nth(1).waitFor();
    expect(await page.locator('.checkpoint').evaluateAll((all) => all.map((c) => c.getAttribute('data-name')))).toEqual(['after_merge', 'before_merge']);
    expect(await page.locator('.lane').count()).toBeGreaterThan(0);
    expect(await page.locator('#resume').isDisabled()).toBe(true);
    // Stored byte for byte as MARSYS wrote them.
    const stored = await storedFiles(page);
    expect(stored['/state/sessions/session_alpha.json']).toBe(readFileSync(fixturePath('state', 'sessions', 'session_alpha.json'), 'utf8'));
    await page.screenshot({ path: join(output, 'playground-marsys-import.png') });
  });

  it('imports a whole MARSYS state directory, its sessions/ and checkpoints/', async () => {
    const page = await openPlayground(await freshProfile());
    await importThrough(page, '#import-folder', fixturePath('state'));
    expect(await page.locator('#notice').textContent()).toBe('Imported 13 files.');
    await page.locator('.session-item').nth(6).waitFor();
    const sessions = await page.locator('.session-item').evaluateAll((all) => all.map((a) => a.getAttribute('data-session')).sort());
    expect(sessions).toEqual(['alpha', 'alpha_beta', 'coercions', 'empty', 'numbers', 'paused', 'unicode']);
    const stored = await storedFiles(page);
    expect(Object.keys(stored).filter((path) => path.startsWith('/state/checkpoints/'))).toHaveLength(6);
    for (const [path, text] of Object.entries(stored)) {
      expect(text, path).toBe(readFileSync(fixturePath('state', path.slice('/state/'.length)), 'utf8'));
    }
  });

  it('refuses a corrupt import with a specific message and leaves the store untouched', async () => {
    const page = await openPlayground(await freshProfile());
    await importThrough(page, '#import-files', [fixturePath('state', 'sessions', 'session_alpha_beta.json')]);
    await waitForStatus(page, 'inspect');
    const before = await storedFiles(page);

    // One good file and two bad ones: nothing at all is imported.
    await importThrough(page, '#import-files', [
      fixturePath('state', 'sessions', 'session_paused.json'),
      fixturePath('corrupt', 'tampered_checksum', 'sessions', 'session_alpha.json'),
      fixturePath('corrupt', 'checkpoint_truncated', 'checkpoints', 'checkpoint_alpha_after_merge_1746831595.json'),
    ]);
    const banner = page.locator('#banner');
    expect(await banner.isVisible()).toBe(true);
    expect(await page.locator('#notice').isHidden()).toBe(true);
    expect(await banner.locator('#banner-title').textContent()).toContain('Nothing was imported');
    const problems = await banner.locator('li').allTextContents();
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^session_alpha\.json: checksum mismatch \(stored [0-9a-f]{64}, computed [0-9a-f]{64}\)/);
    expect(problems[1]).toMatch(/^checkpoint_alpha_after_merge_1746831595\.json: not valid JSON/);
    await page.screenshot({ path: join(output, 'playground-corrupt-import.png') });

    expect(await storedFiles(page)).toEqual(before);
    // The files were checked in a scratch database, which is left empty.
    expect(await storedFiles(page, 'waymark-playground-scratch')).toEqual({});
    expect(await page.locator('.session-item').evaluateAll((all) => all.map((a) => a.getAttribute('data-session')))).toEqual(['alpha_beta']);
  });

  it('shows a failed branch, and retries its step on resume', async () => {
    const page = await openPlayground(await freshProfile());
    await page.getByLabel('Break Researcher B').check();
    await startRun(page);
    await waitForStatus(page, 'failed');
    const failedLane = page.locator('.lane[data-branch="main/Researcher B"]');
    expect(await failedLane.getAttribute('data-status')).toBe('failed');
    expect(await failedLane.locator('.step[data-status="failed"]').count()).toBe(1);
    expect(await page.locator('#session-note').textContent()).toContain('Researcher B could not reach its sources');
    expect(await page.locator('#resume').isEnabled()).toBe(true);
    await page.screenshot({ path: join(output, 'playground-failed.png') });

    await page.getByLabel('Break Researcher B').uncheck();
    await page.getByRole('button', { name: 'Resume' }).click();
    await waitForStatus(page, 'completed');
    expect((await completedSteps(page)).sort()).toEqual([...ALL_STEPS].sort());
    // The failed attempt stays in the branch's trace, before the retry that succeeded.
    expect(await failedLane.locator('.step').evaluateAll((all) => all.map((chip) => chip.getAttribute('data-status')))).toEqual(['failed', 'completed']);
  });

  it('deletes a session with its checkpoints, after asking', async () => {
    const page = await openPlayground(await freshProfile());
    await importThrough(page, '#import-files', [
      fixturePath('state', 'sessions', 'session_alpha.json'),
      fixturePath('state', 'checkpoints', 'checkpoint_alpha_after_merge_1746831595.json'),
      fixturePath('state', 'sessions', 'session_alpha_beta.json'),
      fixturePath('state', 'checkpoints', 'checkpoint_alpha_beta_init_1746831602.json'),
    ]);
    await page.locator('.session-item[data-session="alpha"]').click();
    await page.locator('.checkpoint[data-name="after_merge"]').waitFor();

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.locator('#confirm');
    expect(await dialog.locator('#confirm-text').textContent()).toBe('Delete session "alpha" and its 1 checkpoint? This cannot be undone.');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(Object.keys(await storedFiles(page))).toContain('/state/sessions/session_alpha.json');

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('.session-item[data-session="alpha"]').waitFor({ state: 'detached' });
    // Only alpha's files are gone: alpha_beta and its checkpoint, whose names start alike, stay.
    expect(Object.keys(await storedFiles(page)).sort()).toEqual([
      '/state/checkpoints/checkpoint_alpha_beta_init_1746831602.json',
      '/state/sessions/session_alpha_beta.json',
    ]);
  });

  it('lets one tab write a session at a time: the other follows it read-only, then takes over when it closes', async () => {
    const context = await freshProfile();
    const first = await openPlayground(context, { hold: 'Writer' });
    const sessionId = await startRun(first);
    const second = await openPlayground(context, { sessionId });

    await waitForStatus(second, 'elsewhere');
    // It follows the run live, from what the first tab stores.
    await writerRunning(second);
    expect(await completedSteps(second)).toEqual(BEFORE_WRITER);
    for (const button of ['#pause', '#resume', '#delete']) expect(await second.locator(button).isDisabled()).toBe(true);
    expect(await second.locator('#checkpoints button:enabled').count()).toBe(0);
    // The session's lock is what keeps it out: the second tab cannot take it while the first runs.
    const free = await second.evaluate((name) => navigator.locks.request(name, { ifAvailable: true }, (lock) => lock !== null), `waymark:${sessionId}`);
    expect(free).toBe(false);
    await second.screenshot({ path: join(output, 'playground-second-tab.png') });

    await first.close();
    await waitForStatus(second, 'interrupted');
    await second.getByRole('button', { name: 'Resume' }).click();
    await waitForStatus(second, 'completed');
    expect((await completedSteps(second)).sort()).toEqual([...ALL_STEPS].sort());
  });
});
