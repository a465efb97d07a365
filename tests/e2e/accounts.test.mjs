// The account pages in real headless Chromium: 单位授权管理 (the legal representative signs in
// by QR, appoints an agent for one service, who signs in by QR in a second browser and sees only
// that service, until the grant is revoked), and 找回密码 with the SMS platform played by a local
// webhook receiver that captures the code. Pages are screenshotted and checked with axe-core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

import { artifacts_dir, axe_source, check_page as check_page_as, create_database, demo, launch_browser, make_phone, password_login, start_server, start_sms_receiver } from './helpers.mjs';

const person = '320412199512120077';  // 周敏
const mobile = '13812340007';
const wait_ms = 30000;

let db = null;
let server = null;
let browser = null;
let sms = null;  // the SMS platform

before(async () => {
  mkdirSync(artifacts_dir, { recursive: true });
  sms = await start_sms_receiver();
  db = await create_database('accounts');
  server = await start_server(db.conninfo, {
    name: 'accounts-server',
    extra_args: sms.args,
  });
  browser = await launch_browser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (db) await db.drop();
  if (sms) sms.close();
});

const check_page = (page, shot) => check_page_as(page, `accounts-${shot}`);

// Signs `page` in by QR with `phone` (signed in already), acting for unit A.
async function qr_sign_in(page, phone) {
  await page.goto(`${server.url}/login`);
  await page.locator('#qr svg').waitFor({ timeout: wait_ms });
  await phone.approve(await page.getAttribute('#qr', 'data-url'), await page.textContent('#match-number'), demo.unit_a_uscc);
  await page.locator('#result').waitFor({ state: 'visible', timeout: wait_ms });
}

async function new_page(context, errors) {
  await context.addInitScript({ content: axe_source });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  return page;
}

test('单位授权管理: an agent for one service, signed in by QR, loses access when revoked', async (t) => {
  const errors = [];
  const rep_context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const agent_context = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'zh-CN', isMobile: true });
  const rep_phone = make_phone(server.url);
  const agent_phone = make_phone(server.url);
  t.after(() => { rep_phone.dispose(); agent_phone.dispose(); return Promise.all([rep_context.close(), agent_context.close()]); });
  const rep = await new_page(rep_context, errors);
  const agent = await new_page(agent_context, errors);

  // 张伟, the legal representative of unit A, by QR.
  await rep_phone.login('320412197503120017', demo.password);
  await qr_sign_in(rep, rep_phone);
  await rep.goto(`${server.url}/unit`);
  await rep.locator('#grants tbody tr').first().waitFor({ timeout: wait_ms });
  await check_page(rep, 'unit');
  // 周敏 becomes an agent for the Haicheng licence only.
  await rep.fill('#grant-form input[name=name]', '周敏');
  await rep.fill('#grant-form input[name=id_number]', person);
  await rep.check('#grant-form input[name=scope_mode][value=some]');
  await rep.check('#grant-form input[name=scope][value=labour_dispatch_licence_haicheng]');
  await rep.fill('#grant-form input[name=valid_until]', `${new Date().getFullYear() + 1}-12-31`);
  await rep.click('#grant-submit');
  await rep.locator('#message', { hasText: '授权已开通' }).waitFor({ timeout: wait_ms });
  const added = rep.locator('#grants tbody tr', { hasText: '周*' });
  assert.match(await added.textContent(), /劳务派遣经营许可/);
  await check_page(rep, 'unit-agent-added');

  // 周敏 signs in by QR for unit A and sees that one service.
  await agent_phone.login(person, demo.password);
  await qr_sign_in(agent, agent_phone);
  await agent.goto(`${server.url}/services`);
  await agent.locator('#services tbody tr').first().waitFor({ timeout: wait_ms });
  assert.equal(await agent.locator('#services tbody tr').count(), 1);
  assert.match(await agent.textContent('#services tbody'), /劳务派遣经营许可/);
  assert.match(await agent.textContent('#scope-hint'), /授权范围/);
  await check_page(agent, 'services-agent');
  // The same list in English, then back in Chinese for the rest.
  await agent.goto(`${server.url}/services?lang=en`);
  await agent.locator('#services tbody tr').first().waitFor({ timeout: wait_ms });
  assert.equal(await agent.getAttribute('html', 'lang'), 'en');
  assert.equal(await agent.textContent('h1'), 'Services');
  assert.match(await agent.textContent('#scope-hint'), /^Your authorisation for .+ covers: /);
  assert.equal(await agent.textContent('#services tbody button[data-service]'), 'Apply online');
  assert.match(await agent.textContent('#services thead'), /Time limit/);
  await check_page(agent, 'services-agent-en');
  await agent.goto(`${server.url}/account`);
  await agent.locator('#devices tbody tr').first().waitFor({ timeout: wait_ms });
  await agent.locator('#units tbody tr').first().waitFor({ timeout: wait_ms });
  assert.equal(await agent.textContent('h1'), 'My details', 'the choice is remembered');
  assert.match(await agent.textContent('#units thead'), /Unified social credit code/);
  assert.match(await agent.textContent('#units tbody'), /agent/);
  assert.match(await agent.textContent('#devices tbody'), /\(this device\)/);
  await check_page(agent, 'account-en');
  await agent.goto(`${server.url}/services?lang=zh`);
  await agent.locator('#services tbody tr').first().waitFor({ timeout: wait_ms });
  assert.equal(await agent.textContent('#services tbody button[data-service]'), '在线办理');

  // Revoked: the agent's open page loses access at its next request.
  await rep.click(`#grants tbody tr:has-text("周*") button[data-revoke]`);
  await rep.click('#revoke-confirm');
  await rep.locator('#message', { hasText: '已撤销授权' }).waitFor({ timeout: wait_ms });
  // The unit's activity log shows the grant and the agent's sign-in, names masked.
  await rep.reload();
  await rep.locator('#activity tbody tr[data-event="grant_revoked"]').waitFor({ timeout: wait_ms });
  assert.match(await rep.textContent('#activity tbody tr[data-event="grant_created"]'), /周\*/);
  await rep.selectOption('#activity-filter select', 'sign_in');
  await rep.locator('#activity tbody tr[data-event="grant_created"]').waitFor({ state: 'detached', timeout: wait_ms });
  assert.ok(await rep.locator('#activity tbody tr[data-event="login"]').count() >= 1);
  await check_page(rep, 'unit-activity');
  await agent.click('#services tbody button[data-service]');
  await agent.locator('#message', { hasText: /登录|授权/ }).waitFor({ timeout: wait_ms });
  assert.equal(await agent.evaluate(async () => (await fetch('/api/v1/sessions/current')).status), 401);
  assert.deepEqual(errors, []);
});

test('找回密码 by SMS, a sign-in with the new password, then 修改手机', async (t) => {
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
  await sms.wait_for(1);
  const texts = sms.texts;
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

  await Promise.all([page.waitForURL(/\/login$/), page.click('#done a')]);
  await password_login(page, server.url, { account: person, password: 'Better#2027' });

  // 修改手机 on /account: a code to the new mobile, then the code and the password.
  await page.goto(`${server.url}/account`);
  await page.locator('#profile dd').first().waitFor({ timeout: wait_ms });
  await page.fill('#mobile-change input[name=new_mobile]', '13912345678');
  await page.click('#mobile-code');
  await page.locator('#message', { hasText: '验证码已发送' }).waitFor({ timeout: wait_ms });
  await sms.wait_for(2);
  assert.equal(texts[1].mobile, '13912345678');
  await page.fill('#mobile-change input[name=code]', texts[1].text.match(/验证码 (\d{6})/)[1]);
  await page.fill('#mobile-change input[name=password]', 'Better#2027');
  await page.click('#mobile-change button[type=submit]');
  await page.locator('#message', { hasText: '手机号码已修改' }).waitFor({ timeout: wait_ms });
  // the profile is read again after the message shows: wait for it, do not read it at once
  await page.locator('#profile', { hasText: /1\*{7}78/ }).waitFor({ timeout: wait_ms });
  await check_page(page, 'account-mobile-changed');
  assert.deepEqual(errors, []);
});
