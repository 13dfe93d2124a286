/** Playlist rewriting for signed playback: exact text, signatures checked against Python's hmac (seed key pair). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rewritePlaylist, playlistKind } from '../../app/core/playlist/rewrite.ts';

const signer = { bucket: 'rtmptest1', dir: 'channel002', accessKeyId: 'GVXDWEABA4CO2DSA2CPH', secret: 'lhV5DfiUPoNKL1IeF6BwUEuFXobEFmuz1iuw03XB', expires: 2165554749 };
const Q = 'AWSAccessKeyId=GVXDWEABA4CO2DSA2CPH&Expires=2165554749&Signature=';

describe('playlist rewrite', () => {
  it('signs every relative segment URI with the link\'s key pair and Expires', () => {
    const live = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:6',
      '#EXT-X-MEDIA-SEQUENCE:7',
      '#EXTINF:6.000,',
      '1796333742744.ts',
      '#EXT-X-DISCONTINUITY',
      '#EXTINF:5.960,',
      '1796333748744.ts',
      '',
    ].join('\n');
    assert.equal(
      rewritePlaylist(live, signer),
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:6',
        '#EXT-X-MEDIA-SEQUENCE:7',
        '#EXTINF:6.000,',
        `/rtmptest1/channel002/1796333742744.ts?${Q}7JslGL0cdHfcfEvQXnNuJ24wTLs%3D`,
        '#EXT-X-DISCONTINUITY',
        '#EXTINF:5.960,',
        `/rtmptest1/channel002/1796333748744.ts?${Q}OCn92t7Zd3OTDPjLlZklj6t1zT0%3D`,
        '',
      ].join('\n'),
    );
    assert.equal(playlistKind(live), 'live');
  });

  it('keeps absolute and already-signed URIs, CRLF line ends, and signs URI attributes', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x1',
      '#EXTINF:5.000',
      'http://10.254.3.68/rtmp/channel002/1535251714336.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=i2UsXTCqqXrG7bYIgjkudsjGzI8%3D',
      '#EXTINF:4.000',
      '/rtmptest1/channel002/1796333742744.ts',
      '#EXTINF:4.000',
      '../other/1796333742744.ts',
      '#EXTINF:4.000',
      '1796333742744.ts',
      '#EXT-X-ENDLIST',
    ].join('\r\n');
    assert.equal(
      rewritePlaylist(text, signer),
      [
        '#EXTM3U',
        `#EXT-X-KEY:METHOD=AES-128,URI="/rtmptest1/channel002/key.bin?${Q}x1SdnmBQr5LxWsQ9csNcDveisuw%3D",IV=0x1`,
        '#EXTINF:5.000',
        'http://10.254.3.68/rtmp/channel002/1535251714336.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=i2UsXTCqqXrG7bYIgjkudsjGzI8%3D',
        '#EXTINF:4.000',
        '/rtmptest1/channel002/1796333742744.ts',
        '#EXTINF:4.000',
        '../other/1796333742744.ts',
        '#EXTINF:4.000',
        `/rtmptest1/channel002/1796333742744.ts?${Q}7JslGL0cdHfcfEvQXnNuJ24wTLs%3D`,
        '#EXT-X-ENDLIST',
      ].join('\r\n'),
    );
  });

  it('tells live, ended and VOD playlists apart', () => {
    assert.equal(playlistKind('#EXTM3U\n#EXTINF:1,\na.ts\n#EXT-X-ENDLIST\n'), 'ended');
    assert.equal(playlistKind('#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:1,\na.ts\n#EXT-X-ENDLIST\n'), 'vod');
    assert.equal(playlistKind('#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:1,\na.ts\n'), 'live');
  });
});
