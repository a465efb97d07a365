// A material photographed by a phone appears on the portal: in real headless Chromium, the
// portal signs in with its password form, starts an application, opens a material's upload QR;
// a second browser context (the phone) opens the QR's page and uploads a real photo; the phone
// sees the verdict and the portal shows the processed page without reloading.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { artifacts_dir, create_database, demo, launch_browser, password_login, psql, start_server } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const photos = resolve(here, '..', 'data', 'photos', 'dynamsoft');
const accepted_photo = join(photos, 'a4-on-dark-background.jpg');
const wait_ms = 60000;

let db = null;
let server = null;
let browser = null;

before(async () => {
  assert.ok(existsSync(accepted_photo), `missing test photo ${accepted_photo}`);
  mkdirSync(artifacts_dir, { recursive: true });
  db = await create_database('uploads');
  server = await start_server(db.conninfo, { name: 'uploads-server' });
  browser = await launch_browser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (db) await db.drop();
});

test('a phone photo of one material appears on the open portal page', async (t) => {
  const portal_context = await browser.newContext({ viewport: { width: 1100, height: 1000 }, locale: 'zh-CN' });
  t.after(() => portal_context.close());
  // Keeps the portal's event streams where the test can see whether one is open.
  await portal_context.addInitScript(() => {
    const Native = window.EventSource;
    window.__streams = [];
    window.EventSource = class extends Native {
      constructor(...args) {
        super(...args);
        window.__streams.push(this);
      }
    };
  });
  const portal = await portal_context.newPage();
  const errors = [];
  portal.on('pageerror', (e) => errors.push(String(e)));

  // Password login as the unit's agent, then the catalogue.
  await password_login(portal, server.url, { unit: demo.unit_a_uscc, account: demo.agent_mobile });

  // Start 劳务派遣经营许可 and fill in the form.
  await Promise.all([portal.waitForURL(/\/applications\/\d+$/),
    portal.click('button[data-service="labour_dispatch_licence_haicheng"]')]);
  const application_id = portal.url().split('/').pop();
  await portal.click('section[data-panel="notice"] button[data-go="form"]');
  await portal.fill('#form input[name=contact_name]', '王芳');
  await portal.fill('#form input[name=contact_mobile]', demo.agent_mobile);
  await portal.click('#form button[type=submit]');
  const row = portal.locator('tr[data-material="business_licence"]');
  await row.waitFor({ state: 'visible', timeout: wait_ms });
  assert.equal(await row.getAttribute('data-status'), 'missing');

  // The row's upload QR.
  await row.locator('button.qr-button').click();
  const qr = portal.locator('#qr-code');
  await qr.locator('svg').waitFor({ state: 'visible', timeout: wait_ms });
  const upload_url = await qr.getAttribute('data-url');
  assert.match(upload_url, /\/u\/[A-Za-z0-9_-]{32}$/);
  await portal.evaluate(() => { window.__marker = 1; });

  // The phone: a second browser context with a phone-sized screen opens the QR's URL.
  const phone_context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true });
  t.after(() => phone_context.close());
  const phone = await phone_context.newPage();
  await phone.goto(upload_url);
  // The portal listens for the application's changes: its event stream is open (the server
  // subscribes it before answering), so the upload below must reach it without a reload.
  await portal.waitForFunction(() => window.__streams.some((s) => s.readyState === EventSource.OPEN), null,
    { timeout: wait_ms });
  await phone.locator('#material').filter({ hasText: '营业执照' }).waitFor({ timeout: wait_ms });
  assert.equal(await phone.getAttribute('#photo', 'capture'), 'environment');
  await phone.setInputFiles('#photo', accepted_photo);
  await phone.locator('#verdict-text[data-state="success"]').waitFor({ timeout: wait_ms });
  assert.match(await phone.textContent('#verdict-text'), /上传成功，第 1 页/);
  await phone.locator('#preview').waitFor({ state: 'visible', timeout: wait_ms });
  await phone.screenshot({ path: join(artifacts_dir, 'uploads-phone-verdict.png') });

  // The portal shows the page by itself: same document (marker kept), thumbnail loaded.
  const thumb = row.locator('img[data-page]');
  await thumb.waitFor({ state: 'visible', timeout: wait_ms });
  await portal.waitForFunction(
    () => { const img = document.querySelector('tr[data-material="business_licence"] img[data-page]'); return img && img.complete && img.naturalWidth > 0; },
    null, { timeout: wait_ms });
  assert.equal(await portal.evaluate(() => window.__marker), 1, 'the portal page was reloaded');
  assert.equal(await row.getAttribute('data-status'), 'uploaded');
  await portal.screenshot({ path: join(artifacts_dir, 'uploads-portal-page.png'), fullPage: true });
  assert.deepEqual(errors, []);

  // The database holds exactly that one page for that material.
  const count = await psql(db.conninfo,
    `SELECT count(*) FROM pages WHERE application_id = :'app' AND material_code = 'business_licence'`, { app: application_id });
  assert.equal(String(count).trim(), '1');
});

test('an unusable photo is rejected on the phone with a reason and a retake button', async (t) => {
  const phone_context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  t.after(() => phone_context.close());
  // An upload code straight from the API, as the portal would make it.
  const login = await fetch(`${server.url}/api/v1/sessions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ unit: demo.unit_a_uscc, account: demo.agent_mobile, password: demo.password, channel: 'app' }),
  }).then((r) => r.json());
  const auth = { Authorization: `Bearer ${login.token}`, 'Content-Type': 'application/json' };
  const app = await fetch(`${server.url}/api/v1/applications`, {
    method: 'POST', headers: auth, body: JSON.stringify({ service_code: 'labour_dispatch_licence_haicheng' }),
  }).then((r) => r.json());
  const code = await fetch(`${server.url}/api/v1/applications/${app.id}/materials/charter_capital/upload-codes`, {
    method: 'POST', headers: auth,
  }).then((r) => r.json());
  const phone = await phone_context.newPage();
  await phone.goto(code.url);
  await phone.locator('#material').filter({ hasText: '公司章程' }).waitFor({ timeout: wait_ms });
  const blank = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  // A 1×1 pixel image: nothing a page could be found in.
  await phone.setInputFiles('#photo', { name: 'blank.png', mimeType: 'image/png', buffer: blank });
  await phone.locator('#verdict-text[data-state="rejected"]').waitFor({ timeout: wait_ms });
  assert.ok((await phone.locator('#reasons li').count()) >= 1);
  assert.ok(await phone.isVisible('#retake'));
  const count = await psql(db.conninfo, `SELECT count(*) FROM pages WHERE application_id = :'app'`, { app: app.id });
  assert.equal(String(count).trim(), '0');
});
