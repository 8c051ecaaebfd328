import type fc from 'fast-check';
import type { MinimalFs } from '../../src/index.js';

/**
 * `fs` with every operation held until fast-check's scheduler lets it start,
 * so a property explores the orders in which concurrent calls reach storage.
 * `who` prefixes each operation's label, to tell writers apart in a report.
 */
export function scheduledFs(fs: MinimalFs, s: fc.Scheduler, who = ''): MinimalFs {
  const gate =
    <A extends unknown[], R>(name: string, operation: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await s.schedule(Promise.resolve(), `${who}${name} ${String(args[0]).replace(/^.*\/(sessions|checkpoints)\//, '$1/')}`);
      return operation(...args);
    };
  const open = fs.open;
  return {
    readFile: gate('readFile', (path: string, encoding: 'utf8') => fs.readFile(path, encoding)),
    writeFile: gate('writeFile', (path: string, data: string) => fs.writeFile(path, data)),
    rename: gate('rename', (from: string, to: string) => fs.rename(from, to)),
    unlink: gate('unlink', (path: string) => fs.unlink(path)),
    readdir: gate('readdir', (path: string) => fs.readdir(path)),
    mkdir: gate('mkdir', (path: string, options: { recursive: true }) => fs.mkdir(path, options)),
    stat: gate('stat', (path: string) => fs.stat(path)),
    ...(fs.atomicWriteFile && { atomicWriteFile: true }),
    ...(open && {
      open: gate('open', async (path: string, flags: 'r+' | 'r') => {
        const handle = await open.call(fs, path, flags);
        return { sync: gate('sync', () => handle.sync()), close: () => handle.close() };
      }),
    }),
  };
}
