/**
 * OSS LiveChannel XML: the strict request parser (what ali-oss's jstoxml sends, OSS's limits and
 * defaults, hostile input refused) and the response documents, exact text and as ali-oss's own
 * XML parser (xml2js, explicitArray false) reads them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { parseXml } from '../../app/core/oss/xml.ts';
import {
  OSS_DEFAULTS, channelUrls, createLiveChannelResult, listLiveChannelResult, liveChannelHistory, liveChannelStat, ossErrorBody, parseLiveChannelConfiguration,
} from '../../app/core/oss/live-channel.ts';

const require = createRequire(import.meta.url);
const xml2js = require('xml2js') as { parseStringPromise(s: string, o: object): Promise<Record<string, unknown>> };
const sdkParse = (s: string) => xml2js.parseStringPromise(s, { explicitRoot: false, explicitArray: false }) as Promise<Record<string, any>>;

// exactly what ali-oss putChannel sent in a probe (jstoxml, no declaration)
const SDK_BODY = '<LiveChannelConfiguration><Description>a&amp;b</Description><Status>enabled</Status><Target><Type>HLS</Type><FragDuration>2</FragDuration><FragCount>3</FragCount><PlaylistName>p.m3u8</PlaylistName></Target></LiveChannelConfiguration>';

describe('LiveChannelConfiguration parser', () => {
  it('reads the SDK body', () => {
    assert.deepEqual(parseLiveChannelConfiguration(SDK_BODY), { ok: true, config: { description: 'a&b', status: 'enabled', fragDuration: 2, fragCount: 3, playlistName: 'p.m3u8' } });
  });
  it('fills OSS defaults; accepts the declaration and whitespace', () => {
    const r = parseLiveChannelConfiguration('<?xml version="1.0" encoding="UTF-8"?>\n<LiveChannelConfiguration>\n  <Description />\n  <Target><Type>HLS</Type></Target>\n</LiveChannelConfiguration>');
    assert.deepEqual(r, { ok: true, config: OSS_DEFAULTS });
  });
  it('refuses values outside OSS limits with InvalidArgument', () => {
    const t = (target: string, extra = '') => parseLiveChannelConfiguration(`<LiveChannelConfiguration>${extra}<Target>${target}</Target></LiveChannelConfiguration>`);
    for (const [r, why] of [
      [t('<Type>DASH</Type>'), 'Type'],
      [t('<Type>HLS</Type><FragDuration>2</FragDuration>'), 'FragDuration without FragCount'],
      [t('<Type>HLS</Type><FragDuration>101</FragDuration><FragCount>3</FragCount>'), 'FragDuration 101'],
      [t('<Type>HLS</Type><FragDuration>0</FragDuration><FragCount>3</FragCount>'), 'FragDuration 0'],
      [t('<Type>HLS</Type><PlaylistName>../x.m3u8</PlaylistName>'), 'PlaylistName'],
      [t('<Type>HLS</Type>', '<Status>abc</Status>'), 'Status'],
      [t('<Type>HLS</Type>', `<Description>${'x'.repeat(129)}</Description>`), 'Description'],
      [parseLiveChannelConfiguration('<LiveChannelConfiguration></LiveChannelConfiguration>'), 'no Target'],
    ] as const) {
      assert.equal(r.ok, false, why);
      assert.equal(!r.ok && r.code, 'InvalidArgument', why);
    }
  });
  it('refuses malformed or hostile XML with MalformedXML', () => {
    for (const body of [
      '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><LiveChannelConfiguration>&e;</LiveChannelConfiguration>',
      '<LiveChannelConfiguration><Target a="1"><Type>HLS</Type></Target></LiveChannelConfiguration>',
      '<LiveChannelConfiguration><Target><Type>HLS</Type></LiveChannelConfiguration>',
      '<Other/>', '', 'plain text', '<LiveChannelConfiguration>&bogus;</LiveChannelConfiguration>',
    ]) {
      const r = parseLiveChannelConfiguration(body);
      assert.equal(!r.ok && r.code, 'MalformedXML', body);
    }
    assert.equal(parseXml('<a>' + '<b>'.repeat(40) + '</b>'.repeat(40) + '</a>').ok, false);
  });
});

describe('response documents', () => {
  it('CreateLiveChannelResult, exact text, read by the SDK parser', async () => {
    const x = createLiveChannelResult('rtmp://h:1935/live/c?Bucket=b', 'http://h/b/c/playlist.m3u8');
    assert.equal(x, '<?xml version="1.0" encoding="UTF-8"?>\n<CreateLiveChannelResult><PublishUrls><Url>rtmp://h:1935/live/c?Bucket=b</Url></PublishUrls><PlayUrls><Url>http://h/b/c/playlist.m3u8</Url></PlayUrls></CreateLiveChannelResult>\n');
    const d = await sdkParse(x);
    assert.equal(d.PublishUrls.Url, 'rtmp://h:1935/live/c?Bucket=b');
  });
  it('ListLiveChannelResult with paging', async () => {
    const x = listLiveChannelResult({ prefix: 'c', marker: '', maxKeys: 1, isTruncated: true, nextMarker: 'c1', channels: [{ name: 'c1', description: '<d>', status: 'enabled', lastModifiedMs: 1_700_000_000_000, publishUrl: 'rtmp://p', playUrl: 'http://q' }] });
    assert.match(x, /<MaxKeys>1<\/MaxKeys><IsTruncated>true<\/IsTruncated><NextMarker>c1<\/NextMarker><LiveChannel><Name>c1<\/Name><Description>&lt;d&gt;<\/Description><Status>enabled<\/Status><LastModified>2023-11-14T22:13:20.000Z<\/LastModified>/);
    const d = await sdkParse(x);
    assert.equal(d.IsTruncated, 'true');
    assert.equal(d.LiveChannel.Name, 'c1');
    assert.equal(d.LiveChannel.Description, '<d>');
  });
  it('LiveChannelStat: Live with Video/Audio; Idle with Status only', () => {
    assert.equal(
      liveChannelStat({ status: 'Live', connectedMs: 0, remoteAddr: '127.0.0.1:5000', video: { width: 640, height: 360, frameRate: 30, bandwidth: 100000, codec: 'H264' }, audio: { bandwidth: 12000, sampleRate: 44100, codec: 'AAC' } }),
      '<?xml version="1.0" encoding="UTF-8"?>\n<LiveChannelStat><Status>Live</Status><ConnectedTime>1970-01-01T00:00:00.000Z</ConnectedTime><RemoteAddr>127.0.0.1:5000</RemoteAddr><Video><Width>640</Width><Height>360</Height><FrameRate>30</FrameRate><Bandwidth>100000</Bandwidth><Codec>H264</Codec></Video><Audio><Bandwidth>12000</Bandwidth><SampleRate>44100</SampleRate><Codec>AAC</Codec></Audio></LiveChannelStat>\n',
    );
    assert.equal(liveChannelStat({ status: 'Idle', connectedMs: 5 }), '<?xml version="1.0" encoding="UTF-8"?>\n<LiveChannelStat><Status>Idle</Status></LiveChannelStat>\n');
  });
  it('LiveChannelHistory and Error', () => {
    assert.match(liveChannelHistory([{ startMs: 1000, endMs: 2000, remoteAddr: 'a:1' }, { startMs: 3000, endMs: null, remoteAddr: 'b:2' }]),
      /<LiveRecord><StartTime>1970-01-01T00:00:01.000Z<\/StartTime><EndTime>1970-01-01T00:00:02.000Z<\/EndTime><RemoteAddr>a:1<\/RemoteAddr><\/LiveRecord><LiveRecord><StartTime>1970-01-01T00:00:03.000Z<\/StartTime><RemoteAddr>b:2<\/RemoteAddr><\/LiveRecord>/);
    assert.equal(ossErrorBody({ code: 'NoSuchLiveChannel', message: 'm', requestId: 'R', hostId: 'h' }), '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchLiveChannel</Code><Message>m</Message><RequestId>R</RequestId><HostId>h</HostId></Error>\n');
  });
  it('push URLs in the forms the ingest accepts', () => {
    const o = { rtmpBase: 'rtmp://gw.example.com:1935', httpBase: 'http://gw.example.com:8080/', bucket: 'bk1', channel: 'c1', playlistName: 'playlist.m3u8' };
    assert.deepEqual(channelUrls({ ...o, vhost: false }), { publishUrl: 'rtmp://gw.example.com:1935/live/c1?Bucket=bk1', playUrl: 'http://gw.example.com:8080/bk1/c1/playlist.m3u8' });
    assert.equal(channelUrls({ ...o, vhost: true }).publishUrl, 'rtmp://bk1.gw.example.com:1935/live/c1');
    assert.equal(channelUrls({ ...o, vhost: true, defaultBucket: 'bk1' }).publishUrl, 'rtmp://gw.example.com:1935/live/c1');
  });
});

describe('push URL on an IP address', () => {
  it('keeps the Bucket parameter: an IP has no sub-domains', () => {
    assert.equal(channelUrls({ rtmpBase: 'rtmp://127.0.0.1:1935', httpBase: 'http://127.0.0.1', bucket: 'bk1', channel: 'c1', playlistName: 'p.m3u8', vhost: true }).publishUrl, 'rtmp://127.0.0.1:1935/live/c1?Bucket=bk1');
  });
});
