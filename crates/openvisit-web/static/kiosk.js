// The kiosk between visits: the clock, the next visit (R6), then sign-in with a PIN
// (housing unit) or the booking code (lobby), which opens the visit room.
(() => {
  'use strict';
  const k = document.getElementById('kiosk');
  const visit = document.getElementById('visit');
  const form = document.getElementById('kiosk-sign-in');
  const zone = k.dataset.zone;
  const lang = k.dataset.lang;
  const lobby = k.dataset.lobby === 'true';
  const time = new Intl.DateTimeFormat(lang, { timeZone: zone, hour: 'numeric', minute: '2-digit' });
  const day = new Intl.DateTimeFormat(lang, { timeZone: zone, weekday: 'long', month: 'long', day: 'numeric' });
  let next = null;
  let inVisit = false;
  visit.hidden = true;

  function tick() {
    document.getElementById('kiosk-clock').textContent = day.format(new Date()) + ' · ' + time.format(new Date());
  }
  async function refresh() {
    if (inVisit) return;
    try {
      const r = await fetch('/api/v1/kiosk/next', { credentials: 'same-origin' });
      if (!r.ok) return;
      const body = await r.json();
      next = body.next;
      const el = document.getElementById('kiosk-next');
      if (!next) { el.textContent = k.dataset.tNone; form.hidden = true; return; }
      const start = new Date(next.start);
      el.textContent = k.dataset.tNext
        .replace('{name}', next.resident_name)
        .replace('{day}', day.format(start))
        .replace('{time}', time.format(start));
      form.hidden = false;
    } catch (e) { /* offline for a moment: keep what is shown */ }
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const secret = document.getElementById('kiosk-secret').value;
    visit.dataset.ticketBody = JSON.stringify(lobby ? { code: secret } : { visit_id: next && next.visit, pin: secret });
    visit.hidden = false;
    if (!(await window.OV.checkDevices())) return;
    if (await window.OV.join()) {
      inVisit = true;
      form.hidden = true;
      document.getElementById('kiosk-secret').value = '';
    }
  });
  // After a visit ends, the kiosk goes back to its next-visit screen and sign-in form
  // (the room's script rejoins by itself after a drop, so only an end gets here).
  visit.addEventListener('ov-ended', () => {
    // A fresh page: the room's state (ended, stopped camera) starts over.
    setTimeout(() => { location.reload(); }, 15000);
  });
  tick();
  setInterval(tick, 1000);
  refresh();
  setInterval(refresh, 15000);
})();
