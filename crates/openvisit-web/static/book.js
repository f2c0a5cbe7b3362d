// The booking picker without page loads: choosing a day, a kind or a length fetches
// the same page the link or form would and swaps in its calendar and times. Without
// JavaScript the links and the "Show free times" button do the same with a page load.
(() => {
  const swap = async (url, focusTimes) => {
    let html;
    try {
      const r = await fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
      if (!r.ok || r.redirected) { location.assign(url); return; }
      html = await r.text();
    } catch (_) { location.assign(url); return; }
    const fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('picker');
    const old = document.getElementById('picker');
    if (!fresh || !old) { location.assign(url); return; }
    old.replaceWith(document.adoptNode(fresh));
    history.pushState(null, '', url);
    const times = document.getElementById('times-title');
    if (focusTimes && times) times.focus();
  };
  document.addEventListener('click', (e) => {
    const a = e.target.closest('#picker .calendar a');
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    swap(a.href, true);
  });
  document.addEventListener('change', (e) => {
    const form = e.target.closest('form.choose');
    if (!form) return;
    swap('/book?' + new URLSearchParams(new FormData(form)).toString(), false);
  });
  window.addEventListener('popstate', () => location.reload());
})();
