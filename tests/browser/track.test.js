// track.test.js — drives Debian chromium against a running Rastro (started and seeded by
// tests/e2e/browser.sh, which passes BASE, KEY, CODE, CODE2, CODE7, OUT, CHROMIUM) and prints one
// "ok - name" / "not ok - name (detail)" line per check. Plain node, no test runner.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const { BASE, KEY, CODE, CODE2, CODE7, OUT } = process.env;
const SHOTS = path.join(OUT, 'screenshots');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let failures = 0;

function ok(name) { console.log(`ok - ${name}`); }
function notOk(name, detail) { failures++; console.log(`not ok - ${name}${detail ? ` (${String(detail).replace(/\s+/g, ' ').slice(0, 300)})` : ''}`); }
function check(name, cond, detail) { cond ? ok(name) : notOk(name, detail); }
async function step(name, fn) {
  try { await fn(); } catch (e) { notOk(name, e && e.message); }
}
async function api(method, p, body) {
  const r = await fetch(BASE + p, { method, headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, json: await r.json().catch(() => null) };
}
async function axe(page, name) {
  await page.evaluate(AXE); // through the debugger, which the page's Content-Security-Policy does not govern
  const res = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
  const v = res.violations.map(x => `${x.id}: ${x.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')}`);
  check(`axe-core: no WCAG 2.1 AA violations on ${name}`, v.length === 0, v.join(' | '));
}
const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const desktop = { viewport: { width: 1280, height: 900 } };
  const mobile = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
  const dialogs = [], refused = [];
  const watch = page => {
    page.on('dialog', d => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    // the page's Content-Security-Policy must not stop anything the page itself does
    page.on('console', m => { if (/Content Security Policy/i.test(m.text())) refused.push(m.text()); });
  };

  // ---- Spanish, desktop ----
  await step('Spanish page', async () => {
    const ctx = await browser.newContext({ ...desktop, locale: 'es-ES', extraHTTPHeaders: { 'Accept-Language': 'es-ES,es;q=0.9' } });
    const page = await ctx.newPage(); watch(page);
    const resp = await page.goto(`${BASE}/t/${CODE}`);
    check('GET /t/{code} answers 200', resp.status() === 200, resp.status());
    const h = resp.headers();
    check('the page carries a Content-Security-Policy that runs only its own scripts',
      /script-src 'self'/.test(h['content-security-policy'] || '') && !/unsafe-eval|script-src[^;]*unsafe-inline/.test(h['content-security-policy']),
      h['content-security-policy']);
    check('  and may be framed by a shop (no X-Frame-Options); its address is not sent to other sites',
      !h['x-frame-options'] && h['referrer-policy'] === 'same-origin', `${h['x-frame-options']} ${h['referrer-policy']}`);
    check('page is in Spanish (html lang=es)', await page.getAttribute('html', 'lang') === 'es');
    check('headline says En camino', (await page.textContent('#headline')).includes('En camino'));
    const steps = await page.$$eval('.steps li', ls => ls.map(l => l.className));
    check('five milestones, shipped is current', steps.length === 5 && steps[2].includes('now'), steps.join(','));
    check('current milestone has aria-current=step', await page.getAttribute('.steps li.now', 'aria-current') === 'step');
    const tl = await page.$$eval('.tl li', ls => ls.map(l => l.textContent));
    check('timeline lists both events, newest first', tl.length === 2 && tl[0].includes('En camino'), tl.join(' | '));
    check('timeline in local time and Spanish day names', /martes 25 de noviembre, 07:30/.test(tl[0]), tl[0]);
    check('public level hides the items', (await page.$('.items')) === null);
    check('merchant <script> is shown as text', (await page.textContent('.brand')).includes('<script>alert(1)</script>'));
    check('promotion banner shown', (await page.textContent('.promo')).includes('VUELVE'));
    check('FAQ has the WISMO defaults', (await page.textContent('#fq-h ~ details >> nth=0')).includes('¿Cuándo llegará'));
    const bytes = (await (await fetch(`${BASE}/t/${CODE}`)).text()).length +
      (await (await fetch(`${BASE}/static/page.css`)).text()).length + (await (await fetch(`${BASE}/static/track.js`)).text()).length;
    check(`page + CSS + JS ≤ 30 KB (${bytes} bytes)`, bytes <= 30 * 1024, bytes);
    await shot(page, 'es-desktop');
    await axe(page, 'the Spanish page');
    await ctx.close();
  });

  // ---- English, mobile, verified (full level: items and carrier text) ----
  await step('English page', async () => {
    const ctx = await browser.newContext({ ...mobile, locale: 'en-GB', extraHTTPHeaders: { 'Accept-Language': 'en-GB,en;q=0.9' } });
    const page = await ctx.newPage(); watch(page);
    await page.goto(`${BASE}/t/${CODE}?email=ana@example.com`);
    check('an old ?email= link lands on the token address, the e-mail gone from the address bar',
      /[?&]v=[0-9a-z]{30}$/.test(page.url()) && !page.url().includes('email'), page.url());
    check('Accept-Language en gives English', await page.getAttribute('html', 'lang') === 'en');
    check('English headline', (await page.textContent('#headline')).includes('On its way'));
    check('English milestones', (await page.textContent('.steps')).includes('Out for delivery'));
    check('full level shows the items, escaped', (await page.textContent('.items')).includes('Taza <b>grande</b>'));
    check('event <script> message shown as text', (await page.textContent('.tl')).includes('<script>alert("ev")</script>'));
    check('no script from merchant or carrier text ran', dialogs.length === 0, dialogs.join(','));
    await shot(page, 'en-mobile');
    await axe(page, 'the English mobile page');
    // the visible language switch
    await page.click('nav a[hreflang=es]');
    check('language switch goes to Spanish and keeps the full view',
      (await page.getAttribute('html', 'lang')) === 'es' && (await page.$('.items')) !== null);
    await shot(page, 'es-mobile');
    // verified visitor chooses WhatsApp with the order's own phone: becomes the preferred channel
    await page.check('input[name=channel][value=whatsapp]');
    await Promise.all([page.waitForNavigation(), page.click('button[value=start]')]);
    check('verified visitor can subscribe without typing a contact', (await page.textContent('#updates')).includes('Hecho'));
    await ctx.close();
  });

  // ---- exception page (what happened, what to do) ----
  await step('exception page', async () => {
    const ctx = await browser.newContext({ ...mobile, extraHTTPHeaders: { 'Accept-Language': 'en' } });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/t/${CODE2}`);
    const alert = await page.textContent('.alert');
    check('exception box says what happened', alert.includes('held at customs'), alert);
    check('exception box says what to do', alert.includes('What you can do'), alert);
    check('milestone marked as a problem', (await page.$('.steps li.warn')) !== null);
    await shot(page, 'en-mobile-exception');
    await axe(page, 'the exception page');
    await ctx.close();
  });

  // ---- a light brand colour: links still readable (the brand as link text is darkened) ----
  await step('light brand', async () => {
    const brand = (await api('GET', '/v1/branding')).json;
    const r = await api('PUT', '/v1/branding', { ...brand, primary_color: '#ffe600' });
    check('a yellow brand colour is accepted', r.status === 200, r.status);
    const ctx = await browser.newContext({ ...mobile, extraHTTPHeaders: { 'Accept-Language': 'es' } });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/t/${CODE}`);
    const ratio = await page.evaluate(() => {
      const rgb = s => s.match(/\d+/g).slice(0, 3).map(Number);
      const lum = c => { const l = c.map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
      const a = document.querySelector('.promo a'), bg = getComputedStyle(document.querySelector('.promo')).backgroundColor;
      const x = lum(rgb(getComputedStyle(a).color)), y = lum(rgb(bg));
      return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
    });
    check(`  the promotion's link reads at 4.5:1 or more on its card (${ratio.toFixed(2)}:1)`, ratio >= 4.5, ratio);
    await shot(page, 'es-mobile-light-brand');
    await axe(page, 'the page of a shop with a yellow brand');
    await ctx.close();
    await api('PUT', '/v1/branding', brand);
  });

  // ---- a narrow phone (360 px): nothing wider than the screen, the code on one line ----
  await step('360 px', async () => {
    const ctx = await browser.newContext({ ...mobile, viewport: { width: 360, height: 740 }, extraHTTPHeaders: { 'Accept-Language': 'es' } });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/t/${CODE}`);
    const w = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    check('at 360 px the page needs no sideways scrolling', w[0] <= w[1], w.join(' > '));
    const lines = await page.evaluate(() => document.querySelector('.code strong').getClientRects().length);
    check('  the tracking code is not broken across lines (it is read aloud and copied)', lines === 1, lines);
    // the progress steps' labels ("Confirmado", "Preparando"…) each stay apart from the next,
    // with a gap, and inside the screen, in both languages
    const labels = () => page.evaluate(() => [...document.querySelectorAll('.steps li > span:first-child')].map(s => {
      const r = s.getBoundingClientRect();
      return { t: s.textContent, l: r.left, r: r.right };
    }));
    for (const lang of ['es', 'en']) {
      if (lang === 'en') await page.goto(`${BASE}/t/${CODE}?lang=en`);
      const b = await labels();
      const bad = b.slice(1).map((x, i) => [b[i], x]).filter(([a, x]) => x.l - a.r < 2)
        .map(([a, x]) => `${a.t} ${a.r.toFixed(1)} / ${x.t} ${x.l.toFixed(1)}`);
      check(`  at 360 px the progress steps' labels do not touch (${lang})`, b.length === 5 && bad.length === 0 &&
        b[0].l >= 0 && b[4].r <= 360, `${b.length} labels; ${bad.join(', ')}`);
    }
    await page.goto(`${BASE}/t/${CODE}`);
    await shot(page, 'es-360');
    await ctx.close();
  });

  // ---- live update over SSE ----
  await step('live update', async () => {
    const ctx = await browser.newContext({ ...desktop, extraHTTPHeaders: { 'Accept-Language': 'es' } });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/t/${CODE}`);
    await page.waitForFunction(() => window.rastroLive && window.rastroLive.readyState === 1, null, { timeout: 5000 });
    const before = await page.textContent('#headline');
    const t0 = Date.now();
    const r = await api('POST', '/v1/events', { carrier: 'seur', tracking_number: 'SEUR123', occurred_at: '2025-11-26T08:05:00+01:00',
      status: 'out_for_delivery', location: { city: 'Madrid' } });
    check('POST /v1/events accepted', r.status === 201, r.status);
    await page.waitForFunction(() => document.getElementById('headline').textContent.includes('En reparto'), null, { timeout: 4000 });
    const ms = Date.now() - t0;
    check(`page changed without reload within 2 s (${ms} ms)`, ms <= 2000, ms);
    check('headline changed', before !== (await page.textContent('#headline')));
    check('screen readers are told', (await page.textContent('#announce')).includes('En reparto'));
    check('the tab\'s title follows (a phone shows it in the tab list)', (await page.title()).startsWith('En reparto ·'),
      await page.title());
    check('timeline grew to three events', (await page.$$('.tl li')).length === 3);
    await shot(page, 'es-desktop-live');
    await ctx.close();
  });

  // ---- the stream refused (a proxy's 503 while the server restarts, 429): opened again later ----
  await step('stream refused, then back', async () => {
    const ctx = await browser.newContext({ ...desktop, extraHTTPHeaders: { 'Accept-Language': 'en' } });
    const page = await ctx.newPage();
    const stream = `**/t/${CODE7}/stream`;
    await page.route(stream, route => route.fulfill({ status: 503, contentType: 'text/html', body: 'Service Unavailable' }));
    await page.goto(`${BASE}/t/${CODE7}`);
    await page.waitForFunction(() => window.rastroLive && window.rastroLive.readyState === 2, null, { timeout: 5000 });
    const r = await api('POST', '/v1/events', { carrier: 'seur', tracking_number: 'SSE7', occurred_at: '2025-11-26T11:00:00+01:00',
      status: 'delivered' });
    check('an event while the stream is refused is accepted', r.status === 201, r.status);
    await page.unroute(stream);
    const t0 = Date.now();
    const seen = await page.waitForFunction(() => document.getElementById('headline').textContent.startsWith('Delivered'), null,
      { timeout: 10000 }).then(() => true, () => false);
    check(`  the page opens a new stream and shows the change made meanwhile (${Date.now() - t0} ms)`, seen,
      await page.textContent('#headline'));
    check('  and listens again', await page.evaluate(() => window.rastroLive.readyState === 1));
    await ctx.close();
  });

  // ---- without JavaScript ----
  await step('no-JS', async () => {
    const ctx = await browser.newContext({ ...mobile, javaScriptEnabled: false, extraHTTPHeaders: { 'Accept-Language': 'es' } });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/t/${CODE}`);
    check('no-JS: page renders the headline', (await page.textContent('#headline')).length > 3);
    check('no-JS: push option stays hidden', !(await page.isVisible('.chans .push')));
    // with the code alone, someone else's address would take the customer's messages: explained
    await page.fill('#up-c', 'Lucia@Example.com');
    await Promise.all([page.waitForNavigation(), page.click('button[value=start]')]);
    check('no-JS: another address with the code alone is explained',
          (await page.textContent('#updates .err')).includes('Ver todos los detalles del pedido') &&
          (await page.inputValue('#up-c')) === 'Lucia@Example.com');
    await page.fill('#up-c', 'Ana@Example.com'); // the customer's own, any case
    await Promise.all([page.waitForNavigation(), page.click('button[value=start]')]);
    check('no-JS: updates form confirms', (await page.textContent('#updates')).includes('te avisaremos'), page.url());
    await shot(page, 'es-mobile-nojs-updates');
    // stop SMS
    await page.check('input[name=channel][value=sms]');
    await page.fill('#up-c', '+34 600 111 222'); // the customer's own phone: with the code alone, only that stops SMS
    await Promise.all([page.waitForNavigation(), page.click('button[value=stop]')]);
    check('no-JS: stop updates confirms', (await page.textContent('#updates')).includes('ya no te enviaremos'));
    // a bad contact is explained
    await page.fill('#up-c', 'not-an-email');
    await page.check('input[name=channel][value=email]');
    await page.$eval('#up-c', e => e.removeAttribute('required'));
    await Promise.all([page.waitForNavigation(), page.click('button[value=start]')]);
    check('no-JS: a bad e-mail is explained', (await page.textContent('#updates .err')).includes('email válido'));
    // report a problem without JS
    await page.click('#report summary');
    await page.selectOption('#rp-t', 'damaged');
    await page.fill('#rp-m', 'La caja llegó <b>aplastada</b>');
    await page.fill('#rp-c', 'ana@example.com');
    await Promise.all([page.waitForNavigation(), page.click('#report button[type=submit]')]);
    const txt = await page.textContent('#report');
    const ref = (txt.match(/INC-\d+/) || [])[0];
    check('no-JS: report shows a reference and what happens next', !!ref && txt.includes('te responderá en menos de 24 horas'), txt);
    await shot(page, 'es-mobile-report-done');
    const list = await api('GET', '/v1/incidents?state=open');
    const inc = list.json && list.json.incidents.find(i => i.reference === ref);
    check('incident exists in the API with origin tracking_page and type damaged',
      inc && inc.origin === 'tracking_page' && inc.type === 'damaged' && inc.message.includes('<b>aplastada</b>'), JSON.stringify(inc));
    const p = await api('PATCH', `/v1/incidents/${inc.id}`, { state: 'waiting_carrier' });
    check('PATCH /v1/incidents/{id} changes the state', p.status === 200 && p.json.state === 'waiting_carrier', JSON.stringify(p.json));
    await ctx.close();
  });

  // ---- report with JS, English ----
  await step('report with JS', async () => {
    const ctx = await browser.newContext({ ...desktop, extraHTTPHeaders: { 'Accept-Language': 'en' } });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/t/${CODE2}`);
    await page.click('#report summary');
    await page.selectOption('#rp-t', 'not_arrived');
    await page.fill('#rp-m', 'Still waiting');
    await Promise.all([page.waitForNavigation(), page.click('#report button[type=submit]')]);
    const txt = await page.textContent('#report');
    check('English report confirmation', /Your reference: INC-\d+/.test(txt), txt);
    const list = await api('GET', '/v1/incidents?order_ref=1002');
    check('not arrived before delivery becomes a "late" incident', list.json.incidents[0].type === 'late', JSON.stringify(list.json));
    await shot(page, 'en-desktop-report-done');
    await axe(page, 'the report confirmation');
    await ctx.close();
  });

  // ---- push subscription (the browser cannot reach a push service here: post what it would) ----
  await step('push', async () => {
    const ctx = await browser.newContext({ ...desktop });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/t/${CODE}`);
    check('push option offered when the browser can push', await page.isVisible('.chans .push'));
    const st = await page.evaluate(async (code) => {
      const sub = { endpoint: 'https://push.example.net/send/abc123', keys: {
        p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' } };
      const r = await fetch(`/t/${code}/push`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ subscription: sub, action: 'start' }) });
      return r.status;
    }, CODE);
    check('POST /t/{code}/push stores the subscription (201)', st === 201, st);
    // "stop" in a browser that never subscribed: done (there is nothing to stop), not "your
    // browser did not allow notifications"
    await page.check('input[name=channel][value=push]');
    await page.click('#updates button[value=stop]');
    const said = await page.waitForSelector('.push-msg', { timeout: 5000 }).then(e => e.textContent(), () => '');
    check('browser notifications chosen, no e-mail or phone typed: the form is not stopped by the contact box',
      said !== '' && !(await page.evaluate(() => document.querySelector('#up-c').required)));
    check('  stop where there are none: done, not a refusal', said === 'Done: no more notifications in this browser.', said);
    // the service worker shows a message Rastro pushed (delivered through DevTools, as a push
    // service would) in the customer's language
    await ctx.grantPermissions(['notifications'], { origin: BASE });
    const cdp = await ctx.newCDPSession(page);
    const regs = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', e => regs.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    await page.evaluate(async () => { await navigator.serviceWorker.register('/sw.js'); await navigator.serviceWorker.ready; });
    for (let i = 0; i < 20 && !regs.some(r => !r.isDeleted); i++) await page.waitForTimeout(100);
    const reg = regs.find(r => !r.isDeleted);
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: BASE, registrationId: reg.registrationId,
      data: JSON.stringify({ title: 'Your order 1002', body: 'It arrives today', url: `/t/${CODE}`, lang: 'en' }) });
    let shown = [];
    for (let i = 0; i < 30 && !shown.length; i++) {
      await page.waitForTimeout(100);
      shown = await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications())
        .map(n => ({ title: n.title, body: n.body, lang: n.lang, url: n.data && n.data.url })));
    }
    const n = shown[0] || {};
    check('a pushed message is shown with its title, text, link and language',
      n.title === 'Your order 1002' && n.body === 'It arrives today' && n.url === `/t/${CODE}` && n.lang === 'en', JSON.stringify(shown));
    await ctx.close();
  });

  // ---- /track look-up, typo, rate limit (last: it blocks this client address) ----
  await step('lookup', async () => {
    const ctx = await browser.newContext({ ...mobile, extraHTTPHeaders: { 'Accept-Language': 'es' } });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/track`);
    await shot(page, 'es-mobile-lookup');
    await axe(page, 'the look-up page');
    await page.fill('#f-o', '#1001');
    await page.fill('#f-e', 'ANA@example.com');
    await Promise.all([page.waitForNavigation(), page.click('form:has(#f-o) button')]);
    check('order number + e-mail lands on the full page', page.url().includes(`/t/${CODE}`) && (await page.$('.items')) !== null, page.url());
    check('  with no e-mail in its address', !/email|%40|@/.test(page.url()), page.url());
    // the verification box of the public page: the postcode is posted, not put in the address
    await page.goto(`${BASE}/t/${CODE}`);
    await page.click('details.verify summary');
    await page.fill('#v-pc', '28013');
    await Promise.all([page.waitForNavigation(), page.click('details.verify button')]);
    check('the verification box opens the full page', (await page.$('.items')) !== null && !page.url().includes('28013'), page.url());
    await page.goto(`${BASE}/track`);
    const typo = CODE.slice(0, -1) + (CODE.endsWith('A') ? 'B' : 'A');
    await page.fill('#f-c', typo.toLowerCase());
    await page.click('form:has(#f-c) button');
    await page.waitForLoadState();
    check('a mistyped code gets a helpful message', (await page.textContent('.err')).includes('error de tecleo'));
    await shot(page, 'es-mobile-lookup-typo');
    let last = 0, retry = null;
    for (let i = 0; i < 10 && last !== 429; i++) {
      await page.goto(`${BASE}/track`);
      await page.fill('#f-o', `NOPE-${i}`);
      await page.fill('#f-e', 'x@example.com');
      const [resp] = await Promise.all([page.waitForNavigation(), page.click('form:has(#f-o) button')]);
      last = resp.status();
      retry = await resp.headerValue('retry-after');
    }
    check('failed look-ups are rate limited: 429 with Retry-After', last === 429 && Number(retry) >= 1, `${last} ${retry}`);
    check('the 429 page explains the wait', (await page.textContent('main')).includes('segundos'));
    await shot(page, 'es-mobile-429');
    const j = await fetch(`${BASE}/v1/track/${CODE}`);
    check('the JSON look-up is blocked for this client too', j.status === 429 && j.headers.get('retry-after'), j.status);
    await ctx.close();
  });

  check('the Content-Security-Policy refused nothing on any page (styles, images, live updates, push, chat)',
    refused.length === 0, refused.join(' | '));
  await browser.close();
  process.exit(failures ? 1 : 0);
})().catch(e => { console.log(`not ok - browser run (${e && e.stack})`); process.exit(1); });
