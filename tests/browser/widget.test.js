// widget.test.js — /static/promise.js on a shop's page of another origin, in Debian chromium
// (started by tests/e2e/promise_widget.sh, which passes SHOP, the shop's origin serving
// shop.html (publishable key) and secret.html (a secret key), and WANT_*: the texts the API
// answers for the same quotes). Prints one "ok - name" / "not ok - name (detail)" line per check.
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

const { SHOP, OUT, WANT_BCN_ES, WANT_BCN_EN, WANT_SEV_ES, WANT_LUGO_ES, WANT_LUGO_NOTE, WANT_BCN_STATE } = process.env;
let failures = 0;
function ok(name) { console.log(`ok - ${name}`); }
function notOk(name, detail) { failures++; console.log(`not ok - ${name}${detail ? ` (${String(detail).replace(/\s+/g, ' ').slice(0, 300)})` : ''}`); }
function check(name, cond, detail) { cond ? ok(name) : notOk(name, detail); }
async function step(name, fn) { try { await fn(); } catch (e) { notOk(name, e && e.message); } }
const settled = id => `document.querySelector('#${id}').dataset.rastroState && document.querySelector('#${id}').dataset.rastroState !== 'loading'`;
const state = (page, id) => page.$eval(`#${id}`, e => ({ s: e.dataset.rastroState, t: e.textContent, a: e.dataset.earliest, b: e.dataset.latest }));

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });

  await step('shop page with a publishable key', async () => {
    const ctx = await browser.newContext({ locale: 'es-ES' });
    const page = await ctx.newPage();
    const errors = [];
    page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
    const warnings = [];
    page.on('console', m => { if (m.type() === 'warning') warnings.push(m.text()); });
    await page.goto(`${SHOP}/shop.html`);
    for (const id of ['bcn', 'en', 'lugo', 'bad']) await page.waitForFunction(settled(id), null, { timeout: 10000 });
    const bcn = await state(page, 'bcn');
    check('the window replaces the shop\'s text, in Spanish (<html lang="es">)', bcn.s === WANT_BCN_STATE && bcn.t === WANT_BCN_ES,
      JSON.stringify(bcn) + ' want ' + WANT_BCN_ES);
    check('  it is the API\'s own text ("Llega …")', /^Llega /.test(bcn.t), bcn.t);
    check('  data-earliest / data-latest for the shop\'s styling', /^\d{4}-\d{2}-\d{2}$/.test(bcn.a) && bcn.a <= bcn.b,
      JSON.stringify(bcn));
    check('  announced politely to screen readers', await page.getAttribute('#bcn', 'aria-live') === 'polite');
    const en = await state(page, 'en');
    check('data-lang="en" gives the English text', en.s === WANT_BCN_STATE && en.t === WANT_BCN_EN, JSON.stringify(en));
    const lugo = await state(page, 'lugo');
    check('a lane with no history: a text, flagged low', lugo.s === 'low' && lugo.t === WANT_LUGO_ES, JSON.stringify(lugo));
    const note = await page.getAttribute('#lugo', 'data-rastro-note');
    check('  with the API\'s note for the shopper, in Spanish, for the shop to show', !!WANT_LUGO_NOTE && note === WANT_LUGO_NOTE,
      `${note} want ${WANT_LUGO_NOTE}`);
    check('  a sure window carries no note', WANT_BCN_STATE === 'low' || await page.getAttribute('#en', 'data-rastro-note') === null);
    const bad = await state(page, 'bad');
    check('a bad destination keeps the shop\'s text, state error', bad.s === 'error' && bad.t === 'Envío en 24-72 h',
      JSON.stringify(bad));
    check('  the reason is in the console for the developer', warnings.some(w => w.includes('destination must be a region code')), warnings.join(' | '));
    check('no CORS error in the console', !errors.some(e => /CORS|Access-Control/i.test(e)), errors.join(' | '));

    // the customer picks another address: the shop changes data-destination
    await page.evaluate(() => document.querySelector('#bcn').setAttribute('data-destination', 'ES/SEV'));
    await page.waitForFunction(want => document.querySelector('#bcn').textContent === want, WANT_SEV_ES, { timeout: 10000 })
      .then(() => ok('a changed destination asks again'), e => notOk('a changed destination asks again', e.message));
    // and the bad one is fixed
    await page.evaluate(() => document.querySelector('#bad').setAttribute('data-destination', 'ES/BCN'));
    await page.waitForFunction(want => document.querySelector('#bad').textContent === want, WANT_BCN_ES, { timeout: 10000 })
      .then(() => ok('a fixed destination replaces the error'), e => notOk('a fixed destination replaces the error', e.message));
    // and broken again: no window for it, so the shop's text comes back (not the last window)
    await page.evaluate(() => document.querySelector('#bad').setAttribute('data-destination', 'X-'));
    await page.waitForFunction(settled('bad'), null, { timeout: 10000 });
    const again = await state(page, 'bad');
    check('a destination with no window shows the shop\'s text again, not the last window',
      again.s === 'error' && again.t === 'Envío en 24-72 h' && !again.a && !again.b, JSON.stringify(again));
    // an element added later (a checkout step rendered by the shop's script)
    await page.evaluate(() => {
      const p = document.createElement('p');
      p.id = 'late'; p.setAttribute('data-rastro-promise', ''); p.setAttribute('data-destination', 'ES/MAD');
      p.textContent = '…';
      document.body.appendChild(p);
    });
    await page.waitForFunction(settled('late'), null, { timeout: 10000 });
    const late = await state(page, 'late');
    check('an element added later is filled', ['ok', 'low'].includes(late.s) && /^Llega /.test(late.t), JSON.stringify(late));
    // the same quote twice on a page is asked once
    const asked = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter(e => e.name.includes('/v1/promise?') && e.name.includes('destination=ES%2FBCN')).length);
    check('the same quote is asked once per page', asked === 1, `asked ${asked} times`);
    await page.screenshot({ path: path.join(OUT, 'screenshots', 'widget-shop.png') });
    await ctx.close();
  });

  await step('a page left open asks again when its window expires', async () => {
    const ctx = await browser.newContext({ locale: 'es-ES' });
    const page = await ctx.newPage();
    let asked = 0;
    page.on('request', r => { if (r.url().includes('/v1/promise?') && r.url().includes('destination=ES%2FBCN')) asked++; });
    await page.clock.install();
    await page.goto(`${SHOP}/shop.html`);
    await page.waitForFunction(settled('bcn'), null, { timeout: 10000 });
    check('  asked once on load', asked === 1, `asked ${asked} times`);
    const visibility = v => page.evaluate(v => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => v });
      document.dispatchEvent(new Event('visibilitychange'));
    }, v);
    await visibility('hidden');
    await page.clock.fastForward('06:00'); // past the API's max-age (at most five minutes)
    await page.waitForTimeout(500);
    check('  a hidden tab does not ask when the window expires', asked === 1, `asked ${asked} times`);
    await visibility('visible');
    for (let i = 0; i < 50 && asked < 2; i++) await page.waitForTimeout(100);
    check('  shown again after the expiry: asks again at once', asked === 2, `asked ${asked} times`);
    await page.waitForFunction(settled('bcn'), null, { timeout: 10000 });
    const bcn = await state(page, 'bcn');
    check('  and shows the new answer, both languages from one request', bcn.s === WANT_BCN_STATE && bcn.t === WANT_BCN_ES &&
      (await state(page, 'en')).t === WANT_BCN_EN, JSON.stringify(bcn));
    await visibility('visible');
    await page.waitForTimeout(300);
    check('  shown again before the expiry: does not ask', asked === 2, `asked ${asked} times`);
    await page.clock.fastForward('06:00');
    for (let i = 0; i < 50 && asked < 3; i++) await page.waitForTimeout(100);
    check('  a visible tab asks again at the expiry', asked === 3, `asked ${asked} times`);
    await page.waitForTimeout(500);
    check('  once (no storm of requests)', asked === 3, `asked ${asked} times`);
    await ctx.close();
  });

  await step('a network failure is asked again, not left for good', async () => {
    const ctx = await browser.newContext({ locale: 'es-ES' });
    const page = await ctx.newPage();
    let asked = 0, offline = true;
    await page.route(u => u.href.includes('/v1/promise?') && u.href.includes('destination=ES%2FBCN'), route => {
      asked++;
      return offline ? route.abort('internetdisconnected') : route.continue();
    });
    await page.clock.install();
    await page.goto(`${SHOP}/shop.html`);
    await page.waitForFunction(settled('bcn'), null, { timeout: 10000 });
    const down = await state(page, 'bcn');
    check('  offline: the shop\'s text stays, state error', down.s === 'error' && down.t === 'Envío en 24-72 h', JSON.stringify(down));
    offline = false;
    await page.clock.fastForward('00:10');
    await page.waitForTimeout(300);
    check('  not asked again at once (no storm)', asked === 1, `asked ${asked} times`);
    await page.clock.fastForward('00:25'); // past the first retry, 30 s after the failure
    await page.waitForFunction(want => document.querySelector('#bcn').textContent === want, WANT_BCN_ES, { timeout: 10000 })
      .then(() => ok('  back online: the window appears by itself'), e => notOk('  back online: the window appears by itself', e.message));
    const up = await state(page, 'bcn');
    check('  with its state and dates', up.s === WANT_BCN_STATE && /^\d{4}-\d{2}-\d{2}$/.test(up.a), JSON.stringify(up));
    check('  one request per attempt', asked === 2, `asked ${asked} times`);
    await ctx.close();
  });

  await step('shop page with a secret key', async () => {
    const ctx = await browser.newContext({ locale: 'es-ES' });
    const page = await ctx.newPage();
    const warnings = [];
    page.on('console', m => { if (m.type() === 'warning') warnings.push(m.text()); });
    await page.goto(`${SHOP}/secret.html`);
    await page.waitForFunction(settled('bcn'), null, { timeout: 10000 });
    const bcn = await state(page, 'bcn');
    check('a secret key in a page shows no window: the shop\'s text stays', bcn.s === 'error' && bcn.t === 'Envío en 24-72 h',
      JSON.stringify(bcn));
    check('  the console says to use a publishable key', warnings.some(w => w.includes('--scopes quote')), warnings.join(' | '));
    await ctx.close();
  });

  await browser.close();
  process.exit(failures ? 1 : 0);
})().catch(e => { console.log(`not ok - widget test crashed (${e && e.message})`); process.exit(1); });
