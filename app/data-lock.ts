/**
 * @module data-lock
 * One gateway per DATA_DIR: two would upload the same spool twice and race on the live playlists.
 * A pid file taken with O_EXCL; a stale one (its process is gone, or it is our own pid after a
 * container restart) is taken over. The CLI does not take it: it only reads and writes SQLite rows.
 */
import fs from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** returns the release function; throws DataDirLockedError when another live gateway holds the dir */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'gateway.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        // only our own lock: a takeover after we hung must not be undone by us
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
        } catch {
          // already gone (removed by hand): nothing to release
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new DataDirLockedError(`DATA_DIR ${dataDir} is in use by another gateway (pid ${pid}); give each gateway its own DATA_DIR`);
      fs.rmSync(file, { force: true }); // stale: that process is gone
    }
  }
  throw new DataDirLockedError(`DATA_DIR ${dataDir}: could not take ${file}`);
}
