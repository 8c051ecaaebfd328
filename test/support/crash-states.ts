/**
 * What a crash can leave on disk after any prefix of a recorded sequence of
 * fs operations (recording-fs.ts), under two models:
 *
 * **process** — the process dies (`kill -9`), the OS survives. Every
 * completed operation is kept exactly; a `writeFile` that was under way may
 * have left its file empty or with only part of its data (Node's writeFile
 * is open-truncate, then write), unless the fs says its writes are atomic
 * (`atomicWriteFile`: IndexedDB's are transactions). Renames and unlinks
 * are atomic.
 *
 * **power** — the machine loses power (ALICE / CrashMonkey style). What
 * survives is what was made durable plus an ordered part of what was not:
 * - A file's data is durable once the file is fsynced. Data written but not
 *   fsynced may be lost entirely, torn (only a prefix kept), or kept.
 * - A directory's entries (files created, renamed, unlinked, sub-directories
 *   made) are durable once the directory is fsynced. Of the entry changes
 *   made since, any prefix, in the order they were made, may survive: a
 *   journaling fs commits metadata in order, but per directory, so each
 *   directory gets its own prefix. A rename is one entry change (atomic).
 * - fsyncing a file does not make its name durable, nor does creating a
 *   directory make its entry in its parent durable.
 * The root (the parent of the state directory) always exists.
 *
 * Enumerated exhaustively: every combination of per-directory prefix and,
 * for each reachable file with unsynced data, each of lost / torn / kept.
 */
import { Volume } from 'memfs';
import type { MinimalFs } from '../../src/fs.js';
import { parentOf, type FsOp, type LogEntry } from './recording-fs.js';

export type CrashModel = 'process' | 'power';

/** Files and directories, paths relative to the root, as a crash leaves them. */
export interface DiskState {
  dirs: string[];
  files: Record<string, string>;
}

interface Inode {
  data: string;
  /** The data as of the last fsync; `undefined` if never fsynced. */
  synced: string | undefined;
}
type Node = { kind: 'dir' } | { kind: 'file'; inode: Inode };
type EntryChange = { kind: 'set'; name: string; node: Node } | { kind: 'delete'; name: string } | { kind: 'move'; from: string; to: string };

const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

function applyChange(listing: Map<string, Node>, change: EntryChange): void {
  if (change.kind === 'set') listing.set(change.name, change.node);
  else if (change.kind === 'delete') listing.delete(change.name);
  else {
    const node = listing.get(change.from);
    listing.delete(change.from);
    if (node !== undefined) listing.set(change.to, node);
  }
}

/** The most crash states one prefix may have before the test refuses to enumerate them. */
const MAX_STATES_PER_PREFIX = 20_000;

/** A simulated fs that replays recorded operations and knows what is durable. */
export class CrashSimulator {
  /** What the running process sees. */
  readonly #volatile = new Map<string, Node>([['', { kind: 'dir' }]]);
  /** Per directory: its entries as durable on disk. */
  readonly #durable = new Map<string, Map<string, Node>>([['', new Map()]]);
  /** Per directory: entry changes made since it was last fsynced, in order. */
  readonly #pending = new Map<string, EntryChange[]>([['', []]]);

  /** Starts from `before`, all of it durable. */
  constructor(before: DiskState) {
    for (const dir of [...before.dirs].sort((a, b) => a.split('/').length - b.split('/').length)) {
      if (dir === '' || this.#volatile.has(dir)) continue;
      const node: Node = { kind: 'dir' };
      this.#volatile.set(dir, node);
      this.#durable.set(dir, new Map());
      this.#pending.set(dir, []);
      this.#durableListing(parentOf(dir)).set(nameOf(dir), node);
    }
    for (const [path, data] of Object.entries(before.files)) {
      const node: Node = { kind: 'file', inode: { data, synced: data } };
      this.#volatile.set(path, node);
      this.#durableListing(parentOf(path)).set(nameOf(path), node);
    }
  }

  #durableListing(dir: string): Map<string, Node> {
    const listing = this.#durable.get(dir);
    if (listing === undefined) throw new Error(`the simulator has no directory ${JSON.stringify(dir)}`);
    return listing;
  }

  #change(dir: string, change: EntryChange): void {
    const pending = this.#pending.get(dir);
    if (pending === undefined) throw new Error(`an entry change in ${JSON.stringify(dir)}, which the simulator does not have`);
    pending.push(change);
  }

  apply(op: FsOp): void {
    switch (op.op) {
      case 'mkdir': {
        if (this.#volatile.has(op.path)) return;
        const node: Node = { kind: 'dir' };
        this.#volatile.set(op.path, node);
        this.#durable.set(op.path, new Map());
        this.#pending.set(op.path, []);
        this.#change(parentOf(op.path), { kind: 'set', name: nameOf(op.path), node });
        return;
      }
      case 'write': {
        const existing = this.#volatile.get(op.path);
        if (existing?.kind === 'file') {
          existing.inode.data = op.data;
          return;
        }
        const node: Node = { kind: 'file', inode: { data: op.data, synced: undefined } };
        this.#volatile.set(op.path, node);
        this.#change(parentOf(op.path), { kind: 'set', name: nameOf(op.path), node });
        return;
      }
      case 'rename': {
        if (parentOf(op.from) !== parentOf(op.to)) throw new Error(`the simulator models renames within one directory, not ${op.from} -> ${op.to}`);
        const node = this.#volatile.get(op.from);
        if (node?.kind !== 'file') throw new Error(`rename of ${op.from}, which is not a file`);
        this.#volatile.delete(op.from);
        this.#volatile.set(op.to, node);
        this.#change(parentOf(op.from), { kind: 'move', from: nameOf(op.from), to: nameOf(op.to) });
        return;
      }
      case 'unlink':
        this.#volatile.delete(op.path);
        this.#change(parentOf(op.path), { kind: 'delete', name: nameOf(op.path) });
        return;
      case 'fsync': {
        const node = this.#volatile.get(op.path);
        if (node === undefined) throw new Error(`fsync of ${op.path}, which does not exist`);
        if (node.kind === 'file') {
          node.inode.synced = node.inode.data;
          return;
        }
        const listing = this.#durableListing(op.path);
        for (const change of this.#pending.get(op.path) ?? []) applyChange(listing, change);
        this.#pending.set(op.path, []);
        return;
      }
    }
  }

  /** What the running process sees now. */
  current(): DiskState {
    const dirs: string[] = [];
    const files: Record<string, string> = {};
    for (const [path, node] of this.#volatile) {
      if (node.kind === 'dir') dirs.push(path);
      else files[path] = node.inode.data;
    }
    return { dirs, files };
  }

  /**
   * Every state a crash right now may leave. `next` is the operation that was
   * under way (the process model lets a writeFile be cut short).
   */
  crashStates(model: CrashModel, next?: FsOp, atomicWrites = false): DiskState[] {
    return model === 'process' ? this.#processCrash(next, atomicWrites) : this.#powerLoss();
  }

  #processCrash(next: FsOp | undefined, atomicWrites: boolean): DiskState[] {
    const now = this.current();
    const states = [now];
    if (next?.op === 'write' && !atomicWrites) {
      for (const partial of new Set(['', torn(next.data)])) {
        states.push({ dirs: now.dirs, files: { ...now.files, [next.path]: partial } });
      }
    }
    return states;
  }

  #powerLoss(): DiskState[] {
    const dirsWithPending = [...this.#pending].filter(([, changes]) => changes.length > 0);
    const states: DiskState[] = [];
    // Every combination of per-directory prefixes.
    const choose = (i: number, prefixes: Map<string, number>) => {
      if (i === dirsWithPending.length) {
        this.#withDataVariants(this.#durableTree(prefixes), states);
        return;
      }
      const [dir, changes] = dirsWithPending[i] as [string, EntryChange[]];
      for (let n = 0; n <= changes.length; n++) {
        prefixes.set(dir, n);
        choose(i + 1, prefixes);
      }
    };
    choose(0, new Map());
    return states;
  }

  /** The tree reachable from the root when each directory kept the given prefix of its pending changes. */
  #durableTree(prefixes: Map<string, number>): { dirs: string[]; files: Array<[string, Inode]> } {
    const dirs: string[] = [];
    const files: Array<[string, Inode]> = [];
    const walk = (dir: string) => {
      dirs.push(dir);
      const listing = new Map(this.#durableListing(dir));
      const kept = prefixes.get(dir) ?? 0;
      for (const change of (this.#pending.get(dir) ?? []).slice(0, kept)) applyChange(listing, change);
      for (const [name, node] of listing) {
        const path = dir === '' ? name : `${dir}/${name}`;
        if (node.kind === 'dir') walk(path);
        else files.push([path, node.inode]);
      }
    };
    walk('');
    return { dirs, files };
  }

  #withDataVariants(tree: { dirs: string[]; files: Array<[string, Inode]> }, out: DiskState[]): void {
    const choices = tree.files.map(([path, inode]) => {
      if (inode.synced === inode.data) return [path, [inode.data]] as const;
      // Lost (the last fsynced data, or nothing), torn, or kept.
      return [path, [...new Set([inode.synced ?? '', torn(inode.data), inode.data])]] as const;
    });
    const count = choices.reduce((n, [, variants]) => n * variants.length, 1);
    if (out.length + count > MAX_STATES_PER_PREFIX) throw new Error(`more than ${MAX_STATES_PER_PREFIX} crash states at one point: make the scenario smaller`);
    const files: Record<string, string> = {};
    const pick = (i: number) => {
      if (i === choices.length) {
        out.push({ dirs: tree.dirs, files: { ...files } });
        return;
      }
      const [path, variants] = choices[i] as readonly [string, string[]];
      for (const variant of variants) {
        files[path] = variant;
        pick(i + 1);
      }
    };
    pick(0);
  }
}

/** The first half of `data`: a write cut short. */
function torn(data: string): string {
  return data.slice(0, Math.floor(data.length / 2));
}

/** A canonical string for a state, to tell distinct states apart. */
export function stateKey(state: DiskState): string {
  return JSON.stringify([[...state.dirs].sort(), Object.entries(state.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** A memfs volume holding `state`, with the root at `/`. */
export function materialize(state: DiskState): Volume {
  const json: Record<string, string | null> = {};
  for (const dir of state.dirs) if (dir !== '') json[`/${dir}`] = null;
  for (const [path, data] of Object.entries(state.files)) json[`/${path}`] = data;
  const volume = Volume.fromJSON(json);
  return volume;
}

/** Every directory and file under `root` on `fs`, relative to `root`. */
export async function snapshotTree(fs: MinimalFs, root: string): Promise<DiskState> {
  const dirs: string[] = [''];
  const files: Record<string, string> = {};
  const walk = async (relative: string) => {
    const full = relative === '' ? root : `${root === '/' ? '' : root}/${relative}`;
    for (const name of await fs.readdir(full)) {
      const path = relative === '' ? name : `${relative}/${name}`;
      const fullPath = `${full === '/' ? '' : full}/${name}`;
      if ((await fs.stat(fullPath)).isDirectory()) {
        dirs.push(path);
        await walk(path);
      } else {
        files[path] = await fs.readFile(fullPath, 'utf8');
      }
    }
  };
  await walk('');
  return { dirs, files };
}

/** The log's fs operations, and after how many of them each API call had resolved. */
export function splitLog(log: readonly LogEntry[]): { ops: FsOp[]; acks: number[]; labels: string[] } {
  const ops: FsOp[] = [];
  const acks: number[] = [];
  const labels: string[] = [];
  for (const entry of log) {
    if (entry.op === 'ack') {
      acks.push(ops.length);
      labels.push(entry.label);
    } else ops.push(entry);
  }
  return { ops, acks, labels };
}
