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
    if (!r.ok) {
      const e = new Error(T['tError' + camel(body.error || '')] || body.message || String(r.status));
      e.code = body.error || '';
      e.status = r.status;
      throw e;
    }
    return body;
  }

  // After a drop (the network, or the server restarting) the page comes back by itself
  // with a new ticket: the visit keeps its end time, so every second counts. Tries again
  // after 0.5, 1, 2, then every 3 seconds until it is back or the visit is over.
  let joined = false;
  let left = false;
  let replaced = false;
  let retries = 0;
  let retryTimer = null;
  let reconnecting = false;
  function rejoinLater() {
    if (ended || left || replaced || retryTimer) return;
    reconnecting = true;
    say(T.tReconnecting);
    const delay = Math.min(500 * 2 ** retries, 3000);
    retries += 1;
    retryTimer = setTimeout(async () => {
      retryTimer = null;
      if (ended || left || replaced) return;
      if (pc) { pc.close(); pc = null; }
      await connect(true);
    }, delay);
  }

  // Opens the signaling socket with a new ticket. `again` is a rejoin: a refusal that
  // will not change (the visit is over) ends the page; anything else tries again.
  async function connect(again) {
    let t;
    try { t = await ticket(); } catch (e) {
      if (!again) { say(e.message); return false; }
      if (e.status === 410 || e.code === 'over' || e.code === 'visit_over') { finish('completed'); return false; }
      rejoinLater();
      return false;
    }
    const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const socket = new WebSocket(proto + location.host + t.socket);
    ws = socket;
    socket.onmessage = (ev) => handle(JSON.parse(ev.data));
    socket.onclose = () => {
      if (socket !== ws || ended) return;
      if (left || replaced) { if (!ended) say(replaced ? T.tReplaced : T.tLeft); return; }
      rejoinLater();
    };
    return true;
  }

  async function join() {
    const ready = $('ready');
    if (ready) ready.disabled = true;
    left = false;
    if (!(await connect(false))) { if (ready) ready.disabled = false; return false; }
    joined = true;
    return true;
  }

  async function startMedia() {
    if (pc) pc.close();
    retries = 0;
    reconnecting = false;
    pc = new RTCPeerConnection();
    // Media that fails while signaling stays up (the media server went away): start
    // over through a new socket.
    const mine = pc;
    pc.onconnectionstatechange = () => {
      if (mine === pc && mine.connectionState === 'failed' && ws) ws.close();
    };
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
    reconnecting = false;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    root.dataset.phase = 'ended';
    say(T['tEnded' + camel(kind)] || T.tEndedCompleted);
    $('visit-time').textContent = '';
    $('visit-quality').hidden = true;
    if (stream) stream.getTracks().forEach((t) => t.stop());
    if (pc) pc.close();
    if (ws) ws.close();
    // The kiosk goes back to its next-visit screen after a while.
    root.dispatchEvent(new CustomEvent('ov-ended', { detail: { kind } }));
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
      case 'notice': {
        // Staff's words in the page's language, or the other one, said to be so.
        const [mine, other] = document.documentElement.lang === 'es' ? [m.body_es, m.body] : [m.body, m.body_es];
        const words = mine || (other ? T.tNoticeOtherLanguage + ' ' + other : '');
        $('visit-notice').textContent = [T['tNotice' + camel(m.kind)], words].filter(Boolean).join(' ');
        break;
      }
      case 'link': serverSlow = m.slow; showQuality(); break;
      case 'ended': finish(m.outcome.kind); break;
      case 'replaced': replaced = true; say(T.tReplaced); break;
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
    left = true;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'leave' }));
    if (stream) stream.getTracks().forEach((t) => t.stop());
    if (pc) pc.close();
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
  // For tests and support: the other side's audio as received, summed over its
  // streams: packets received and lost, Opus FEC (packets that carried the previous
  // packet again, and those not needed), and samples played and concealed.
  window.ovAudioIn = async () => {
    const keys = ['packetsReceived', 'packetsLost', 'fecPacketsReceived', 'fecPacketsDiscarded',
      'totalSamplesReceived', 'concealedSamples', 'silentConcealedSamples'];
    const sum = Object.fromEntries(keys.map((k) => [k, 0]));
    if (!pc) return sum;
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') keys.forEach((k) => { sum[k] += r[k] || 0; });
    });
    return sum;
  };
  // For tests and support: this page's audio as the server's receiver reports describe
  // it: packets sent, packets the server says it lost, and the last report's share lost.
  window.ovAudioOut = async () => {
    const out = { packetsSent: 0, packetsLost: 0, fractionLost: 0 };
    if (!pc) return out;
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'outbound-rtp' && r.kind === 'audio') out.packetsSent += r.packetsSent || 0;
      if (r.type === 'remote-inbound-rtp' && r.kind === 'audio') {
        out.packetsLost += r.packetsLost || 0;
        out.fractionLost = Math.max(out.fractionLost, r.fractionLost || 0);
      }
    });
    return out;
  };
  // For tests and support: whether the page is in the visit (joined, not left or over).
  window.ovJoined = () => joined && !left && !ended;
  // For tests and support: the page lost its connection and is coming back.
  window.ovReconnecting = () => reconnecting;
  // For tests and support: the announced end (ms since the epoch), once live.
  window.ovEndsAt = () => endsAt;
  window.OV = { checkDevices, join };
})();
