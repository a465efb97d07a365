// The material list follows the service's variant, in real headless Chromium: a first-time
// 经营劳务派遣业务申请 (申请, the default) is submitted without the existing licence and without the
// 变更 and 延续 materials; chosen as 变更, the same service asks for the change certificate and the
// licence, and refuses to submit without them. A citizen service shows its cases (适用情形), and a
// case adds its materials. A material's printable template opens from its row. Every page is
// screenshotted and checked with axe-core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { artifacts_dir, axe_source, check_page, create_database, demo, launch_browser, password_login, psql, start_server } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const photo = resolve(here, '..', 'data', 'photos', 'dynamsoft', 'a4-on-dark-background.jpg');
const wait_ms = 60000;
const first_time = ['business_licence', 'charter', 'capital_report', 'premises', 'equipment_list', 'legal_rep_id',
  'dispatch_rules', 'collective_contract', 'labour_contract', 'staff_roster', 'dispatch_agreement'];

let db = null;
let server = null;
let browser = null;

before(async () => {
  assert.ok(existsSync(photo), `missing test photo ${photo}`);
  mkdirSync(artifacts_dir, { recursive: true });
  db = await create_database('materials');
  server = await start_server(db.conninfo, { name: 'materials-server' });
  browser = await launch_browser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (db) await db.drop();
});

async function signed_in_page(t, unit, account) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1000 }, locale: 'zh-CN' });
  t.after(() => context.close());
  await context.addInitScript({ content: axe_source });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await password_login(page, server.url, { unit, account });
  return { page, errors };
}

// Starts the service from the catalogue page; returns the application id.
async function start(page, service) {
  await Promise.all([page.waitForURL(/\/applications\/\d+$/), page.click(`button[data-service="${service}"]`)]);
  await page.locator('#notice').waitFor({ state: 'visible', timeout: wait_ms });
  return page.url().split('/').pop();
}

async function fill_form(page) {
  await page.click('section[data-panel="notice"] button[data-go="form"]');
  await page.fill('#form input[name=contact_name]', '王芳');
  await page.fill('#form input[name=contact_mobile]', demo.agent_mobile);
  await page.click('#form button[type=submit]');
  await page.locator('#materials tbody tr').first().waitFor({ timeout: wait_ms });
}

// One real photo uploaded from the portal for `first`, its page copied by SQL to `others`.
async function pages_for(page, id, first, others) {
  const row = page.locator(`tr[data-material="${first}"]`);
  await row.locator('input[type=file]').setInputFiles(photo);
  await row.locator('img[data-page]').waitFor({ timeout: wait_ms });
  await psql(db.conninfo, `
    INSERT INTO pages (application_id, material_code, position, content, content_type, sha256, thumbnail, width, height, dpi, source, request_sha256)
    SELECT application_id, m, 1, content, content_type, sha256, thumbnail, width, height, dpi, source, request_sha256
      FROM pages, unnest(string_to_array(:'others', ',')) AS m
     WHERE application_id = :'app' AND material_code = :'first'`, { app: id, first, others: others.join(',') });
  for (const m of others) await page.locator(`tr[data-material="${m}"][data-status="uploaded"]`).waitFor({ timeout: wait_ms });
}

const shown_materials = (page) => page.$$eval('#materials tbody tr', (rows) => rows.map((r) => r.dataset.material));

test('a first-time labour dispatch application submits without the change and extension materials', async (t) => {
  const { page, errors } = await signed_in_page(t, demo.unit_a_uscc, demo.agent_mobile);
  const id = await start(page, 'labour_dispatch');
  // 办理类型: 申请 is chosen; 变更 and 延续 are offered.
  assert.equal(await page.isChecked('#variant-choice input[value=apply]'), true);
  assert.equal(await page.locator('#variant-choice input[type=radio]').count(), 3);
  await check_page(page, 'materials-01-variant-choice');
  await fill_form(page);
  assert.deepEqual((await shown_materials(page)).sort(), [...first_time].sort());
  // A material's hint (说明) is shown beside its name.
  assert.match(await page.textContent('tr[data-material="legal_rep_id"]'), /正反面/);
  await pages_for(page, id, 'business_licence', first_time.filter((m) => m !== 'business_licence'));
  await check_page(page, 'materials-02-apply-complete');
  await page.click('section[data-panel="materials"] button[data-go="declaration"]');
  await page.click('#submit');
  await page.locator('#state-badge.state-submitted').waitFor({ timeout: wait_ms });
  const state = await psql(db.conninfo, `SELECT state || ' ' || variant FROM applications WHERE id = :'app'`, { app: id });
  assert.equal(String(state).trim(), 'submitted apply');
  assert.deepEqual(errors, []);
});

test('the change variant requires its certificate and the licence', async (t) => {
  const { page, errors } = await signed_in_page(t, demo.unit_a_uscc, demo.agent_mobile);
  const id = await start(page, 'labour_dispatch');
  await page.check('#variant-choice input[value=change]');
  await page.waitForFunction(() => document.querySelector('#variant-choice input[value=change]').checked);
  await fill_form(page);
  const rows = await shown_materials(page);
  assert.ok(rows.includes('change_certificate'), rows.join(','));
  assert.ok(rows.includes('licence'), rows.join(','));
  assert.ok(!rows.includes('operation_report'), rows.join(','));
  assert.equal(await page.getAttribute('tr[data-material="change_certificate"]', 'data-status'), 'missing');
  await pages_for(page, id, 'business_licence', first_time.filter((m) => m !== 'business_licence'));
  await page.click('section[data-panel="materials"] button[data-go="declaration"]');
  await page.click('#submit');
  await page.waitForFunction(() => /变更事项证明/.test(document.getElementById('message').textContent), null, { timeout: wait_ms });
  assert.match(await page.textContent('#message'), /劳务派遣经营许可证/);
  await check_page(page, 'materials-03-change-refused');
  const state = await psql(db.conninfo, `SELECT state || ' ' || variant FROM applications WHERE id = :'app'`, { app: id });
  assert.equal(String(state).trim(), 'draft change');
  assert.deepEqual(errors, []);
});

test('a citizen service offers its cases, and a case adds its materials', async (t) => {
  const { page, errors } = await signed_in_page(t, null, demo.person_only_id);
  await start(page, 'social_security_card_apply');
  assert.match(await page.textContent('#limits'), /即时办结/);
  await page.locator('#case-choice').waitFor({ state: 'visible', timeout: wait_ms });
  assert.equal(await page.locator('#variant-choice').isHidden(), true);
  assert.deepEqual(await shown_materials(page), ['id_card', 'photo']);
  // 为未成年人申领 adds the guardian's documents; under 7, no photo is asked for.
  await page.check('#case-choice input[value=minor]');
  await page.waitForFunction(() => document.querySelector('#materials tr[data-material="guardian_id"]'), null, { timeout: wait_ms });
  assert.deepEqual(await shown_materials(page), ['id_card', 'photo', 'guardian_household_register', 'guardian_id']);
  await check_page(page, 'materials-04-citizen-cases');
  await page.check('#case-choice input[value=child_under_7]');
  await page.waitForFunction(() => !document.querySelector('#materials tr[data-material="photo"]'), null, { timeout: wait_ms });
  assert.deepEqual(await shown_materials(page), ['id_card', 'guardian_household_register', 'guardian_id']);
  await fill_form(page);
  await check_page(page, 'materials-05-citizen-materials');
  assert.deepEqual(errors, []);
});

test("a material's printable template opens from its row, framed as a page of its own", async (t) => {
  const { page, errors } = await signed_in_page(t, demo.unit_a_uscc, demo.agent_mobile);
  await start(page, 'labour_dispatch_licence_haicheng');
  await fill_form(page);
  const link = page.locator('tr[data-material="application_form"] a', { hasText: '下载模板' });
  const [form] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await form.waitForLoadState();
  assert.equal(new URL(form.url()).pathname, '/templates/dispatch_licence_application');
  // The frame's title is the form's heading; the form's rows and signature line are inside it.
  assert.equal(await form.title(), '劳务派遣经营许可申请书 · 模板');
  assert.equal(await form.textContent('main.template-page > h1'), '劳务派遣经营许可申请书');
  assert.equal(await form.locator('main.template-page table.template-form tr').count(), 10);
  assert.equal(await form.getAttribute('html', 'lang'), 'zh-CN');
  // The portal's stylesheet applies: the signature's blanks are underlined.
  assert.equal(await form.$eval('.signature span', (e) => getComputedStyle(e).borderBottomStyle), 'solid');
  await check_page(form, 'materials-06-template');
  // The shared frame is not a template of its own.
  assert.equal(await form.evaluate(async () => (await fetch('/templates/page-frame')).status), 404);
  assert.deepEqual(errors, []);
});
