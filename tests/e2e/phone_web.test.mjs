// The phone web app in real headless Chromium: a portal context shows the login QR; a phone
// context (390×844, touch, zh-CN) signed in on the phone web app opens the QR's URL, sees who is
// asking, picks the number on the portal's screen and a unit, and confirms; the portal is signed
// in without a reload. With a wrong number the login ends on both sides; with no phone session the
// phone signs in first and comes back to the same ticket. 扫一扫 reads the portal's QR from a
// camera stream that Chromium fakes from a screenshot of it. Every phone screen is screenshotted
// and checked with axe-core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { artifacts_dir, axe_source, check_page as check_page_as, create_database, demo, launch_browser, start_server } from './helpers.mjs';

const wait_ms = 30000;
const repo_root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const accepted_photo = join(repo_root, 'tests', 'data', 'photos', 'dynamsoft', 'a4-on-dark-background.jpg');
const phone_device = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN',
  userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36' };

let db = null;
let server = null;
let browser = null;

before(async () => {
  mkdirSync(artifacts_dir, { recursive: true });
  db = await create_database('phone_web');
  server = await start_server(db.conninfo, { name: 'phone-web-server' });
  browser = await launch_browser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (db) await db.drop();
});

const check_page = (page, shot) => check_page_as(page, `phone-web-${shot}`);

async function new_context(options, errors) {
  const context = await browser.newContext(options);
  await context.addInitScript({ content: axe_source });
  context.on('page', (p) => p.on('pageerror', (e) => errors.push(String(e))));
  return context;
}

// The portal's login page with a fresh QR: its URL and the number it shows.
async function portal_qr(context) {
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await page.locator('#qr svg').waitFor({ timeout: wait_ms });
  return { page, url: await page.getAttribute('#qr', 'data-url'), number: Number(await page.textContent('#match-number')) };
}

async function phone_sign_in(page, shot) {
  await page.locator('#phone-login').waitFor({ state: 'visible', timeout: wait_ms });
  if (shot) await check_page(page, shot);
  await page.fill('#phone-login input[name=account]', demo.agent_mobile);
  await page.fill('#phone-login input[name=password]', demo.password);
  await page.click('#phone-login button[type=submit]');
}

// A desktop and a phone context, closed when the test ends.
async function desktop_and_phone(t, errors) {
  const desktop = await new_context({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' }, errors);
  const mobile = await new_context(phone_device, errors);
  t.after(() => Promise.all([desktop.close(), mobile.close()]));
  return { desktop, mobile };
}

// A phone page signed in on /m as the demo agent (for `unit` when given).
async function signed_in_phone(mobile, unit) {
  const phone = await mobile.newPage();
  await phone.goto(`${server.url}/m`);
  await phone.locator('#phone-login').waitFor({ state: 'visible', timeout: wait_ms });
  if (unit) await phone.fill('#phone-login input[name=unit]', unit);
  await phone_sign_in(phone);
  await phone.locator('#signed-in').waitFor({ state: 'visible', timeout: wait_ms });
  return phone;
}

async function open_confirm(phone, qr_url) {
  await phone.goto(qr_url);
  await phone.waitForURL(/\/m\/confirm$/);  // the token has left the URL
}

test('a phone signed in on the web app confirms a portal login for a unit', async (t) => {
  const errors = [];
  const { desktop, mobile } = await desktop_and_phone(t, errors);

  const phone = await mobile.newPage();
  await phone.goto(`${server.url}/m`);
  await phone_sign_in(phone, 'home-signed-out');
  await phone.locator('#signed-in').waitFor({ state: 'visible', timeout: wait_ms });
  await check_page(phone, 'home-signed-in');
  // It installs to the home screen: a manifest that starts at /m, with its icons.
  const manifest = await phone.evaluate(async () => {
    const res = await fetch(document.querySelector('link[rel=manifest]').href);
    const m = await res.json();
    const icons = await Promise.all(m.icons.map(async (i) => (await fetch(i.src)).headers.get('content-type')));
    return { type: res.headers.get('content-type'), start_url: m.start_url, display: m.display, sizes: m.icons.map((i) => i.sizes), icons };
  });
  assert.deepEqual(manifest, { type: 'application/manifest+json', start_url: '/m', display: 'standalone',
    sizes: ['192x192', '512x512'], icons: ['image/png', 'image/png'] });

  const portal = await portal_qr(desktop);
  await open_confirm(phone, portal.url);
  await phone.locator('#confirm').waitFor({ state: 'visible', timeout: wait_ms });
  assert.match(await phone.textContent('#portal'), /HeadlessChrome|Chrome|Chromium/);
  assert.equal(await phone.isHidden('#distance'), true, 'the same network: no warning');
  const numbers = (await phone.locator('button.number').allTextContents()).map(Number);
  assert.equal(numbers.length, 3);
  assert.ok(numbers.includes(portal.number), `${numbers} holds ${portal.number}`);
  await check_page(phone, 'confirm');
  await phone.click(`button.number[data-number="${portal.number}"]`);
  await phone.locator('label.identity', { hasText: '经办人' }).first().locator('input').check();
  await check_page(phone, 'confirm-chosen');
  await phone.click('#approve');
  await phone.locator('#message', { hasText: '已登录' }).waitFor({ timeout: wait_ms });
  await check_page(phone, 'confirmed');
  // The portal, never reloaded, is signed in for the unit.
  await portal.page.locator('#result').waitFor({ state: 'visible', timeout: wait_ms });
  const me = await portal.page.evaluate(async () => (await fetch('/api/v1/sessions/current')).json());
  assert.equal(me.role, 'agent');
  assert.equal(me.channel, 'web');

  // The person's own things from the phone web app's menu, with the same phone session.
  for (const [link, shot, ready] of [['我的办件', 'services', '#mine'], ['消息', 'messages', 'h1'], ['个人信息与单位', 'account', '#units tbody tr']]) {
    await phone.goto(`${server.url}/m`);
    await Promise.all([phone.waitForNavigation(), phone.click(`.phone-menu a:has-text("${link}")`)]);
    await phone.locator(ready).first().waitFor({ timeout: wait_ms });
    await check_page(phone, shot);
  }

  // 我的设备 on the portal: the phone's session is listed, and ending it there signs the phone out.
  await portal.page.goto(`${server.url}/account`);
  const phone_row = portal.page.locator('#devices tbody tr[data-channel=app]');
  await phone_row.waitFor({ timeout: wait_ms });
  assert.match(await phone_row.locator('td').first().textContent(), /^手机 · Chrome · Android$/);
  await check_page(portal.page, 'portal-devices');
  await phone_row.locator('button').click();
  await portal.page.locator('#message', { hasText: '已退出该设备' }).waitFor({ timeout: wait_ms });
  await phone.goto(`${server.url}/m`);
  await phone.locator('#phone-login').waitFor({ state: 'visible', timeout: wait_ms });
  assert.deepEqual(errors, []);
});

test('a wrong number ends the login on the phone and on the portal', async (t) => {
  const errors = [];
  const { desktop, mobile } = await desktop_and_phone(t, errors);
  const phone = await signed_in_phone(mobile);

  const portal = await portal_qr(desktop);
  await open_confirm(phone, portal.url);
  await phone.locator('#confirm').waitFor({ state: 'visible', timeout: wait_ms });
  const wrong = (await phone.locator('button.number').allTextContents()).map(Number).find((n) => n !== portal.number);
  await phone.click(`button.number[data-number="${wrong}"]`);
  await phone.click('#approve');
  await phone.locator('#message', { hasText: '本次登录已取消' }).waitFor({ timeout: wait_ms });
  await check_page(phone, 'wrong-number');
  await portal.page.locator('#status[data-state="cancelled"]').waitFor({ timeout: wait_ms });
  assert.deepEqual(errors, []);
});

test('without a phone session the phone signs in, then confirms the same ticket', async (t) => {
  const errors = [];
  const { desktop, mobile } = await desktop_and_phone(t, errors);
  const phone = await mobile.newPage();

  const portal = await portal_qr(desktop);
  await open_confirm(phone, portal.url);
  await phone_sign_in(phone, 'confirm-sign-in');
  await phone.locator('#confirm').waitFor({ state: 'visible', timeout: wait_ms });
  await phone.click(`button.number[data-number="${portal.number}"]`);
  await phone.click('#approve');  // as a person (the default identity)
  await phone.locator('#message', { hasText: '已登录' }).waitFor({ timeout: wait_ms });
  await portal.page.locator('#result').waitFor({ state: 'visible', timeout: wait_ms });
  const me = await portal.page.evaluate(async () => (await fetch('/api/v1/sessions/current')).json());
  assert.equal(me.role, 'person');
  assert.deepEqual(errors, []);
});

test('in English, chosen once, the phone signs in and confirms a login; 中文 switches back', async (t) => {
  const errors = [];
  const { desktop, mobile } = await desktop_and_phone(t, errors);
  const phone = await mobile.newPage();
  await phone.goto(`${server.url}/m?lang=en`);
  assert.equal(await phone.getAttribute('html', 'lang'), 'en');
  assert.equal(await phone.textContent('h1'), 'Phone services');
  assert.match(await phone.textContent('#phone-login'), /ID card number or mobile number/);
  await phone_sign_in(phone, 'home-signed-out-en');
  await phone.locator('#signed-in').waitFor({ state: 'visible', timeout: wait_ms });
  assert.match(await phone.textContent('#who'), /^Signed in: /);
  await check_page(phone, 'home-signed-in-en');

  // The QR's link carries no language: the choice is remembered.
  const portal = await portal_qr(desktop);
  await open_confirm(phone, portal.url);
  await phone.locator('#confirm').waitFor({ state: 'visible', timeout: wait_ms });
  assert.equal(await phone.getAttribute('html', 'lang'), 'en');
  assert.equal(await phone.title(), 'Confirm sign-in · Online Service Hall');
  assert.match(await phone.textContent('#confirm'), /Choose the number shown on the computer screen/);
  assert.match(await phone.textContent('#portal'), /Browser/);
  await check_page(phone, 'confirm-en');
  await phone.click('#approve');
  assert.equal(await phone.textContent('#message'), 'First choose the number shown on the computer screen');
  await phone.click(`button.number[data-number="${portal.number}"]`);
  await phone.click('#approve');
  await phone.locator('#message', { hasText: 'Signed in. Go back to the computer to continue.' }).waitFor({ timeout: wait_ms });
  await portal.page.locator('#result').waitFor({ state: 'visible', timeout: wait_ms });

  await phone.goto(`${server.url}/m`);
  await phone.locator('#signed-in').waitFor({ state: 'visible', timeout: wait_ms });
  assert.equal(await phone.textContent('#lang'), '中文');
  await Promise.all([phone.waitForURL(/\/m\?lang=zh$/), phone.click('#lang')]);
  await phone.locator('#signed-in').waitFor({ state: 'visible', timeout: wait_ms });
  assert.equal(await phone.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal(await phone.textContent('h1'), '手机办事');
  assert.match(await phone.textContent('#who'), /^已登录：/);
  assert.deepEqual(errors, []);
});

test('for a unit, the phone web app starts an application and uploads a material from the phone', async (t) => {
  const errors = [];
  const mobile = await new_context(phone_device, errors);
  t.after(() => mobile.close());
  const phone = await signed_in_phone(mobile, demo.unit_a_uscc);
  await phone.locator('#who', { hasText: '代表' }).waitFor({ timeout: wait_ms });

  await Promise.all([phone.waitForNavigation(), phone.click('.phone-menu a:has-text("我的办件")')]);
  await Promise.all([phone.waitForURL(/\/applications\/\d+$/),
    phone.click('button[data-service="labour_dispatch_licence_haicheng"]')]);
  await phone.click('section[data-panel="notice"] button[data-go="form"]');
  await phone.fill('#form input[name=contact_name]', '王芳');
  await phone.fill('#form input[name=contact_mobile]', demo.agent_mobile);
  await phone.click('#form button[type=submit]');
  const row = phone.locator('tr[data-material="business_licence"]');
  await row.waitFor({ state: 'visible', timeout: wait_ms });
  await check_page(phone, 'application');
  assert.equal(await row.locator('.qr-button').isVisible(), false, 'no upload QR on the phone itself');
  // 上传 opens the phone's camera or files; the photo goes through the same pipeline and verdicts.
  await row.locator('input[type=file]').setInputFiles(accepted_photo);
  await phone.locator('tr[data-material="business_licence"][data-status="uploaded"]').waitFor({ timeout: 60000 });
  await check_page(phone, 'application-uploaded');
  assert.deepEqual(errors, []);
});

test('扫一扫 reads the portal QR from the camera and the phone confirms the login', async (t) => {
  const errors = [];
  const desktop = await new_context({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' }, errors);
  t.after(() => desktop.close());
  const portal = await portal_qr(desktop);
  // The camera: the portal's screen around its QR, as a one-frame Motion JPEG that Chromium loops.
  const box = await portal.page.locator('#qr svg').boundingBox();
  const frame = { width: 640, height: 480 };
  const clip = { x: Math.max(0, box.x + box.width / 2 - frame.width / 2), y: Math.max(0, box.y + box.height / 2 - frame.height / 2), ...frame };
  const camera_file = join(artifacts_dir, 'phone-web-camera.mjpeg');
  writeFileSync(camera_file, await portal.page.screenshot({ type: 'jpeg', quality: 90, clip }));

  const camera_browser = await launch_browser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${camera_file}`]);
  t.after(() => camera_browser.close());
  const mobile = await camera_browser.newContext({ ...phone_device, permissions: ['camera'] });
  await mobile.addInitScript({ content: axe_source });
  mobile.on('page', (p) => p.on('pageerror', (e) => errors.push(String(e))));
  const phone = await mobile.newPage();
  await phone.goto(`${server.url}/m`);
  await phone_sign_in(phone);
  await Promise.all([phone.waitForURL(/\/m\/scan$/), phone.click('.phone-menu a:has-text("扫一扫")')]);
  await phone.waitForURL(/\/m\/confirm$/, { timeout: wait_ms });  // read, opened, and the token gone from the URL
  await phone.locator('#confirm').waitFor({ state: 'visible', timeout: wait_ms });
  await phone.click(`button.number[data-number="${portal.number}"]`);
  await phone.click('#approve');
  await phone.locator('#message', { hasText: '已登录' }).waitFor({ timeout: wait_ms });
  await portal.page.locator('#result').waitFor({ state: 'visible', timeout: wait_ms });
  assert.deepEqual(errors, []);
});

test('扫一扫 names a code that is not the hall\'s and reads a QR from an album photo', async (t) => {
  const errors = [];
  const mobile = await new_context(phone_device, errors);
  t.after(() => mobile.close());
  const phone = await signed_in_phone(mobile);
  await phone.goto(`${server.url}/m/scan`);
  // No camera in this browser: the page says so and offers the album.
  await phone.locator('#scan-status.error').waitFor({ timeout: wait_ms });
  await check_page(phone, 'scan');
  await phone.locator('#photo').setInputFiles(join(repo_root, 'tests', 'data', 'qr', 'zxing-blackbox', 'qrcode-1', '1.png'));
  await phone.locator('#scan-status', { hasText: '不是本大厅的二维码' }).waitFor({ timeout: wait_ms });
  assert.equal(new URL(phone.url()).pathname, '/m/scan');
  await check_page(phone, 'scan-not-the-hall');
  assert.deepEqual(errors, []);
});

// No screen of the phone web app is wider than a 360 px phone, in normal and in large text, and
// nothing sticks out of the page's card (or must be scrolled sideways to be read).
async function assert_fits(page, what) {
  const { scroll, inner, outside } = await page.evaluate(() => {
    const card = document.querySelector('main').getBoundingClientRect();
    const outside = [...document.querySelectorAll('main *')].filter((e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && (r.right > card.right + 1 || r.left < card.left - 1);
    }).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).replace(/ /g, '.') : ''));
    const scrolled = [...document.querySelectorAll('main .table-scroll')].filter((e) => e.scrollWidth > e.clientWidth + 1)
      .map((e) => 'scrolls sideways: ' + (e.querySelector('table') || e).id);
    return { scroll: document.documentElement.scrollWidth, inner: window.innerWidth, outside: [...outside, ...scrolled] };
  });
  assert.ok(scroll <= inner, `${what}: ${scroll} px wide on a ${inner} px screen`);
  assert.deepEqual(outside, [], `${what}: outside the page's card`);
}

test('every phone screen fits a 360 px screen, in large text too', async (t) => {
  const errors = [];
  const { desktop } = await desktop_and_phone(t, errors);
  const small = await new_context({ ...phone_device, viewport: { width: 360, height: 740 } }, errors);
  t.after(() => small.close());
  const phone = await small.newPage();
  await phone.goto(`${server.url}/m`);
  await phone.locator('#phone-login').waitFor({ state: 'visible', timeout: wait_ms });
  for (const large of [false, true]) {
    await phone.evaluate((on) => localStorage.setItem('hp_large_text', on ? '1' : '0'), large);
    const suffix = large ? '-360-large' : '-360';
    await phone.goto(`${server.url}/m`);
    await phone.locator('#phone-login').waitFor({ state: 'visible', timeout: wait_ms });
    await assert_fits(phone, `/m signed out${suffix}`);
    await check_page(phone, `home-signed-out${suffix}`);
    await phone_sign_in(phone);
    await phone.locator('#signed-in').waitFor({ state: 'visible', timeout: wait_ms });
    await assert_fits(phone, `/m${suffix}`);
    await check_page(phone, `home${suffix}`);
    const portal = await portal_qr(desktop);
    await open_confirm(phone, portal.url);
    await phone.locator('#confirm').waitFor({ state: 'visible', timeout: wait_ms });
    await assert_fits(phone, `/m/confirm${suffix}`);
    await check_page(phone, `confirm${suffix}`);
    await portal.page.close();
    for (const [path, ready] of [['/m/scan', '#scan-status.error'], ['/services', '#mine'], ['/messages', 'h1'],
      ['/account', '#units tbody tr'], ['/register', 'form']]) {
      await phone.goto(`${server.url}${path}`);
      await phone.locator(ready).first().waitFor({ timeout: wait_ms });
      await assert_fits(phone, `${path}${suffix}`);
      await check_page(phone, `${path.slice(1).replace('/', '-')}${suffix}`);
    }
    await phone.goto(`${server.url}/m`);
    await phone.locator('#logout').click();
    await phone.locator('#phone-login').waitFor({ state: 'visible', timeout: wait_ms });
  }
  assert.deepEqual(errors, []);
});
