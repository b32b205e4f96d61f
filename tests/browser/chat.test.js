// chat.test.js — the tracking page's web chat in Debian chromium (started and seeded by
// tests/e2e/webchat.sh, which passes BASE, CODE, OUT, CHROMIUM): the visitor types
// "¿dónde está mi pedido?" and sees the bot's answer with the status; hostile text is shown as
// text; English labels; the page without JavaScript; axe-core on the page with a conversation.
// Prints one "ok - name" / "not ok - name (detail)" line per check.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const { BASE, CODE, OUT } = process.env;
const SHOTS = path.join(OUT, 'screenshots');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let failures = 0;
function ok(name) { console.log(`ok - ${name}`); }
function notOk(name, detail) { failures++; console.log(`not ok - ${name}${detail ? ` (${String(detail).replace(/\s+/g, ' ').slice(0, 300)})` : ''}`); }
function check(name, cond, detail) { cond ? ok(name) : notOk(name, detail); }
async function step(name, fn) { try { await fn(); } catch (e) { notOk(name, e && e.message); } }
async function axe(page, name) {
  await page.evaluate(AXE); // through the debugger, which the page's Content-Security-Policy does not govern
  const res = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
  const v = res.violations.map(x => `${x.id}: ${x.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')}`);
  check(`axe-core: no WCAG 2.1 AA violations on ${name}`, v.length === 0, v.join(' | '));
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const dialogs = [];
  const watch = page => page.on('dialog', d => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });

  await step('Spanish chat', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'es-ES',
      extraHTTPHeaders: { 'Accept-Language': 'es-ES,es;q=0.9' } });
    const page = await ctx.newPage(); watch(page);
    await page.goto(`${BASE}/t/${CODE}`);
    check('chat panel heading in Spanish', (await page.textContent('#ch-h')) === 'Escríbenos');
    check('the message box has a label', (await page.textContent('label[for=ch-m]')) === 'Tu mensaje');
    check('the conversation is a live region', await page.getAttribute('#chat-log', 'aria-live') === 'polite');
    await page.fill('#ch-m', '¿dónde está mi pedido?');
    await page.click('form.chat-form button');
    await page.waitForSelector('#chat-log li.out', { timeout: 10000 });
    const items = await page.$$eval('#chat-log li', ls => ls.map(l => ({ c: l.className, t: l.textContent })));
    check('the visitor\'s message is shown', items[0] && items[0].c === 'in' && items[0].t.includes('¿dónde está mi pedido?'),
      JSON.stringify(items));
    const answer = items.find(i => i.c === 'out');
    check('the bot answers with the status (en camino)', answer && /en camino/i.test(answer.t), answer && answer.t);
    check('the answer is labelled as the assistant\'s', answer && answer.t.startsWith('Asistente'), answer && answer.t);
    check('the answer links the tracking page', answer && answer.t.includes(`/t/${CODE}`), answer && answer.t);
    check('the box is emptied after sending', (await page.inputValue('#ch-m')) === '');
    await page.fill('#ch-m', '<img src=x onerror=alert(1)><script>alert(2)</script> hola');
    await page.click('form.chat-form button');
    await page.waitForFunction(() => document.querySelectorAll('#chat-log li.in').length >= 2, null, { timeout: 10000 });
    const last = await page.$$eval('#chat-log li.in', ls => ls[ls.length - 1].textContent);
    check('hostile text is shown as text', last.includes('<img src=x onerror=alert(1)><script>alert(2)</script>'), last);
    check('no element was created from it', (await page.$$('#chat-log img, #chat-log script')).length === 0);
    await page.waitForTimeout(300);
    check('no script ran (no dialog)', dialogs.length === 0, dialogs.join(','));
    await page.screenshot({ path: path.join(SHOTS, 'chat-es-mobile.png'), fullPage: true });
    // a reload shows the conversation again
    await page.reload();
    await page.waitForSelector('#chat-log li.out', { timeout: 10000 });
    check('after a reload the conversation is still there', (await page.$$('#chat-log li')).length >= 3);
    check('the rest of the page still works (headline)', (await page.textContent('#headline')).length > 0);
    await axe(page, 'the page with a chat conversation');
    await ctx.close();
  });

  await step('English chat', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await ctx.newPage(); watch(page);
    await page.goto(`${BASE}/t/${CODE}?lang=en`);
    check('chat panel heading in English', (await page.textContent('#ch-h')) === 'Chat with us');
    check('send button in English', (await page.textContent('form.chat-form button')) === 'Send message');
    await ctx.close();
  });

  await step('chat without JavaScript', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false, locale: 'es-ES' });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/t/${CODE}?lang=es`);
    await page.fill('#ch-m', 'hola, ¿cuándo llega?');
    await Promise.all([page.waitForNavigation(), page.click('form.chat-form button')]);
    check('back on the page at the chat', page.url().includes('notice=chat') && page.url().endsWith('#chat'), page.url());
    const items = await page.$$eval('#chat-log li', ls => ls.map(l => l.textContent));
    check('the transcript is rendered by the server, with the new message and an answer',
      items.some(t => t.includes('hola, ¿cuándo llega?')) && items.length >= 2, items.join(' | '));
    check('hostile text escaped in the server-rendered transcript',
      items.some(t => t.includes('<img src=x onerror=alert(1)>')) && (await page.$$('#chat-log img')).length === 0);
    await ctx.close();
  });

  await browser.close();
  process.exit(failures ? 1 : 0);
})().catch(e => { console.log(`not ok - browser run (${e && e.message})`); process.exit(1); });
