// console.js — small helpers for the agent console (src/http/console*.c), which works without
// it: a canned reply fills the message box; the coupon fields show only for "coupon"; and a
// conversation refreshes itself when a new message arrives (polls /console/c/{id}/last every
// 5 s; when the agent is typing it shows a notice instead of reloading); a text longer in bytes
// than the server takes is refused before it is sent.
'use strict';
(function () {
  const canned = document.getElementById('canned');
  const body = document.getElementById('body');
  if (canned && body) {
    canned.addEventListener('change', () => { if (canned.value) { body.value = canned.value; body.focus(); } });
  }
  document.querySelectorAll('form.resolve').forEach(f => {
    const sel = f.querySelector('select.resolution');
    const box = f.querySelector('.coupon');
    if (!sel || !box) return;
    const sync = () => { box.hidden = sel.value !== 'coupon'; };
    sel.addEventListener('change', sync);
    sync();
  });
  // The server's limits are in bytes (UTF-8), the browser's maxlength in characters: text with
  // accents or emoji can pass maxlength and still be refused. Tell the agent before sending.
  const es = document.documentElement.lang === 'es';
  const utf8 = new TextEncoder();
  document.querySelectorAll('textarea[maxlength]').forEach(t => {
    const max = Number(t.getAttribute('maxlength'));
    const sync = () => {
      const n = utf8.encode(t.value).length;
      t.setCustomValidity(n <= max ? '' : es
        ? `El texto es demasiado largo: ${n} bytes de ${max} como máximo (las letras con tilde y los emojis ocupan más de uno). Acórtalo.`
        : `The text is too long: ${n} bytes, at most ${max} (accented letters and emoji take more than one). Please shorten it.`);
    };
    t.addEventListener('input', sync);
    sync();
  });
  const conv = document.querySelector('.conv[data-conv]');
  if (!conv) return;
  const id = conv.dataset.conv;
  let last = Number(conv.dataset.last || 0);
  let told = false;
  const busy = () => [...document.querySelectorAll('textarea,input[name=value]')].some(t => t.value.trim() !== '') ||
    (document.activeElement && /TEXTAREA|INPUT|SELECT/.test(document.activeElement.tagName));
  setInterval(async () => {
    try {
      const r = await fetch(`/console/c/${id}/last`, { credentials: 'same-origin', cache: 'no-store' });
      if (!r.ok) return;
      const j = await r.json();
      if (j.last > last) {
        if (!busy()) { location.reload(); return; }
        if (!told) {
          told = true;
          const p = document.createElement('p');
          p.className = 'fresh';
          p.setAttribute('role', 'status');
          p.textContent = document.documentElement.lang === 'es'
            ? 'Hay mensajes nuevos: recarga la página para verlos.' : 'New messages: reload the page to see them.';
          conv.querySelector('.thread').prepend(p);
        }
      }
    } catch (e) { /* offline for a moment: try again next time */ }
  }, 5000);
})();
