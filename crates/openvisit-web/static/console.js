// The staff console's forms: each `form[data-api]` is sent as JSON (or, for the roster,
// as the chosen CSV file) to the API endpoint it names. Refusals are shown next to the
// form in the page's language; after a change the page reloads and says what was done.
(() => {
  'use strict';
  const main = document.getElementById('main');
  const T = main.dataset;
  const flash = document.getElementById('console-flash');
  // The roster text last previewed, which "apply" sends.
  let previewed = null;

  const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));

  function explain(status, body) {
    const d = body.details || {};
    if (body.error === 'price_refused') {
      if (d.reason === 'above_cap') return fill(T.errAboveCap, d);
      if (d.reason === 'no_cap') return T.errNoCap;
      if (d.reason === 'bad_increment') return T.errBadIncrement;
      if (d.reason === 'negative_fee') return T.errNegativeFee;
    }
    if (status === 401) return T.errSignedOut;
    if (status === 403) return T.errForbidden;
    if (status === 404) return T.errNotFound;
    if (body.error === 'bad_roster') return fill(T.errBadRoster, { message: body.message || '' });
    return fill(T.errGeneric, { message: body.message || String(status) });
  }

  function value(el) {
    switch (el.dataset.kind) {
      case 'int': return Number.parseInt(el.value, 10);
      case 'optint': return el.value === '' ? null : Number.parseInt(el.value, 10);
      case 'money': return Math.round(Number.parseFloat(el.value.replace(',', '.')) * 100);
      case 'bool': return el.checked;
      case 'truth': return el.value === 'true';
      case 'ints': return el.value.split(',').map((s) => s.trim()).filter(Boolean).map((s) => Number.parseInt(s, 10));
      default: return el.value;
    }
  }

  function json(form, submitter) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.type === 'submit' || el.type === 'file' || el.tagName === 'BUTTON') continue;
      out[el.name] = value(el);
    }
    if (submitter && submitter.name) out[submitter.name] = submitter.value;
    return out;
  }

  const renderers = {
    // The roster: the preview lists who is added, moved and released; applying it
    // uploads the same file again with ?apply=true.
    roster(form, r) {
      const box = document.getElementById('roster-result');
      const R = box.dataset;
      box.hidden = false;
      document.getElementById('roster-heading').textContent = r.applied ? R.tApplied : R.tPreview;
      for (const k of ['added', 'moved', 'released']) {
        const ul = document.getElementById('roster-' + k);
        ul.replaceChildren(...r[k].map((n) => Object.assign(document.createElement('li'), { textContent: n })));
      }
      document.getElementById('roster-visits').textContent = [
        fill(R.tKept, { count: r.kept_visits.length }),
        fill(R.tCancelled, { count: r.cancelled_visits.length }),
        fill(R.tUnchanged, { count: r.unchanged }),
      ].join(' ');
      document.getElementById('roster-apply').hidden = r.applied;
    },
  };

  async function send(form, submitter) {
    const status = form.querySelector('.form-status');
    const method = form.dataset.method || 'POST';
    const init = { method, credentials: 'same-origin', headers: {} };
    if (form.dataset.body === 'file') {
      // Applying sends exactly the text that was previewed, even if the file changed.
      if (form.id === 'roster-apply' && previewed !== null) {
        init.body = previewed;
      } else {
        const input = document.querySelector('input[type=file]');
        const file = input && input.files[0];
        if (!file) { input.reportValidity(); return; }
        init.body = await file.text();
        previewed = init.body;
      }
      init.headers['content-type'] = 'text/csv';
    } else {
      init.body = JSON.stringify(json(form, submitter));
      init.headers['content-type'] = 'application/json';
    }
    status.classList.remove('error');
    status.textContent = T.working;
    let r;
    try {
      r = await fetch(form.dataset.api, init);
    } catch (_) {
      status.textContent = T.errNetwork;
      status.classList.add('error');
      return;
    }
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      status.textContent = explain(r.status, body);
      status.classList.add('error');
      return;
    }
    status.textContent = '';
    const then = form.dataset.then || 'reload';
    if (renderers[then]) { renderers[then](form, body); return; }
    sessionStorage.setItem('ov-console-done', form.dataset.done || T.saved);
    if (!then.startsWith('go:')) { location.reload(); return; }
    // Going to the page already shown (perhaps another #part of it) must still reload.
    const to = new URL(then.slice(3), location.href);
    if (to.pathname + to.search === location.pathname + location.search) location.reload();
    else location.assign(to);
  }

  document.addEventListener('submit', (ev) => {
    const form = ev.target.closest('form[data-api]');
    if (!form) return;
    ev.preventDefault();
    send(form, ev.submitter);
  });

  const done = sessionStorage.getItem('ov-console-done');
  if (done) {
    sessionStorage.removeItem('ov-console-done');
    flash.textContent = done;
    flash.hidden = false;
  }
})();
