// The visit room in the browser: camera check, ticket, signaling socket, one
// RTCPeerConnection to the server (docs/SIGNALING.md). Standard WebRTC APIs only.
// Texts come from data-t-* attributes on #visit, so the page decides the language.
(() => {
  'use strict';
  const root = document.getElementById('visit');
  if (!root) return;
  const T = root.dataset;
  const $ = (id) => document.getElementById(id);
  const camel = (s) => s.replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase());
  const side = T.side; // 'visitor' or 'resident'
  const other = side === 'visitor' ? 'resident' : 'visitor';
  let stream = null;
  let pc = null;
  let ws = null;
  let endsAt = null;
  let ended = false;

  const say = (text) => { $('visit-status').textContent = text; };

  async function checkDevices() {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      $('local').srcObject = stream;
      say(T.tDevicesOk);
      for (const id of ['ready', 'mute', 'camera']) { const b = $(id); if (b) b.disabled = false; }
      return true;
    } catch (e) {
      say(T.tDevicesFailed);
      return false;
    }
  }

  async function ticket() {
    const r = await fetch(T.ticketUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: T.ticketBody || '{}',
      credentials: 'same-origin',
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(T['tError' + camel(body.error || '')] || body.message || String(r.status));
    return body;
  }

  async function join() {
    const ready = $('ready');
    if (ready) ready.disabled = true;
    let t;
    try { t = await ticket(); } catch (e) { say(e.message); if (ready) ready.disabled = false; return false; }
    const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    ws = new WebSocket(proto + location.host + t.socket);
    ws.onmessage = (ev) => handle(JSON.parse(ev.data));
    ws.onclose = () => { if (!ended) say(T.tDisconnected); };
    return true;
  }

  async function startMedia() {
    pc = new RTCPeerConnection();
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    const remote = new MediaStream();
    $('remote').srcObject = remote;
    pc.ontrack = (e) => { remote.addTrack(e.track); };
    await pc.setLocalDescription(await pc.createOffer());
    ws.send(JSON.stringify({ type: 'offer', sdp: pc.localDescription.sdp }));
    ws.send(JSON.stringify({ type: 'ready' }));
  }

  function showStatus(m) {
    if (m.phase === 'waiting') {
      const parts = [T['tOther' + camel(m[other])] || '', m.kiosk_online && side === 'visitor' ? T.tKioskOnline : ''];
      say([T.tWaiting].concat(parts.filter(Boolean)).join(' '));
    } else if (m.phase === 'live') {
      endsAt = Date.parse(m.ends_at);
      say(m[other] === 'ready' ? T.tLive : T.tOtherAway);
    }
    root.dataset.phase = m.phase;
  }

  function finish(kind) {
    ended = true;
    root.dataset.phase = 'ended';
    say(T['tEnded' + camel(kind)] || T.tEndedCompleted);
    $('visit-time').textContent = '';
    $('visit-quality').hidden = true;
    if (stream) stream.getTracks().forEach((t) => t.stop());
    if (pc) pc.close();
    if (ws) ws.close();
  }

  function handle(m) {
    switch (m.type) {
      case 'welcome': startMedia(); break;
      case 'answer': pc.setRemoteDescription({ type: 'answer', sdp: m.sdp }); break;
      case 'status': showStatus(m); break;
      case 'started':
        // For tests and support: when the server said both sides are in.
        window.ovStartedAt = Date.now();
        endsAt = Date.parse(m.ends_at); say(T.tLive); root.dataset.phase = 'live'; break;
      case 'warning': $('visit-warning').textContent = T['tWarning' + m.minutes_left] || ''; break;
      case 'notice': $('visit-notice').textContent = [T['tNotice' + camel(m.kind)], m.body].filter(Boolean).join(' '); break;
      case 'link': serverSlow = m.slow; showQuality(); break;
      case 'ended': finish(m.outcome.kind); break;
      case 'error': say(T['tError' + camel(m.code)] || m.message); break;
      default: break;
    }
  }

  setInterval(() => {
    if (!endsAt || ended) return;
    const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    const mm = Math.floor(left / 60);
    const ss = String(left % 60).padStart(2, '0');
    $('visit-time').textContent = T.tTimeLeft.replace('{time}', mm + ':' + ss);
  }, 1000);

  // The connection's quality, from two sides. The server says when either party's
  // downlink is slow (`link`, docs/SIGNALING.md), in every browser. The browser's own
  // target for its camera, set by its congestion control on this side's uplink and
  // capped by the server, adds what only it knows (Chromium reports it; Firefox does
  // not): below WEAK_BPS on two checks in a row it is slow, above CLEAR_BPS on two it is
  // not, and not in the first seconds of media, while the rate is still climbing.
  const WEAK_BPS = 250000;
  const CLEAR_BPS = 350000;
  const SETTLING_MS = 10000;
  let serverSlow = false;
  let left = false;
  let browserSlow = false;
  let mediaSince = null;
  let weakChecks = 0;
  let clearChecks = 0;
  function showQuality() {
    const quality = $('visit-quality');
    quality.textContent = T.tWeakLink;
    quality.hidden = ended || left || !(serverSlow || browserSlow);
  }
  setInterval(async () => {
    if (!pc || ended || root.dataset.phase !== 'live') { mediaSince = null; return; }
    mediaSince = mediaSince || Date.now();
    if (Date.now() - mediaSince < SETTLING_MS) return;
    const { target } = await window.ovVideoOut();
    // A browser that does not report its target says nothing here.
    if (!target) return;
    weakChecks = target < WEAK_BPS ? weakChecks + 1 : 0;
    clearChecks = target > CLEAR_BPS ? clearChecks + 1 : 0;
    if (weakChecks >= 2) browserSlow = true;
    if (clearChecks >= 2) browserSlow = false;
    showQuality();
  }, 1000);

  function toggle(id, kind) {
    const b = $(id);
    if (!b) return;
    b.addEventListener('click', () => {
      if (!stream) return;
      const on = b.getAttribute('aria-pressed') !== 'true';
      b.setAttribute('aria-pressed', String(on));
      stream.getTracks().filter((t) => t.kind === kind).forEach((t) => { t.enabled = !on; });
    });
  }
  toggle('mute', 'audio');
  toggle('camera', 'video');
  const check = $('check');
  if (check) check.addEventListener('click', checkDevices);
  const ready = $('ready');
  if (ready) ready.addEventListener('click', join);
  const leave = $('leave');
  if (leave) leave.addEventListener('click', () => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'leave' }));
    if (stream) stream.getTracks().forEach((t) => t.stop());
    if (pc) pc.close();
    left = true;
    showQuality();
    say(T.tLeft);
  });

  // For tests and support: video frames decoded from the other side so far.
  window.ovFramesDecoded = async () => {
    if (!pc) return 0;
    let n = 0;
    (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') n += r.framesDecoded || 0; });
    return n;
  };
  // For tests and support: the protocol ('udp' or 'tcp') the media goes over.
  window.ovTransport = async () => {
    if (!pc) return '';
    const stats = await pc.getStats();
    let protocol = '';
    stats.forEach((r) => {
      // Firefox has no transport stats; it marks the pair in use as selected.
      const pair = r.type === 'transport' ? stats.get(r.selectedCandidatePairId)
        : r.type === 'candidate-pair' && r.selected ? r : null;
      const local = pair && stats.get(pair.localCandidateId);
      if (local) protocol = local.protocol;
    });
    return protocol;
  };
  // For tests and support: what the camera sends, the browser's target for it (bit/s,
  // set by its congestion control and the server's ceiling) and the bytes sent so far.
  window.ovVideoOut = async () => {
    const out = { target: 0, bytes: 0 };
    if (!pc) return out;
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video') {
        out.target += r.targetBitrate || 0;
        out.bytes += r.bytesSent || 0;
      }
    });
    return out;
  };
  window.OV = { checkDevices, join };
})();
