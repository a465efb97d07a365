// The portal's QR login page in real headless Chromium, with hallpass-phone as the phone app:
// the QR is taken from a screenshot of the page, and every outcome must reach the open page
// by push, without a reload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import {
  artifacts_dir, create_database, demo, launch_browser, make_phone, psql, scan_hash_condition, start_server,
} from './helpers.mjs';

const texts = {
  scanned: '已扫码，请在手机上确认',
  success: '登录成功',
  expired: '二维码已失效，点击刷新',
  cancelled: '已取消',
};
const wait_ms = 20000;

let db = null;
let server = null;
let browser = null;
let phone = null;

before(async () => {
  mkdirSync(artifacts_dir, { recursive: true });
  db = await create_database('portal');
  server = await start_server(db.conninfo, { name: 'portal_login-server' });
  browser = await launch_browser();
  phone = make_phone(server.url);
  await phone.login(demo.agent_mobile, demo.password);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (db) await db.drop();
  if (phone) phone.dispose();
});

// Opens /login in a fresh browser profile (closed when test `t` ends) and waits for a pending QR.
// The page counts its main-frame navigations and carries a marker that a reload would lose.
async function open_login_page(t) {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 }, locale: 'zh-CN' });
  t.after(() => context.close());
  const page = await context.newPage();
  const seen = { navigations: 0, page_errors: [], bad_responses: [] };
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) seen.navigations += 1; });
  page.on('pageerror', (e) => seen.page_errors.push(String(e)));
  page.on('response', (r) => {
    // The browser's own favicon probe is not the page's doing.
    if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') seen.bad_responses.push(`${r.status()} ${r.url()}`);
  });
  const response = await page.goto(`${server.url}/login`);
  assert.equal(response.status(), 200);
  await wait_state(page, 'pending');
  await page.locator('#qr svg').waitFor({ state: 'visible', timeout: wait_ms });
  const overlay = await page.evaluate(() => {
    const o = document.querySelector('#overlay');
    return `hidden=${o.hidden} display=${getComputedStyle(o).display}`;
  });
  assert.equal(await page.locator('#overlay').isVisible(), false, `nothing covers a pending QR (#overlay ${overlay})`);
  await page.evaluate(() => { window.__marker = 1; });
  return { page, seen, navigations_at_load: seen.navigations };
}

async function wait_state(page, state) {
  try {
    await page.waitForFunction((s) => document.querySelector('#status')?.dataset.state === s, state, { timeout: wait_ms });
  } catch (e) {
    const now = await page.evaluate(() => [document.querySelector('#status')?.dataset.state, document.querySelector('#status')?.textContent]);
    throw new Error(`#status never reached data-state=${state}; it is ${JSON.stringify(now)}`);
  }
}

async function status_text(page) {
  return (await page.locator('#status').textContent()).trim();
}

async function qr_screenshot(page, name) {
  const file = join(artifacts_dir, `${name}.png`);
  await page.locator('#qr').screenshot({ path: file });
  return file;
}

async function match_number(page) {
  const text = (await page.locator('#match-number').textContent()).trim();
  assert.match(text, /^\d{2}$/, 'the page shows a 2-digit matching number');
  return Number(text);
}

async function assert_not_reloaded(view) {
  assert.equal(await view.page.evaluate(() => window.__marker), 1, 'the page kept its state (no reload)');
  assert.equal(view.seen.navigations, view.navigations_at_load, 'the page did not navigate');
}

// Scans the QR from a screenshot, checks the page says "scanned", confirms as agent of unit A,
// and checks the page signs in.
async function login_through_screenshot(view, name) {
  const { page } = view;
  const number = await match_number(page);
  const scan = await phone.scan(await qr_screenshot(page, `${name}-qr`));
  assert.ok(scan.ticket_id, 'the phone claimed a ticket');
  assert.equal(scan.numbers.length, 3, 'the phone is offered three numbers');
  assert.ok(scan.numbers.includes(number), `the page's number ${number} is among the phone's ${scan.numbers}`);
  const agent_of_a = scan.units.find((u) => u.unit.uscc === demo.unit_a_uscc);
  assert.ok(agent_of_a && agent_of_a.valid_now, 'the phone may act for unit A');

  await wait_state(page, 'scanned');
  assert.equal(await status_text(page), texts.scanned);
  assert.equal(await page.locator('#result').isHidden(), true, 'nothing about the person is shown before confirming');

  await phone.confirm(number, demo.unit_a_uscc);
  await wait_state(page, 'success');
  assert.equal(await status_text(page), texts.success);
  assert.equal(await page.locator('#result').isVisible(), true);
  assert.equal((await page.locator('#unit-name').textContent()).trim(), demo.unit_a_name);
  assert.equal((await page.locator('#role').textContent()).trim(), '经办人');
  const who = (await page.locator('#who').textContent()).trim();
  assert.ok(who.startsWith('王') && who.includes('*') && !who.includes('芳'), `the name is masked: ${who}`);
  await assert_not_reloaded(view);

  // The browser now holds a working session for unit A.
  const current = await page.evaluate(async () => {
    const r = await fetch('/api/v1/sessions/current', { credentials: 'same-origin' });
    return { status: r.status, body: await r.json() };
  });
  assert.equal(current.status, 200);
  assert.equal(current.body.role, 'agent');
  assert.equal(current.body.unit.uscc, demo.unit_a_uscc);
  await page.screenshot({ path: join(artifacts_dir, `${name}-signed-in.png`) });
}

test('scanning a screenshot of the QR and confirming on the phone signs the page in', async (t) => {
  const view = await open_login_page(t);
  await login_through_screenshot(view, 'portal-login');
  assert.deepEqual(view.seen.page_errors, [], 'no script errors');
  assert.deepEqual(view.seen.bad_responses, [], 'every request of the page succeeded');
});

test('an expired QR shows the refresh overlay, and the refreshed QR signs in', async (t) => {
  const view = await open_login_page(t);
  const { page } = view;
  const first_url = await page.locator('#qr').getAttribute('data-url');
  assert.match(first_url, /^http:\/\/127\.0\.0\.1:\d+\/l\/\S+$/);

  const where = scan_hash_condition(first_url);
  const expired = await psql(db.conninfo,
    // One second from now: time passes it, and the node that announces expiries sees it pass.
    `UPDATE login_tickets SET expires_at = now() + interval '1 second' WHERE state = 'pending' AND ${where.sql} RETURNING id`,
    where.vars);
  assert.match(expired, /^\d+$/, 'exactly the page\'s ticket was made to expire');

  await wait_state(page, 'expired');
  assert.equal(await status_text(page), texts.expired);
  assert.equal(await page.locator('#overlay').isVisible(), true, 'the overlay covers the QR');
  assert.equal((await page.locator('#overlay-text').textContent()).trim(), texts.expired);
  await page.screenshot({ path: join(artifacts_dir, 'portal-expired.png') });
  await assert_not_reloaded(view);

  await page.locator('#refresh').click();
  await page.waitForFunction((old) => {
    const qr = document.querySelector('#qr');
    return qr.dataset.url && qr.dataset.url !== old && document.querySelector('#status').dataset.state === 'pending';
  }, first_url, { timeout: wait_ms });
  const second_url = await page.locator('#qr').getAttribute('data-url');
  assert.notEqual(second_url, first_url, 'a new QR is shown');
  assert.equal(await page.locator('#overlay').isHidden(), true, 'the overlay is gone');
  // Expiry changes no row (schema/0015): an open ticket past its expiry is expired.
  assert.equal(await psql(db.conninfo, `SELECT CASE WHEN state IN ('pending', 'scanned', 'confirmed') AND expires_at <= now()
    THEN 'expired' ELSE state END FROM login_tickets WHERE ${where.sql}`, where.vars), 'expired', 'the old ticket stays expired');

  await login_through_screenshot(view, 'portal-refreshed');
});

test('cancelling on the phone shows "cancelled" on the page', async (t) => {
  const view = await open_login_page(t);
  const { page } = view;
  const url = await page.locator('#qr').getAttribute('data-url');
  await phone.scan(await qr_screenshot(page, 'portal-cancel-qr'));
  await wait_state(page, 'scanned');
  assert.equal(await status_text(page), texts.scanned);

  await phone.cancel();
  await wait_state(page, 'cancelled');
  assert.equal(await status_text(page), texts.cancelled);
  assert.equal(await page.locator('#result').isHidden(), true, 'no sign-in result is shown');
  const where = scan_hash_condition(url);
  assert.equal(await psql(db.conninfo, `SELECT state FROM login_tickets WHERE ${where.sql}`, where.vars), 'cancelled');
  await page.screenshot({ path: join(artifacts_dir, 'portal-cancelled.png') });
  await assert_not_reloaded(view);
});
