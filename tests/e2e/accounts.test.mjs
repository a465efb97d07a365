// The account pages in real headless Chromium: 找回密码 with the SMS platform played by a local
// webhook receiver that captures the code, then a sign-in with the new password. The page is
// screenshotted and checked with axe-core (no serious or critical violations).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { artifacts_dir, create_database, demo, free_port, launch_browser, start_server } from './helpers.mjs';

const axe_source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const person = '320412199512120077';  // 周敏
const mobile = '13812340007';
const wait_ms = 30000;

let db = null;
let server = null;
let browser = null;
let sms = null;
const texts = [];  // what the SMS platform received

before(async () => {
  mkdirSync(artifacts_dir, { recursive: true });
  sms = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { texts.push(JSON.parse(body)); res.writeHead(200).end(); });
  });
  const sms_port = await free_port();
  await new Promise((r) => sms.listen(sms_port, '127.0.0.1', r));
  db = await create_database('accounts');
  server = await start_server(db.conninfo, {
    name: 'accounts-server',
    extra_args: [`--sms-webhook-url=http://127.0.0.1:${sms_port}/sms`, '--sms-webhook-secret=e2e-secret',
                 '--sms-retry-min-ms=100'],
  });
  browser = await launch_browser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (db) await db.drop();
  if (sms) sms.close();
});

async function check_page(page, name) {
  await page.screenshot({ path: join(artifacts_dir, `accounts-${name}.png`), fullPage: true });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`));
  assert.deepEqual(violations, [], `axe-core on ${name}`);
}

test('找回密码: a code by SMS, a new password, then a sign-in with it', async (t) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'zh-CN', isMobile: true });
  t.after(() => context.close());
  await context.addInitScript({ content: axe_source });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(`${server.url}/login`);
  await page.locator('details.password-login summary').click();
  await Promise.all([page.waitForURL(/\/forgot-password$/), page.click('a[href="/forgot-password"]')]);
  await check_page(page, 'forgot-password');
  await page.fill('#reset-request input[name=id_number]', person);
  await page.fill('#reset-request input[name=mobile]', mobile);
  await page.click('#reset-request button[type=submit]');
  await page.locator('#reset-confirm').waitFor({ state: 'visible', timeout: wait_ms });
  const deadline = Date.now() + wait_ms;
  while (!texts.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(texts.length, 1, 'one SMS');
  assert.equal(texts[0].mobile, mobile);
  const code = texts[0].text.match(/验证码 (\d{6})/)[1];
  await check_page(page, 'forgot-password-code');

  await page.fill('#reset-confirm input[name=code]', code);
  await page.fill('#reset-confirm input[name=new_password]', 'Better#2027');
  await page.fill('#reset-confirm input[name=repeat_password]', 'Better#2027');
  await page.click('#reset-confirm button[type=submit]');
  await page.locator('#done').waitFor({ state: 'visible', timeout: wait_ms });
  await check_page(page, 'forgot-password-done');

  await page.click('#done a');
  await page.locator('details.password-login summary').click();
  await page.fill('#password-form input[name=account]', person);
  await page.fill('#password-form input[name=password]', 'Better#2027');
  await Promise.all([page.waitForURL(/\/services$/), page.click('#password-form button[type=submit]')]);
  assert.deepEqual(errors, []);
});
