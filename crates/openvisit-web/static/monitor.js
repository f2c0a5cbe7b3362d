// Staff watching live visits: the facility's live list, a receive-only connection to
// any non-privileged visit (the parties are not told), and ending a visit with a reason.
(() => {
  'use strict';
  const root = document.getElementById('monitor');
  const T = root.dataset;
  const list = document.getElementById('live-list');
  let pc = null;
  let ws = null;

  async function api(path, body) {
    const r = await fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    const json = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(json.message || String(r.status));
    return json;
  }

  function stopWatching() {
    if (pc) pc.close();
    if (ws) ws.close();
    pc = null; ws = null;
  }

  async function watch(visit) {
    stopWatching();
    const t = await api(`/api/v1/staff/visits/${visit}/live-ticket`, {});
    document.getElementById('watching').hidden = false;
    document.getElementById('watching-title').textContent = T.tVisit.replace('{id}', visit);
    pc = new RTCPeerConnection();
    // Receive-only, in the order the server expects: visitor audio, visitor video,
    // resident audio, resident video.
    const lines = ['audio', 'video', 'audio', 'video'].map((k) => pc.addTransceiver(k, { direction: 'recvonly' }));
    const streams = { visitor: new MediaStream(), resident: new MediaStream() };
    document.getElementById('watch-visitor').srcObject = streams.visitor;
    document.getElementById('watch-resident').srcObject = streams.resident;
    pc.ontrack = (e) => {
      const i = lines.indexOf(e.transceiver);
      (i < 2 ? streams.visitor : streams.resident).addTrack(e.track);
    };
    const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    ws = new WebSocket(proto + location.host + t.socket);
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.type === 'answer') pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
      if (m.type === 'ended') { stopWatching(); refresh(); }
    };
    ws.onopen = async () => {
      await pc.setLocalDescription(await pc.createOffer());
      ws.send(JSON.stringify({ type: 'offer', sdp: pc.localDescription.sdp }));
    };
  }

  // Reasons staff have typed, by visit: the list is redrawn every few seconds, and a
  // half-typed reason must survive that.
  const reasons = new Map();

  async function end(visit, reason) {
    if (!reason.trim()) { alert(T.tReasonNeeded); return; }
    await api(`/api/v1/staff/visits/${visit}/end`, { reason });
    refresh();
  }

  function row(v) {
    const li = document.createElement('li');
    const s = v.status;
    const title = document.createElement('strong');
    title.textContent = T.tVisit.replace('{id}', v.visit_id);
    li.append(title, ' ', (s.phase === 'live' ? T.tLive : T.tWaiting) + ` (${s.visitor} / ${s.resident})`);
    if (v.privileged) {
      const p = document.createElement('span');
      p.textContent = ' ' + T.tPrivileged;
      li.append(p);
    } else {
      const b = document.createElement('button');
      b.type = 'button'; b.className = 'watch'; b.dataset.visit = v.visit_id;
      b.textContent = T.tWatch;
      b.addEventListener('click', () => watch(v.visit_id).catch((e) => alert(e.message)));
      li.append(' ', b);
    }
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.id = `reason-${v.visit_id}`;
    input.value = reasons.get(v.visit_id) || '';
    input.addEventListener('input', () => reasons.set(v.visit_id, input.value));
    label.htmlFor = input.id;
    label.textContent = T.tReason;
    const e = document.createElement('button');
    e.type = 'button'; e.className = 'danger'; e.textContent = T.tEnd;
    e.addEventListener('click', () => end(v.visit_id, input.value).catch((x) => alert(x.message)));
    li.append(' ', label, ' ', input, ' ', e);
    return li;
  }

  async function refresh() {
    try {
      const live = await api('/api/v1/staff/live');
      const focused = list.contains(document.activeElement) ? document.activeElement.id : '';
      list.replaceChildren(...(live.length ? live.map(row) : [Object.assign(document.createElement('li'), { textContent: T.tNone })]));
      const again = focused && document.getElementById(focused);
      if (again) again.focus();
    } catch (e) { /* keep the last list */ }
  }

  // For tests: frames decoded from each side while watching.
  window.ovMonitorFrames = async () => {
    if (!pc) return [0, 0];
    const out = [0, 0];
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        const t = pc.getTransceivers().findIndex((x) => x.mid === r.mid);
        out[t < 2 ? 0 : 1] += r.framesDecoded || 0;
      }
    });
    return out;
  };
  refresh();
  setInterval(refresh, 5000);
})();
