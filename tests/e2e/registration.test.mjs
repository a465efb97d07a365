// Registration in real headless Chromium, as seed 004 walks through it: a person fills in their
// details, passes the identity check on the LOCAL STAND-IN of the real-name service
// (hallpass-local-verifier, opened as the phone would open the QR's URL), proves their mobile
// with the code that a local webhook receiver (the SMS platform) captures, and sets a password.
// Signed in by QR, they register their unit and get its unit number; then, as the unit's new
// legal representative, they sign in for it by QR. Each page is screenshotted and checked with
// axe-core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { artifacts_dir, axe_source, check_page as check_page_as, create_database, launch_browser, local_verifier_binary, make_phone, start_server, start_sms_receiver } from './helpers.mjs';

const wait_ms = 30000;
// A person and a unit that the demo data does not have (valid check characters).
const name = '李华';
const id_number = '32041219880101003X';
const mobile = '13912345601';
const password = 'Fresh#2026';
const uscc = '91320412MA1AB2C34B';
const unit_name = '海城新华劳务有限公司';

let db = null;
let server = null;
let browser = null;
let sms = null;  // the SMS platform
let verifier = null;
let verifier_dir = null;

async function start_verifier() {
  verifier_dir = mkdtempSync(join(tmpdir(), 'hallpass-verifier-'));
  const url_file = join(verifier_dir, 'url');
  const child = spawn(local_verifier_binary, ['--port', '0', '--key', join(verifier_dir, 'key.pem'),
    '--public-key-out', join(verifier_dir, 'public.pem'), '--url-file', url_file], { stdio: 'ignore' });
  const deadline = Date.now() + 10000;
  while (!(existsSync(url_file) && readFileSync(url_file, 'utf8')) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = readFileSync(url_file, 'utf8');
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  return { child, url, public_key: join(verifier_dir, 'public.pem') };
}

before(async () => {
  mkdirSync(artifacts_dir, { recursive: true });
  sms = await start_sms_receiver();
  verifier = await start_verifier();
  db = await create_database('registration');
  server = await start_server(db.conninfo, {
    name: 'registration-server',
    extra_args: [...sms.args, `--real-name-url=${verifier.url}`, `--real-name-public-key=${verifier.public_key}`],
  });
  browser = await launch_browser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (db) await db.drop();
  if (sms) sms.close();
  if (verifier) verifier.child.kill('SIGTERM');
  if (verifier_dir) rmSync(verifier_dir, { recursive: true, force: true });
});

const check_page = (page, shot) => check_page_as(page, `registration-${shot}`);

// The person on the stand-in's page (the phone) presses 通过核验.
async function pass_identity_check(context, page) {
  await page.locator('#check-link[href^="http"]').waitFor({ timeout: wait_ms });
  await page.locator('#check-qr svg').waitFor({ timeout: wait_ms });
  const phone_page = await context.newPage();
  await phone_page.goto(await page.getAttribute('#check-link', 'href'));
  await phone_page.locator('text=本地模拟').first().waitFor({ timeout: wait_ms });
  await phone_page.click('button[value=pass]');
  await phone_page.locator('#result', { hasText: '核验已通过' }).waitFor({ timeout: wait_ms });
  await phone_page.close();
  await page.locator('#check-status', { hasText: '实名认证已通过' }).waitFor({ timeout: wait_ms });
}

// Signs `page` in by QR with `phone` (signed in already), for `unit` or as a person.
async function qr_sign_in(page, phone, unit) {
  await page.goto(`${server.url}/login`);
  await page.locator('#qr svg').waitFor({ timeout: wait_ms });
  await phone.approve(await page.getAttribute('#qr', 'data-url'), await page.textContent('#match-number'), unit);
  await page.locator('#result').waitFor({ state: 'visible', timeout: wait_ms });
}

test('个人注册 then 单位注册, and the new legal representative signs in for the unit by QR', async (t) => {
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const phone = make_phone(server.url);
  t.after(() => { phone.dispose(); return context.close(); });
  await context.addInitScript({ content: axe_source });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));

  // 个人注册: details, identity check, mobile and password.
  await page.goto(`${server.url}/login`);
  await Promise.all([page.waitForURL(/\/register$/), page.click('a[href="/register"]')]);
  await check_page(page, 'person');
  await page.fill('#person-info input[name=name]', name);
  await page.fill('#person-info input[name=id_number]', id_number);
  await page.check('#person-info input[name=agree]');
  await page.click('#person-info button[type=submit]');
  await page.locator('#check-qr svg').waitFor({ timeout: wait_ms });
  await check_page(page, 'person-check');
  await pass_identity_check(context, page);
  await page.locator('#account').waitFor({ state: 'visible', timeout: wait_ms });
  await page.fill('#account input[name=mobile]', mobile);
  await page.click('#send-code');
  await page.locator('#message', { hasText: '验证码已发送' }).waitFor({ timeout: wait_ms });
  await sms.wait_for(1);
  const texts = sms.texts;
  assert.equal(texts.length, 1, 'one SMS');
  assert.equal(texts[0].mobile, mobile);
  assert.equal(texts[0].purpose, 'registration');
  await page.fill('#account input[name=code]', texts[0].text.match(/验证码 (\d{6})/)[1]);
  await page.fill('#account input[name=password]', password);
  await page.fill('#account input[name=repeat_password]', password);
  await check_page(page, 'person-account');
  await page.click('#account button[type=submit]');
  await page.locator('#done').waitFor({ state: 'visible', timeout: wait_ms });
  await check_page(page, 'person-done');

  // The phone app signs in with the new password; the browser signs in by QR as the person.
  await phone.login(mobile, password);
  await qr_sign_in(page, phone);
  await page.goto(`${server.url}/account`);
  await page.locator('#register-unit').waitFor({ state: 'visible', timeout: wait_ms });
  await Promise.all([page.waitForURL(/\/register\/unit$/), page.click('#register-unit a')]);

  // 单位注册: the unit's details and the legal representative's own, their identity check.
  await page.locator('#unit-info').waitFor({ state: 'visible', timeout: wait_ms });
  await check_page(page, 'unit');
  await page.fill('#unit-info input[name=uscc]', uscc);
  await page.fill('#unit-info input[name=name]', unit_name);
  await page.fill('#unit-info input[name=legal_rep_id_number]', id_number);
  await page.fill('#unit-info input[name=legal_rep_name]', name);
  await page.check('#unit-info input[name=agree]');
  await page.click('#unit-info button[type=submit]');
  await pass_identity_check(context, page);
  await page.click('#register');
  await page.locator('#done').waitFor({ state: 'visible', timeout: wait_ms });
  const unit_number = (await page.textContent('#unit')).match(/单位编号(\d+)/)[1];
  assert.ok(unit_number.length >= 6, `unit number ${unit_number}`);
  await check_page(page, 'unit-done');

  // The new legal representative signs in for the unit by QR, in a fresh browser.
  const unit_context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  t.after(() => unit_context.close());
  await unit_context.addInitScript({ content: axe_source });
  const unit_page = await unit_context.newPage();
  await qr_sign_in(unit_page, phone, uscc);
  const me = await unit_page.evaluate(async () => (await fetch('/api/v1/sessions/current')).json());
  assert.equal(me.role, 'legal_rep');
  assert.equal(me.unit.uscc, uscc);
  assert.equal(me.unit.name, unit_name);
  // 单位信息 on /account: the unit with its number, their role and its validity.
  await unit_page.goto(`${server.url}/account`);
  const row = unit_page.locator('#units tbody tr[aria-current=true]');
  await row.waitFor({ timeout: wait_ms });
  const cells = await row.locator('td').allTextContents();
  assert.deepEqual(cells.slice(1, 4), [uscc, unit_number, '法定代表人']);
  await check_page(unit_page, 'account-unit');
  assert.deepEqual(errors, []);
});
