/**
 * Start-up refusals of `npm start` (app/main.ts) as an operator sees them: exit 1 and one line on
 * stderr naming the problem, never a stack trace.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { tempDir } from '../helpers/gateway.ts';
import { lockDataDir, DataDirLockedError } from '../../app/data-lock.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function start(env: Record<string, string>, dataDir = tempDir()): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--no-warnings', '--import', 'tsx', 'app/main.ts'], {
      cwd: ROOT, timeout: 60_000, env: { PATH: process.env.PATH!, DATA_DIR: dataDir, HTTP_PORT: '0', RTMP_PORT: '0', BIND: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    }, (_err, _stdout, stderr) => resolve({ code: child.exitCode, lines: stderr.split('\n').filter(Boolean) }));
  });
}

describe('start-up refusals: one clear line, exit 1', () => {
  it('missing ffmpeg', async () => {
    const r = await start({ FFMPEG_PATH: '/nonexistent/ffmpeg' });
    assert.equal(r.code, 1);
    assert.deepEqual(r.lines, ["livechannel-gateway: ffmpeg not usable at '/nonexistent/ffmpeg' (ENOENT): install it (apt-get install ffmpeg) or set FFMPEG_PATH"]);
  });
  it('unreachable S3 endpoint', async () => {
    const r = await start({ S3_ENDPOINT: 'http://127.0.0.1:9', S3_ACCESS_KEY_ID: 'a', S3_SECRET_ACCESS_KEY: 'b' });
    assert.equal(r.code, 1);
    assert.deepEqual(r.lines, ['livechannel-gateway: storage s3:http://127.0.0.1:9: S3 endpoint http://127.0.0.1:9 unreachable: connect ECONNREFUSED']);
  });
  it('a bad variable names itself and the rule', async () => {
    const r = await start({ RTMP_PORT: 'abc' });
    assert.equal(r.code, 1);
    assert.deepEqual(r.lines, ["livechannel-gateway: RTMP_PORT must be an integer in 0..65535, got 'abc'"]);
  });
  it('S3 endpoint without credentials', async () => {
    const r = await start({ S3_ENDPOINT: 'http://127.0.0.1:9' });
    assert.equal(r.code, 1);
    assert.deepEqual(r.lines, ['livechannel-gateway: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set when S3_ENDPOINT is']);
  });
  it('a DATA_DIR held by a live gateway', async () => {
    const dir = tempDir();
    // this test process stands in for the running gateway
    fs.writeFileSync(path.join(dir, 'gateway.pid'), `${process.pid}\n`);
    const r = await start({}, dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.lines, [`livechannel-gateway: DATA_DIR ${dir} is in use by another gateway (pid ${process.pid}); give each gateway its own DATA_DIR`]);
  });
  it('a port in use', async () => {
    const busy = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    const port = (busy.address() as net.AddressInfo).port;
    const r = await start({ RTMP_PORT: String(port) });
    busy.close();
    assert.equal(r.code, 1);
    assert.deepEqual(r.lines, [`livechannel-gateway: port in use: listen EADDRINUSE: address already in use 127.0.0.1:${port} (set HTTP_PORT / RTMP_PORT)`]);
  });
});

describe('data dir lock', () => {
  it('takes a free or stale lock, refuses a live one, releases only its own', () => {
    const dir = tempDir();
    const file = path.join(dir, 'gateway.pid');
    const release = lockDataDir(dir);
    assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`);
    release();
    assert.equal(fs.existsSync(file), false);
    fs.writeFileSync(file, '999999999\n'); // no such process: stale
    lockDataDir(dir)();
    fs.writeFileSync(file, `${process.ppid}\n`); // a live process that is not us
    assert.throws(() => lockDataDir(dir), DataDirLockedError);
  });
});
