// admin console script: copy buttons, local-time <-> unix-seconds inputs, hls.js previews. Pages work without it.
(function () {
  'use strict';
  var pad = function (n) { return String(n).padStart(2, '0'); };
  function toLocal(sec) {
    var d = new Date(sec * 1000);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function init(root) {
    root.querySelectorAll('input[data-unix-for]:not([data-done])').forEach(function (local) {
      local.setAttribute('data-done', '1');
      var unix = document.getElementById(local.getAttribute('data-unix-for'));
      if (!unix) return;
      local.hidden = false;
      var sync = function () { if (/^\d+$/.test(unix.value)) local.value = toLocal(Number(unix.value)); };
      sync();
      local.addEventListener('change', function () {
        var t = new Date(local.value).getTime();
        if (!isNaN(t)) unix.value = String(Math.floor(t / 1000));
      });
      unix.addEventListener('change', sync);
    });
    root.querySelectorAll('video[data-hls]:not([data-done])').forEach(function (v) {
      v.setAttribute('data-done', '1');
      var src = v.getAttribute('data-hls');
      if (window.Hls && window.Hls.isSupported()) {
        var hls = new window.Hls();
        hls.loadSource(src);
        hls.attachMedia(v);
        hls.on(window.Hls.Events.MANIFEST_PARSED, function () { v.play().catch(function () {}); });
      } else if (v.canPlayType('application/vnd.apple.mpegurl')) {
        v.src = src;
        v.play().catch(function () {});
      }
    });
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-copy]');
    if (!b) return;
    e.preventDefault();
    var el = document.getElementById(b.getAttribute('data-copy'));
    var text = el ? el.textContent : '';
    var done = function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, function () {});
    else {
      var r = document.createRange(); r.selectNodeContents(el);
      var s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
      try { document.execCommand('copy'); done(); } catch (_) { /* selected for manual copy */ }
    }
  });
  // the VOD page's timeline belongs to the chosen channel: choosing another one reloads it
  document.addEventListener('change', function (e) {
    var sel = e.target;
    if (sel && sel.matches && sel.matches('select[data-reload-channel]')) location.assign('/admin/vod?channel=' + encodeURIComponent(sel.value));
  });
  var start = function () {
    init(document);
    new MutationObserver(function () { init(document); }).observe(document.body, { childList: true, subtree: true });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
