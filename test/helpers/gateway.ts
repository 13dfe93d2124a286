/**
 * Test harness: an in-process gateway on free ports with its own DATA_DIR, the real CLI as a
 * child process, and the S3 settings of the test RGW (scripts/test.sh exports TEST_S3_*).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig } from '../../app/config/config.ts';
import { startGateway, type Gateway } from '../../app/gateway.ts';
import { setLogLevel } from '../../app/log.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export const rgw = process.env.TEST_S3_ENDPOINT
  ? { endpoint: process.env.TEST_S3_ENDPOINT, accessKeyId: process.env.TEST_S3_ACCESS_KEY ?? 'testkey', secretAccessKey: process.env.TEST_S3_SECRET_KEY ?? 'testsecret' }
  : undefined;

export function s3Env(): Record<string, string> {
  if (!rgw) throw new Error('TEST_S3_ENDPOINT is not set (run the tests with npm test, which starts RGW)');
  return { S3_ENDPOINT: rgw.endpoint, S3_ACCESS_KEY_ID: rgw.accessKeyId, S3_SECRET_ACCESS_KEY: rgw.secretAccessKey, S3_FORCE_PATH_STYLE: 'true', S3_REGION: 'us-east-1' };
}

export interface TestGateway extends Gateway {
  dataDir: string;
  env: Record<string, string>;
  cli(...args: string[]): Promise<string>;
  rtmpBase: string;
  httpBase: string;
}

export function tempDir(prefix = 'lcg-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** start a gateway; env overrides (e.g. s3Env()) are merged over test defaults */
export async function startTestGateway(env: Record<string, string> = {}, dataDir = tempDir()): Promise<TestGateway> {
  setLogLevel((process.env.TEST_LOG_LEVEL as 'info') ?? 'warn');
  const full: Record<string, string> = { DATA_DIR: dataDir, HTTP_PORT: '0', RTMP_PORT: '0', BIND: '127.0.0.1', LIVE_END_GRACE: '2', ...env };
  const gw = await startGateway(loadConfig(full));
  const rtmpBase = `rtmp://127.0.0.1:${gw.rtmp.port}`;
  const httpBase = `http://127.0.0.1:${gw.httpPort}`;
  // the CLI (and the admin console) print URLs for these public bases
  full.PUBLIC_RTMP_URL = rtmpBase;
  full.PUBLIC_HTTP_URL = httpBase;
  if (!env.PUBLIC_RTMP_URL) gw.config.publicRtmpBase = rtmpBase;
  if (!env.PUBLIC_HTTP_URL) gw.config.publicHttpBase = httpBase;
  return Object.assign(gw, { dataDir, env: full, rtmpBase, httpBase, cli: (...args: string[]) => runCli(full, args) });
}

export async function runCli(env: Record<string, string>, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'app/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  return stdout.trim();
}

/** create key + channel through the real CLI; returns the key */
export async function setupChannel(gw: TestGateway, bucket: string, channel: string, opts: string[] = []): Promise<{ id: string; secret: string }> {
  const out = await gw.cli('key', 'create', '--json');
  const key = JSON.parse(out) as { id: string; secret: string };
  await gw.cli('channel', 'create', `${bucket}/${channel}`, ...opts);
  return key;
}

export async function waitFor<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const uniqueBucket = (p = 'b') => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
