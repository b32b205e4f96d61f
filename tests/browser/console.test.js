// console.test.js — drives Debian chromium through the agent console (started and seeded by
// tests/e2e/console_browser.sh, which passes BASE, OUT, CHROMIUM, CONV) and prints one
// "ok - name" / "not ok - name (detail)" line per check. Plain node, no test runner.
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

const { BASE, OUT, CONV } = process.env;
const SHOTS = path.join(OUT, 'screenshots');
let failures = 0;
function ok(name) { console.log(`ok - ${name}`); }
function notOk(name, detail) { failures++; console.log(`not ok - ${name}${detail ? ` (${String(detail).replace(/\s+/g, ' ').slice(0, 300)})` : ''}`); }
function check(name, cond, detail) { cond ? ok(name) : notOk(name, detail); }
async function step(name, fn) { try { await fn(); } catch (e) { notOk(name, e && e.message); } }

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'es-ES' });
  const page = await ctx.newPage();
  const dialogs = [], errors = [];
  page.on('dialog', d => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('pageerror', e => errors.push(e.message));
  // a script that ran would set this; the customer's <script> must never
  await page.addInitScript(() => { window.__xss = 0; const a = window.alert; window.alert = (...x) => { window.__xss++; return a.apply(window, x); }; });

  await step('sign in', async () => {
    await page.goto(`${BASE}/console`);
    check('an anonymous visit lands on the login form', page.url().endsWith('/console/login'), page.url());
    await page.fill('#email', 'ana@sol.es');
    await page.fill('#password', 'not-the-password');
    await page.click('button[type=submit]');
    check('a wrong password shows the generic error', (await page.textContent('.err')).includes('Correo o contraseña incorrectos'));
    await page.fill('#email', 'ana@sol.es');
    await page.fill('#password', 'clave-del-agente-1');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    check('signed in: the inbox opens', new URL(page.url()).pathname === '/console', page.url());
    const cookies = await ctx.cookies();
    const c = cookies.find(k => k.name === 'rs_console');
    check('session cookie is HttpOnly and SameSite=Strict', c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(c));
    check('unassigned queue counts the conversation', (await page.textContent('.queues a[href="/console?q=unassigned"] .n')).trim() === '1');
    await page.screenshot({ path: path.join(SHOTS, 'console-queue.png'), fullPage: true });
  });

  await step('conversation', async () => {
    await page.click(`a[href="/console/c/${CONV}"]`);
    await page.waitForSelector('.msgs');
    const body = await page.textContent('.msg.customer .body');
    check('the customer message is shown as text, script and all', body.includes('<script>alert("xss")</script><img src=x onerror=alert(2)>'), body);
    check('no <img> or <svg> from the customer in the DOM', (await page.$$('.msgs img, .msgs svg, .msgs script')).length === 0);
    check('the bot hand-over is shown', (await page.textContent('.handover')).includes('persona'));
    check('the order and its tracking are beside the conversation', (await page.textContent('aside.side')).includes('PQ4A1B2C3'));
    await Promise.all([page.waitForNavigation(), page.click('#take')]);
    check('take over: the conversation is held by the agent', (await page.textContent('.sub')).includes('Ana'));
    // canned reply fills the box (console.js), then the agent edits and sends it
    const options = await page.$$eval('#canned option', os => os.map(o => o.value).filter(Boolean));
    check('canned replies in Spanish are offered', options.length >= 3 && /pedido/.test(options[0]), options.join(' | '));
    await page.selectOption('#canned', options[0]);
    check('choosing a canned reply fills the message box', (await page.inputValue('#body')) === options[0]);
    // 2,500 characters pass the box's maxlength of 4,000 but are 5,000 bytes: refused before sending
    await page.fill('#body', 'ñ'.repeat(2500));
    const at = page.url();
    await page.click('#reply button[value=reply]');
    await page.waitForTimeout(300);
    const why = await page.$eval('#body', t => t.validationMessage);
    check('a reply too long in bytes is stopped in the browser, saying why', page.url() === at && /5000 bytes de 4000/.test(why), why);
    check('…and the text stays in the box', (await page.inputValue('#body')).length === 2500);
    await page.fill('#body', options[0] + ' Un saludo, Ana.');
    await Promise.all([page.waitForNavigation(), page.click('#reply button[value=reply]')]);
    const last = await page.$$eval('.msg.agent .body', b => b.map(x => x.textContent));
    check('the reply appears as the agent\'s message', last.some(t => t.endsWith('Un saludo, Ana.')), last.join(' | '));
    await page.screenshot({ path: path.join(SHOTS, 'console-conversation.png'), fullPage: true });
  });

  await step('incident and coupon', async () => {
    const form = page.locator('.msg.customer form').first();
    await form.locator('select[name=type]').selectOption('damaged');
    await Promise.all([page.waitForNavigation(), form.locator('button').click()]);
    const card = page.locator('article.incident').first();
    check('the incident appears beside the conversation', (await card.textContent()).includes('dañado'));
    const resolve = card.locator('form.resolve');
    check('coupon fields stay hidden until "coupon" is chosen', await resolve.locator('.coupon').isHidden());
    await resolve.locator('select[name=resolution]').selectOption('coupon');
    check('coupon fields show for "coupon"', await resolve.locator('.coupon').isVisible());
    await resolve.locator('select[name=kind]').selectOption('percent');
    await resolve.locator('input[name=value]').fill('10');
    await Promise.all([page.waitForNavigation(), resolve.locator('button').click()]);
    const text = await page.locator('article.incident').first().textContent();
    check('the incident shows resolved with the coupon code', /resuelta/.test(text) && /GIFT-|[A-Z]{3,}-[A-Z0-9]{4}/.test(text), text.slice(0, 200));
    check('the coupon is listed with the order', (await page.textContent('.coupons')).includes('10 %'));
    await page.screenshot({ path: path.join(SHOTS, 'console-resolved.png'), fullPage: true });
  });

  await step('English', async () => {
    await Promise.all([page.waitForNavigation(), page.click('button[lang=en]')]);
    check('the switch turns the console English', await page.getAttribute('html', 'lang') === 'en' && (await page.textContent('header')).includes('Sign out'));
  });

  check('no script written by the customer ran (no dialog, alert never called)', dialogs.length === 0 && (await page.evaluate(() => window.__xss)) === 0, dialogs.join(' | '));
  check('no JavaScript errors on the console pages', errors.length === 0, errors.join(' | '));
  await browser.close();
  process.exit(failures ? 1 : 0);
})().catch(e => { console.log(`not ok - browser run (${e && e.message})`); process.exit(1); });
