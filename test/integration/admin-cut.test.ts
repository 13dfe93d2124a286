/**
 * Disabling a live channel cuts its encoder (real ffmpeg over RTMP): from the console at once
 * (recorder.cut), and when another process (the CLI) disabled it, by the recorder's own check
 * of the channel row on its 5 s info timer.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, setupChannel, waitFor, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import { adminHeaders } from '../helpers/admin.ts';
import { push } from '../helpers/ffmpeg.ts';
import { getChannel } from '../../db/repos/channels.ts';
import { lastSession } from '../../db/repos/sessions.ts';

describe('disabling a live channel cuts the encoder', () => {
  let gw: TestGateway;
  const bucket = uniqueBucket('cut');
  let key: { id: string };
  before(async () => {
    gw = await startTestGateway({});
    key = await setupChannel(gw, bucket, 'one');
    await gw.cli('channel', 'create', `${bucket}/two`);
    await gw.cli('channel', 'create', `${bucket}/three`);
  });
  after(() => gw?.stop(3000));

  const goLive = async (ch: string) => {
    const p = push(await gw.cli('sign', 'push', `${bucket}/${ch}`, '--key', key.id), 60);
    await waitFor(`${ch} live`, () => gw.recorder.isBusy(bucket, ch), 20_000);
    return { pushing: p }; // not the promise itself: an async function would wait for it
  };

  it('from the console: the session ends with the admin reason and the encoder is dropped', async () => {
    const { pushing: p } = await goLive('one');
    const ch = getChannel(gw.db, bucket, 'one')!;
    const h = await adminHeaders(gw.db);
    const t0 = Date.now();
    const r = await gw.app.request(`/admin/channels/${ch.id}/disable`, { method: 'POST', headers: { cookie: h.cookie, 'X-CSRF-Token': h.csrf } });
    assert.equal(r.status, 200);
    const s = await waitFor('session ended', () => {
      const x = lastSession(gw.db, ch.id);
      return x?.status === 'ended' ? x : undefined;
    }, 15_000);
    assert.equal(s.endReason, 'channel disabled by admin');
    const res = await p;
    assert.notEqual(res.code, 0, 'ffmpeg lost its connection');
    console.log(`# console disable -> encoder dropped ${res.endedAt - t0} ms, session closed ${s.endedAt! - t0} ms`);
  });

  it('from the CLI (another process): the recorder notices the row and cuts', async () => {
    const { pushing: p } = await goLive('two');
    const ch = getChannel(gw.db, bucket, 'two')!;
    const t0 = Date.now();
    assert.equal(await gw.cli('channel', 'disable', `${bucket}/two`), `${bucket}/two disabled`);
    const t1 = Date.now();
    const s = await waitFor('session ended', () => {
      const x = lastSession(gw.db, ch.id);
      return x?.status === 'ended' ? x : undefined;
    }, 15_000);
    assert.equal(s.endReason, 'channel disabled');
    const res = await p;
    assert.notEqual(res.code, 0);
    console.log(`# CLI disable: CLI ran ${t1 - t0} ms; row change -> encoder dropped ${res.endedAt - t1} ms, -> session closed ${s.endedAt! - t1} ms`);
  });

  it('a key disabled by the CLI cuts the push it signed', async () => {
    const other = JSON.parse(await gw.cli('key', 'create', '--json')) as { id: string };
    const p = push(await gw.cli('sign', 'push', `${bucket}/three`, '--key', other.id), 60);
    await waitFor('three live', () => gw.recorder.isBusy(bucket, 'three'), 20_000);
    const ch = getChannel(gw.db, bucket, 'three')!;
    assert.equal(await gw.cli('key', 'disable', other.id), `${other.id} disabled`);
    const s = await waitFor('session ended', () => {
      const x = lastSession(gw.db, ch.id);
      return x?.status === 'ended' ? x : undefined;
    }, 15_000);
    assert.equal(s.endReason, 'access key disabled or no longer allowed to push here');
    assert.notEqual((await p).code, 0);
  });
});
