// An application's life between the applicant and the hall, in real headless Chromium with two
// browser contexts: the applicant's portal and the staff portal (/staff). The staff queue shows a
// submission without a reload; 补正 of one material reaches the applicant with its comment, who
// adds a page and resubmits; the reviewer approves and the applicant sees 已办结 with the decision,
// downloads the decision and the receipt (PDF) and rates the service.
// Then 容缺: accepted with the tolerated material missing, supplied from the phone upload page,
// approved. Every page visited is screenshotted and checked with axe-core (no serious or critical
// violations).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { artifacts_dir, axe_source, check_page as check_page_as, create_database, demo, launch_browser, make_phone, password_login, psql, run, start_server } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const photos = resolve(here, '..', 'data', 'photos', 'dynamsoft');
const first_photo = join(photos, 'a4-on-dark-background.jpg');
const second_photo = join(photos, 'a4-on-white-background.jpg');
const wait_ms = 60000;
const service = 'labour_dispatch_licence_haicheng';
const office = 'haicheng_hrss';
const staff = {
  clerk: '320412198603150082',     // 孙丽
  reviewer: '320412197908220091',  // 吴强
};

let db = null;
let server = null;
let browser = null;
let shot = 0;

before(async () => {
  for (const p of [first_photo, second_photo]) assert.ok(existsSync(p), `missing test photo ${p}`);
  mkdirSync(artifacts_dir, { recursive: true });
  db = await create_database('review');
  server = await start_server(db.conninfo, { name: 'review-server' });
  browser = await launch_browser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (db) await db.drop();
});

// A screenshot in the artifacts dir, numbered in the order taken, and axe-core on the page.
const check_page = (page, name) => check_page_as(page, `review-${String(++shot).padStart(2, '0')}-${name}`);

// A page of `context` with axe-core loaded before the page's own scripts (an init script is not
// subject to the pages' Content-Security-Policy, which allows no inline scripts).
async function new_page(context, errors) {
  await context.addInitScript({ content: axe_source });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  return page;
}

async function applicant_login(page) {
  await password_login(page, server.url, { unit: demo.unit_a_uscc, account: demo.agent_mobile });
}

// A draft with its form filled in, one real photo uploaded from the portal for business_licence,
// and that page copied by SQL to the other required materials except `leave_out`.
async function prepare_draft(page, leave_out = []) {
  const id = await page.evaluate(async (code) => (await api('POST', '/api/v1/applications', { service_code: code })).id, service);
  await page.goto(`${server.url}/applications/${id}`);
  await page.click('section[data-panel="notice"] button[data-go="form"]');
  await page.fill('#form input[name=contact_name]', '王芳');
  await page.fill('#form input[name=contact_mobile]', demo.agent_mobile);
  await page.click('#form button[type=submit]');
  const row = page.locator('tr[data-material="business_licence"]');
  await row.locator('input[type=file]').setInputFiles(first_photo);
  await row.locator('img[data-page]').waitFor({ timeout: wait_ms });
  const others = ['dispatch_rules', 'charter_capital', 'premises_equipment', 'application_form'].filter((m) => !leave_out.includes(m));
  if (leave_out.includes('charter_capital')) others.push('tolerance_pledge');  // 容缺 needs the pledge
  await psql(db.conninfo, `
    INSERT INTO pages (application_id, material_code, position, content, content_type, sha256, thumbnail, width, height, dpi, source, request_sha256)
    SELECT application_id, m, 1, content, content_type, sha256, thumbnail, width, height, dpi, source, request_sha256
      FROM pages, unnest(string_to_array(:'others', ',')) AS m
     WHERE application_id = :'app' AND material_code = 'business_licence'`, { app: id, others: others.join(',') });
  for (const m of others) await page.locator(`tr[data-material="${m}"][data-status="uploaded"]`).waitFor({ timeout: wait_ms });
  return id;
}

async function submit(page) {
  await page.click('section[data-panel="materials"] button[data-go="declaration"]');
  await page.click('#submit');
  await page.locator('#state-badge.state-submitted').waitFor({ timeout: wait_ms });
}

async function staff_login(page, account) {
  await page.goto(`${server.url}/staff`);
  await page.locator('#signin-form').waitFor({ state: 'visible', timeout: wait_ms });
  await page.selectOption('#signin-form select[name=office]', office);
  await page.fill('#signin-form input[name=account]', account);
  await page.fill('#signin-form input[name=password]', demo.password);
  await page.click('#signin-form button[type=submit]');
  await page.locator('#queue').waitFor({ state: 'visible', timeout: wait_ms });
}

async function staff_logout(page) {
  await page.click('#logout');
  await page.locator('#signin-form').waitFor({ state: 'visible', timeout: wait_ms });
}

// 我的办件's tabs answer clicks once the page has its applications: each tab's count is written
// just before its click handler is added. A click before that would be lost.
async function tabs_ready(page) {
  await page.waitForFunction(() => {
    const counts = [...document.querySelectorAll('[role=tab] .n')];
    return counts.length > 0 && counts.every((n) => n.textContent !== '');
  }, null, { timeout: wait_ms });
}

// Opens the application from the queue, takes an action through its dialog.
async function open_from_queue(page, section, id) {
  const row = page.locator(`section[data-section="${section}"] tr[data-application="${id}"]`);
  await row.waitFor({ timeout: wait_ms });
  await row.click();
  await page.locator('#detail').waitFor({ state: 'visible', timeout: wait_ms });
  await page.locator('#detail-title').filter({ hasText: id }).waitFor({ timeout: wait_ms });
}

async function act(page, action, fill) {
  await page.click(`#actions button[data-action="${action}"]`);
  await page.locator('#action-dialog[open]').waitFor({ timeout: wait_ms });
  if (fill) await fill();
}

async function confirm_action(page, action) {
  await page.click('#action-confirm');
  await page.locator('#action-dialog:not([open])').waitFor({ state: 'attached', timeout: wait_ms });
  await page.locator(`#timeline li[data-action="${action}"]`).first().waitFor({ timeout: wait_ms });
}

async function approve_and_complete(page, id, decision) {
  await act(page, 'approve', () => page.fill('#action-dialog textarea[name=comment]', decision));
  await confirm_action(page, 'approve');
  await page.locator('#detail-meta .state-approved').waitFor({ timeout: wait_ms });
  await act(page, 'complete');
  await confirm_action(page, 'complete');
  await page.locator('#detail-meta .state-completed').waitFor({ timeout: wait_ms });
}

test('补正 of one material, resubmission, approval, 已办结', async (t) => {
  const errors = [];
  const applicant_context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const staff_context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  t.after(() => Promise.all([applicant_context.close(), staff_context.close()]));
  const applicant = await new_page(applicant_context, errors);
  const desk = await new_page(staff_context, errors);

  await applicant_login(applicant);
  await check_page(applicant, 'services');
  const id = await prepare_draft(applicant);
  await check_page(applicant, 'application-draft');

  // The clerk's queue is open before the applicant submits.
  await staff_login(desk, staff.clerk);
  await check_page(desk, 'staff-queue-empty');
  await desk.evaluate(() => { window.__marker = 1; });
  await submit(applicant);
  await check_page(applicant, 'application-submitted');
  const queued = desk.locator(`section[data-section="pending_acceptance"] tr[data-application="${id}"]`);
  await queued.waitFor({ timeout: wait_ms });
  assert.equal(await desk.evaluate(() => window.__marker), 1, 'the staff queue was reloaded');
  assert.match(await queued.textContent(), new RegExp(demo.unit_a_name));
  await check_page(desk, 'staff-queue');
  // The search box narrows the queue (application number, unit name or number).
  await desk.fill('#search input[name=q]', '不存在的单位');
  await desk.click('#search button[type=submit]');
  await queued.waitFor({ state: 'detached', timeout: wait_ms });
  await desk.fill('#search input[name=q]', demo.unit_a_name);
  await desk.click('#search button[type=submit]');
  await queued.waitFor({ timeout: wait_ms });

  // The clerk opens it, looks at a page large, and sends 营业执照 back with a comment.
  await open_from_queue(desk, 'pending_acceptance', id);
  await desk.locator('#detail-materials [data-material="business_licence"] img').first().waitFor({ timeout: wait_ms });
  await check_page(desk, 'staff-application');
  await desk.click('#detail-materials [data-material="business_licence"] .thumb-button');
  await desk.locator('#image-dialog[open]').waitFor({ timeout: wait_ms });
  await desk.waitForFunction(() => document.getElementById('image-large').naturalWidth > 0, null, { timeout: wait_ms });
  await desk.click('#zoom-in');
  assert.equal(await desk.evaluate(() => document.getElementById('image-large').style.width), '125%');
  await check_page(desk, 'staff-page-viewer');
  await desk.click('#image-close');
  const comment = '营业执照副本不清晰，请重新拍摄上传';
  await act(desk, 'request_correction', async () => {
    const pick = desk.locator('#action-fields .pick[data-material="business_licence"]');
    await pick.locator('input[type=checkbox]').check();
    await pick.locator('input[name="comment-business_licence"]').fill(comment);
  });
  await check_page(desk, 'staff-correction-dialog');
  await confirm_action(desk, 'request_correction');

  // The applicant sees the comment live; only 营业执照 is open for pages.
  await applicant.locator('#correction-list li[data-material="business_licence"]').filter({ hasText: comment }).waitFor({ timeout: wait_ms });
  assert.match(await applicant.textContent('#timeline'), new RegExp(comment));
  assert.equal(await applicant.locator('tr[data-material="business_licence"] input[type=file]').count(), 1);
  assert.equal(await applicant.locator('tr[data-material="dispatch_rules"] input[type=file]').count(), 0);
  await check_page(applicant, 'application-correction');
  const row = applicant.locator('tr[data-material="business_licence"]');
  await row.locator('input[type=file]').setInputFiles(second_photo);
  await applicant.waitForFunction(() => document.querySelectorAll('tr[data-material="business_licence"] img[data-page]').length === 2,
    null, { timeout: wait_ms });
  await applicant.click('#resubmit');
  await applicant.locator('#state-badge.state-submitted').waitFor({ timeout: wait_ms });

  // The clerk's open application follows by itself; 受理.
  await desk.locator('#timeline li[data-action="resubmit"]').waitFor({ timeout: wait_ms });
  await act(desk, 'accept');
  await confirm_action(desk, 'accept');
  await staff_logout(desk);

  // The reviewer approves and completes.
  await staff_login(desk, staff.reviewer);
  await open_from_queue(desk, 'in_review', id);
  const decision = '经审查，符合劳务派遣经营许可条件，准予许可。';
  await act(desk, 'approve', () => desk.fill('#action-dialog textarea[name=comment]', decision));
  await check_page(desk, 'staff-approve-dialog');
  await confirm_action(desk, 'approve');
  await act(desk, 'complete');
  await confirm_action(desk, 'complete');
  await check_page(desk, 'staff-application-completed');

  await applicant.locator('#state-badge.state-completed').waitFor({ timeout: wait_ms });
  assert.equal(await applicant.textContent('#state-badge'), '已办结');
  assert.equal(await applicant.textContent('#decision'), decision);
  assert.match(await applicant.textContent('#licence'), /许可证编号：haicheng_hrss-\d{4}-\d+/);
  await check_page(applicant, 'application-completed');

  // The message centre holds a message for each step, unread; the header of the open application
  // page counts them, live. 全部标为已读 empties the count there too.
  const inbox = await applicant_context.newPage();
  inbox.on('pageerror', (e) => errors.push(String(e)));
  await inbox.goto(`${server.url}/messages`);
  await inbox.locator('li.msg[data-kind="complete"]').waitFor({ timeout: wait_ms });
  for (const kind of ['request_correction', 'accept', 'approve', 'complete'])
    assert.equal(await inbox.locator(`li.msg.unread[data-kind="${kind}"]`).count(), 1, kind);
  await applicant.waitForFunction(() => parseInt(document.getElementById('unread-count').textContent, 10) >= 4, null, { timeout: wait_ms });
  await check_page(inbox, 'messages');
  await inbox.click('#read-all');
  await inbox.waitForFunction(() => document.querySelectorAll('li.msg.unread').length === 0, null, { timeout: wait_ms });
  await applicant.locator('#unread-count').waitFor({ state: 'hidden', timeout: wait_ms });
  // 我的办件: the completed application waits under 待评价.
  await inbox.goto(`${server.url}/services`);
  await tabs_ready(inbox);
  await inbox.click('#tab-to_rate');
  await inbox.locator(`#mine tr[data-application="${id}"]`).waitFor({ timeout: wait_ms });
  await check_page(inbox, 'services-to-rate');

  // The documents to keep: the decision and the acceptance receipt, as PDFs whose text reads back.
  let receipt_pdf = null;
  for (const [link, title, says] of [['#decision-link', '准予行政许可决定书', decision], ['#receipt-link', '受理回执', '孙丽']]) {
    const [download] = await Promise.all([applicant.waitForEvent('download'), applicant.click(link)]);
    const file = await download.path();
    assert.equal(readFileSync(file).subarray(0, 5).toString(), '%PDF-');
    const text = (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout.replace(/\s+/g, '');
    assert.ok(text.includes(title) && text.includes(says), text);
    if (link === '#receipt-link') receipt_pdf = file;
  }
  // Its anti-counterfeit QR code, as a phone camera reads it off the printed page (pdftoppm at
  // 200 dpi, zbarimg), opens 文书验真 without signing in: genuine, and revoked once revoked.
  await run('pdftoppm', ['-r', '200', '-f', '1', '-l', '1', '-png', '-singlefile', receipt_pdf, join(artifacts_dir, 'review-receipt')]);
  const seal_url = (await run('zbarimg', ['--quiet', '--raw', join(artifacts_dir, 'review-receipt.png')])).stdout.trim();
  assert.match(seal_url, /^HTTP:\/\/127\.0\.0\.1:\d+\/V\/[0-9A-Z$*+\-:]+$/);
  const stranger = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'zh-CN' });
  await stranger.addInitScript({ content: axe_source });
  const verify = await stranger.newPage();
  verify.on('pageerror', (e) => errors.push(String(e)));
  await verify.goto(seal_url);
  await verify.locator('#verdict[data-verdict="genuine"]').waitFor({ timeout: wait_ms });
  assert.match(await verify.textContent('#signed'), new RegExp(`申请编号${id}申请人常州示范\\*{4}有限公司`));
  await check_page(verify, 'verify-genuine');
  await psql(db.conninfo, `UPDATE signed_documents SET revoked_at = now(), revoked_reason = '重新出具' WHERE application_id = :'id' AND kind = 'receipt'`, { id });
  await verify.reload();
  await verify.locator('#verdict[data-verdict="revoked"]').waitFor({ timeout: wait_ms });
  assert.match(await verify.textContent('#record'), /撤销原因重新出具/);
  await check_page(verify, 'verify-revoked');
  await stranger.close();
  // 办件评价: stars and a comment, once.
  await applicant.locator('#rating').waitFor();
  await check_page(applicant, 'application-rating');
  await applicant.check('#rating input[name=stars][value="4"]');
  await applicant.fill('#rating textarea[name=comment]', '窗口办理很快，感谢。');
  await applicant.click('#rating button[type=submit]');
  await applicant.locator('#rated').waitFor({ timeout: wait_ms });
  assert.equal(await applicant.isHidden('#rating'), true);
  assert.equal(await psql(db.conninfo, `SELECT stars || ' ' || comment FROM application_ratings WHERE application_id = :'id'`, { id }),
               '4 窗口办理很快，感谢。');
  // Rated, it moves to 已办结.
  await inbox.reload();
  await tabs_ready(inbox);
  await inbox.click('#tab-finished');
  await inbox.locator(`#mine tr[data-application="${id}"]`).waitFor({ timeout: wait_ms });
  assert.equal(await inbox.textContent('#tab-to_rate .n'), '(0)');

  // The same page on a phone-sized screen.
  await applicant.setViewportSize({ width: 375, height: 812 });
  await check_page(applicant, 'application-completed-phone');
  // 大字模式: larger text, still without serious accessibility findings.
  await applicant.click('#large-text');
  assert.equal(await applicant.evaluate(() => getComputedStyle(document.documentElement).fontSize), '20px');
  await check_page(applicant, 'application-completed-phone-large-text');
  assert.deepEqual(errors, []);
});

test('容缺: accepted without the tolerated material, supplied from the phone, then approved', async (t) => {
  const errors = [];
  const applicant_context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const staff_context = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'zh-CN', isMobile: true });
  const phone_context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true });
  t.after(() => Promise.all([applicant_context.close(), staff_context.close(), phone_context.close()]));
  const applicant = await new_page(applicant_context, errors);
  const desk = await new_page(staff_context, errors);

  await applicant_login(applicant);
  const id = await prepare_draft(applicant, ['charter_capital']);
  await submit(applicant);

  // The clerk (on a phone-sized screen) accepts it with 公司章程 missing.
  await staff_login(desk, staff.clerk);
  await open_from_queue(desk, 'missing_tolerated', id);
  await act(desk, 'accept');
  await confirm_action(desk, 'accept');
  await check_page(desk, 'staff-accepted-phone-size');
  await staff_logout(desk);

  // The reviewer cannot decide while it is missing: the dialog shows the API's message.
  await staff_login(desk, staff.reviewer);
  await open_from_queue(desk, 'missing_tolerated', id);
  await act(desk, 'approve', () => desk.fill('#action-dialog textarea[name=comment]', '准予许可。'));
  await desk.click('#action-confirm');
  await desk.locator('#action-message').filter({ hasText: /容缺/ }).waitFor({ timeout: wait_ms });
  await check_page(desk, 'staff-approve-refused');
  await desk.click('#action-cancel');

  // The applicant supplies it from the phone through the row's QR.
  await applicant.locator('#supply').filter({ hasText: '公司章程' }).waitFor({ timeout: wait_ms });
  await check_page(applicant, 'application-supply');
  await applicant.locator('tr[data-material="charter_capital"] button.qr-button').click();
  await applicant.locator('#qr-code svg').waitFor({ timeout: wait_ms });
  const upload_url = await applicant.getAttribute('#qr-code', 'data-url');
  const phone = await new_page(phone_context, errors);
  await phone.goto(upload_url);
  await phone.locator('#material').filter({ hasText: '公司章程' }).waitFor({ timeout: wait_ms });
  await check_page(phone, 'phone-upload');
  await phone.setInputFiles('#photo', first_photo);
  await phone.locator('#verdict-text[data-state="success"]').waitFor({ timeout: wait_ms });
  await check_page(phone, 'phone-upload-done');
  await applicant.click('#qr-close');
  await applicant.locator('tr[data-material="charter_capital"][data-status="uploaded"]').waitFor({ timeout: wait_ms });
  await applicant.locator('#supply').waitFor({ state: 'hidden', timeout: wait_ms });

  // Now the reviewer's decision goes through.
  await desk.locator('#detail-materials [data-material="charter_capital"] img').waitFor({ timeout: wait_ms });
  await approve_and_complete(desk, id, '容缺材料已补齐，准予许可。');
  await applicant.locator('#state-badge.state-completed').waitFor({ timeout: wait_ms });
  assert.equal(await applicant.textContent('#decision'), '容缺材料已补齐，准予许可。');
  await check_page(applicant, 'application-supplied-completed');
  assert.deepEqual(errors, []);
});

test('撤回 before acceptance, through its dialog', async (t) => {
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  t.after(() => context.close());
  const applicant = await new_page(context, errors);
  await applicant_login(applicant);
  await prepare_draft(applicant);
  await submit(applicant);
  await applicant.click('#withdraw');
  await applicant.locator('#withdraw-dialog[open]').waitFor({ timeout: wait_ms });
  await check_page(applicant, 'application-withdraw-dialog');
  await applicant.click('#withdraw-confirm');
  await applicant.locator('#state-badge.state-withdrawn').waitFor({ timeout: wait_ms });
  assert.ok(await applicant.isHidden('#withdraw'));
  assert.match(await applicant.textContent('#timeline'), /撤回/);
  assert.deepEqual(errors, []);
});

test('Staff sign in at /staff by QR with their own phone, for their office', async (t) => {
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const phone = make_phone(server.url);
  t.after(() => { phone.dispose(); return context.close(); });
  const desk = await new_page(context, errors);
  await desk.goto(`${server.url}/staff`);
  await desk.locator('#qr svg').waitFor({ timeout: wait_ms });
  await check_page(desk, 'staff-signin');
  await phone.login(staff.clerk, demo.password);

  // Confirmed as a person, not as staff: the staff portal drops that session and shows a new QR.
  const first = await desk.getAttribute('#qr', 'data-url');
  await phone.approve(first, await desk.textContent('#match-number'));
  await desk.waitForFunction((old) => document.getElementById('qr').dataset.url !== old
    && document.getElementById('status').dataset.state === 'pending', first, { timeout: wait_ms });
  assert.match(await desk.textContent('#message'), /以工作人员身份登录/);
  assert.equal(await desk.isHidden('#queue'), true);

  // Confirmed for the office: the work queue opens, signed in as the clerk.
  const second = await desk.getAttribute('#qr', 'data-url');
  await phone.approve_as_staff(second, await desk.textContent('#match-number'), office);
  await desk.locator('#queue').waitFor({ state: 'visible', timeout: wait_ms });
  assert.match(await desk.textContent('#who'), /孙丽（受理人员）/);
  await check_page(desk, 'staff-queue-after-qr');
  assert.deepEqual(errors, []);
});

test('个人信息 and 修改密码: the other sessions end, this one goes on', async (t) => {
  const errors = [];
  const here = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const elsewhere = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'zh-CN', isMobile: true });
  t.after(() => Promise.all([here.close(), elsewhere.close()]));
  const person = '320412199512120077';  // 周敏, a person without a unit
  const sign_in = (page, password) => password_login(page, server.url, { account: person, password });
  const page = await new_page(here, errors);
  const other = await new_page(elsewhere, errors);
  await sign_in(page, demo.password);
  await sign_in(other, demo.password);

  await page.goto(`${server.url}/account`);
  await page.locator('#profile dd').first().waitFor({ timeout: wait_ms });
  const profile = await page.textContent('#profile');
  assert.match(profile, /周\*/);
  assert.match(profile, /3204\*+0077/);
  assert.ok(!profile.includes(person), 'the ID number is masked');
  await check_page(page, 'account');

  // A wrong current password, then two new ones that differ: refused, said plainly.
  await page.fill('#password-change input[name=current_password]', 'Wrong@2026');
  await page.fill('#password-change input[name=new_password]', 'Better#2027');
  await page.fill('#password-change input[name=repeat_password]', 'Better#2027');
  await page.click('#password-change button[type=submit]');
  await page.locator('#message', { hasText: '原密码不正确' }).waitFor({ timeout: wait_ms });
  await page.fill('#password-change input[name=current_password]', demo.password);
  await page.fill('#password-change input[name=repeat_password]', 'Better#2028');
  await page.click('#password-change button[type=submit]');
  await page.locator('#message', { hasText: '不一致' }).waitFor({ timeout: wait_ms });

  await page.fill('#password-change input[name=repeat_password]', 'Better#2027');
  await page.click('#password-change button[type=submit]');
  await page.locator('#message', { hasText: '密码已修改' }).waitFor({ timeout: wait_ms });
  await check_page(page, 'account-password-changed');
  // The phone-sized browser was signed out; this one was not.
  const status = (p) => p.evaluate(async () => (await fetch('/api/v1/sessions/current')).status);
  assert.equal(await status(other), 401);
  assert.equal(await status(page), 200);
  await sign_in(other, 'Better#2027');
  assert.deepEqual(errors, []);
});
