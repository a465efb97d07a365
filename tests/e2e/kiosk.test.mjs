// The self-service kiosk's touch screen in real headless Chromium: hallpass-kiosk registered with
// hallpass-admin against a hallpass-server, its camera an image sequence (a real document photo)
// and its printer a PDF folder. On the screen: 扫码登录 (the QR is read off a screenshot by
// hallpass-phone, which confirms as 王芳 for unit A), 我的办件 with her draft, 拍照上传 of one
// material into the application, 打印受理回执 of an accepted application (its QR verifies with
// hallpass-verify), 大字 and English without horizontal overflow, 退出登录, and 文书验真 of that
// printed receipt laid under the camera. Each screen is screenshotted and checked with axe-core
// (no serious or critical violations), at 1280×800 and at 1920×1080.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  artifacts_dir, axe_source, check_page as check_page_as, create_database, demo, launch_browser, make_phone, psql,
  register_kiosk, run, start_kiosk, start_server, verify_binary,
} from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// The photo the server's and the kiosk's own tests use as the accepted capture (a card on a dark
// desk), turned into the JPEG a camera gives.
const card_photo = resolve(here, '..', 'data', 'photos', 'dynamsoft', 'webp', 'card-on-dark-background.webp');
const wait_ms = 60000;
const service = 'labour_dispatch_licence_haicheng';
const material = 'dispatch_rules';
const office = 'haicheng_hrss';
const clerk = '320412198603150082';  // 孙丽
const kiosk_size = { width: 1280, height: 800 };
const large_size = { width: 1920, height: 1080 };

let db = null;
let server = null;
let kiosk = null;
let browser = null;
let phone = null;
let scratch = null;  // credential, camera frames, printed PDFs
let shot = 0;
let receipt_pdf = null;  // printed by the kiosk, laid under its camera at the end

const check_page = (page, name) => check_page_as(page, `kiosk-${String(++shot).padStart(2, '0')}-${name}`);

// The server's JSON API as a phone app or a staff desk calls it (a bearer token).
async function call(token, method, path, body, type = 'application/json') {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = type;
  const r = await fetch(`${server.url}${path}`, {
    method, headers, body: body === undefined ? undefined : (type === 'application/json' ? JSON.stringify(body) : body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

async function sign_in_api(body) {
  const r = await call(null, 'POST', '/api/v1/sessions', { password: demo.password, channel: 'app', ...body });
  assert.equal(r.status, 201, r.text);
  return r.json.token;
}

// A draft of 王芳 for unit A, with its form filled in (as started on her phone).
async function draft(wang) {
  const r = await call(wang, 'POST', '/api/v1/applications', { service_code: service });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  const form = await call(wang, 'PATCH', `/api/v1/applications/${id}`,
    { form: { contact_name: '王芳', contact_mobile: demo.agent_mobile }, step: 'materials' });
  assert.equal(form.status, 200, form.text);
  return id;
}

// An application submitted with every material (the camera's card photo uploaded to a material of
// any paper, its page copied by SQL to the others) and accepted by the clerk at the desk: it has an
// acceptance receipt.
async function accepted_application(wang, photo) {
  const id = await draft(wang);
  const up = await call(wang, 'POST', `/api/v1/applications/${id}/materials/dispatch_rules/pages`, photo, 'image/jpeg');
  assert.ok(up.status === 200 || up.status === 201, `upload: ${up.status} ${up.text}`);
  await psql(db.conninfo, `
    INSERT INTO pages (application_id, material_code, position, content, content_type, sha256, thumbnail, width, height, dpi, source, request_sha256)
    SELECT application_id, m, 1, content, content_type, sha256, thumbnail, width, height, dpi, source, request_sha256
      FROM pages, unnest(ARRAY['business_licence', 'charter_capital', 'premises_equipment', 'application_form']) AS m
     WHERE application_id = :'app' AND material_code = 'dispatch_rules'`, { app: id });
  const submitted = await call(wang, 'POST', `/api/v1/applications/${id}/submission`, {});
  assert.equal(submitted.status, 200, submitted.text);
  const desk = await sign_in_api({ office, account: clerk });
  const accepted = await call(desk, 'POST', `/api/v1/staff/applications/${id}/actions`, { action: 'accept' });
  assert.equal(accepted.status, 200, accepted.text);
  return id;
}

// The card photo as a camera JPEG, decoded and re-encoded by Chromium (a canvas on a blank page).
async function camera_jpeg() {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const data_url = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/webp;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      canvas.getContext('2d').drawImage(img, 0, 0);
      return canvas.toDataURL('image/jpeg', 0.92);
    }, readFileSync(card_photo).toString('base64'));
    return Buffer.from(data_url.slice(data_url.indexOf(',') + 1), 'base64');
  } finally {
    await context.close();
  }
}

// Elements that stick out of the page sideways or whose content is wider than their box: none
// may (nothing to scroll sideways on a touch screen, no text cut off).
async function overflow(page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    const out = [];
    if (root.scrollWidth > root.clientWidth) out.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    const name = (el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + (el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : '');
    for (const el of document.querySelectorAll('body *')) {
      if (!el.getClientRects().length || el.closest('svg')) continue;
      const r = el.getBoundingClientRect();
      if (r.right > root.clientWidth + 0.5 || r.left < -0.5) out.push(`${name(el)} reaches ${Math.round(r.left)}..${Math.round(r.right)}`);
      const style = getComputedStyle(el);
      if (style.display !== 'inline' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
        out.push(`${name(el)} holds ${el.scrollWidth}px in ${el.clientWidth}px`);
    }
    return out;
  });
}

// The screen's main button is on the screen as it opens: nobody has to scroll to reach it.
async function assert_in_view(page, selector) {
  const box = await page.locator(selector).boundingBox();
  const height = page.viewportSize().height;
  assert.ok(box && box.y >= 0 && box.y + box.height <= height, `${selector} at ${JSON.stringify(box)} is on a screen ${height} px high`);
}

async function check_layout(page, name) {
  await check_page(page, name);
  assert.deepEqual(await overflow(page), [], `overflow on ${name}`);
}

// The kiosk's local API as its screen calls it, with the token the page carries.
async function kiosk_state(page) {
  const token = await page.getAttribute('meta[name="kiosk-token"]', 'content');
  assert.match(token, /^[0-9a-f]{64}$/, 'the page carries this boot\'s token');
  const r = await fetch(`${kiosk.url}/api/state`, { headers: { 'X-Kiosk-Token': token } });
  assert.equal(r.status, 200);
  return r.json();
}

before(async () => {
  assert.ok(existsSync(card_photo), `missing test photo ${card_photo}`);
  mkdirSync(artifacts_dir, { recursive: true });
  scratch = mkdtempSync(join(tmpdir(), 'hallpass-e2e-kiosk-'));
  for (const d of ['camera', 'printed']) mkdirSync(join(scratch, d));
  db = await create_database('kiosk');
  const data_key = randomBytes(16).toString('hex');
  // A short device poll interval: the kiosk sees the phone's confirmation within a second or two.
  server = await start_server(db.conninfo, { name: 'kiosk-server', extra_args: ['--device-poll-interval=1', `--data-key=${data_key}`] });
  browser = await launch_browser();
  writeFileSync(join(scratch, 'camera', 'frame-000.jpg'), await camera_jpeg());
  const credential = await register_kiosk(db.conninfo, data_key, server.url, scratch);
  kiosk = await start_kiosk({
    credential, server_url: server.url, name: 'kiosk',
    camera: `images:${join(scratch, 'camera', 'frame-%03d.jpg')}`, printer: `pdf:${join(scratch, 'printed')}`,
  });
  phone = make_phone(server.url);
  await phone.login(demo.agent_mobile, demo.password);
});

after(async () => {
  // Each step on its own, so that one failing does not leave a process behind.
  for (const step of [() => browser?.close(), () => kiosk?.stop(), () => server?.stop(), () => db?.drop(),
                      () => phone?.dispose(), () => scratch && rmSync(scratch, { recursive: true, force: true })]) {
    try { await step(); } catch (e) { console.error(e); }
  }
});

test('the kiosk screen: sign in by QR, capture a page, print a receipt, larger text, English, sign out, check a paper', async (t) => {
  const errors = [];
  const wang = await sign_in_api({ unit: demo.unit_a_uscc, account: demo.agent_mobile });
  const photo = readFileSync(join(scratch, 'camera', 'frame-000.jpg'));
  const accepted_id = await accepted_application(wang, photo);
  const draft_id = await draft(wang);

  const context = await browser.newContext({ viewport: kiosk_size, locale: 'zh-CN', hasTouch: true });
  t.after(() => context.close());
  await context.addInitScript({ content: axe_source });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.request().method()} ${r.url()}`); });

  await t.test('home screen', async () => {
    await page.goto(kiosk.url);
    await page.locator('#screen-home').waitFor({ state: 'visible', timeout: wait_ms });
    assert.equal(await page.title(), '人社自助服务终端');
    for (const id of ['#start-login', '#start-check']) {
      const box = await page.locator(id).boundingBox();
      assert.ok(box.height >= 120 && box.width >= 300, `${id} is a large target: ${JSON.stringify(box)}`);
    }
    await check_layout(page, 'home');
    await page.setViewportSize(large_size);
    await check_layout(page, 'home-1920');
    await page.setViewportSize(kiosk_size);
    assert.equal((await kiosk_state(page)).session, null);
  });

  await t.test('扫码登录: the QR read off the screen, confirmed on the phone as 王芳 for unit A', async () => {
    await page.getByRole('button', { name: /扫码登录/ }).tap();
    await page.locator('#screen-login').waitFor({ state: 'visible', timeout: wait_ms });
    await page.locator('#login-qr svg').waitFor({ timeout: wait_ms });
    const user_code = (await page.textContent('#user-code')).trim();
    assert.match(user_code, /^\S{4,}$/, 'the screen shows the user code to compare');
    await check_layout(page, 'login');
    const qr_file = join(artifacts_dir, 'kiosk-login-qr.png');
    await page.locator('#login-qr').screenshot({ path: qr_file });
    const scanned = await phone.scan(qr_file);
    assert.equal(scanned.user_code, user_code, 'the phone shows the code the kiosk shows');
    assert.deepEqual(scanned.numbers, [], 'a device login has no numbers');
    await phone.confirm(null, demo.unit_a_uscc);

    await page.locator('#screen-applications').waitFor({ state: 'visible', timeout: wait_ms });
    const row = page.locator(`#applications li[data-application="${draft_id}"]`);
    await row.waitFor({ timeout: wait_ms });
    assert.match(await row.textContent(), /劳务派遣/);
    assert.match(await row.textContent(), /待提交/);
    await page.locator(`#applications li[data-application="${accepted_id}"]`).waitFor({ timeout: wait_ms });
    const who = (await page.textContent('#who')).trim();
    assert.ok(who.startsWith('王') && who.includes('*') && !who.includes('芳'), `the name is masked: ${who}`);
    assert.ok(who.includes(demo.unit_a_name), who);
    assert.ok(await page.locator('#sign-out').isVisible());
    await check_layout(page, 'applications');
    const state = await kiosk_state(page);
    assert.equal(state.session.unit.uscc, demo.unit_a_uscc);
  });

  await t.test('拍照上传: a page captured with the camera arrives in the draft', async () => {
    await page.locator(`#applications li[data-application="${draft_id}"] button`).tap();
    await page.locator('#screen-application').waitFor({ state: 'visible', timeout: wait_ms });
    assert.match(await page.textContent('#application-title'), new RegExp(draft_id));
    await check_layout(page, 'application-draft');
    const row = page.locator(`#materials li[data-material="${material}"]`);
    await row.locator('button', { hasText: '拍照上传' }).tap();
    await page.locator('#screen-capture').waitFor({ state: 'visible', timeout: wait_ms });
    await page.waitForFunction(() => document.getElementById('viewfinder').naturalWidth > 0, null, { timeout: wait_ms });
    await assert_in_view(page, '#shoot');
    await check_layout(page, 'capture');

    await page.getByRole('button', { name: '拍照', exact: true }).tap();
    await page.locator('#verdict', { hasText: '清晰可用' }).waitFor({ timeout: wait_ms });
    await page.waitForFunction(() => document.getElementById('preview').naturalWidth > 0, null, { timeout: wait_ms });
    assert.ok(await page.locator('#keep').isVisible());
    await assert_in_view(page, '#keep');
    const count = () => psql(db.conninfo, `SELECT count(*) FROM pages WHERE application_id = :'id' AND material_code = :'m'`,
      { id: draft_id, m: material });
    assert.equal(await count(), '0', 'nothing is sent before the page is kept');
    await check_layout(page, 'capture-verdict');

    await page.getByRole('button', { name: '上传这一页' }).tap();
    await page.locator('#capture-progress', { hasText: '已加入上传' }).waitFor({ timeout: wait_ms });
    const deadline = Date.now() + wait_ms;
    while (await count() !== '1') {
      assert.ok(Date.now() < deadline, 'the page never arrived in the application');
      await new Promise((r) => setTimeout(r, 200));
    }
    // Sent through the upload code the kiosk opened for this material, as the processed image.
    assert.equal(await psql(db.conninfo, `SELECT content_type || ' ' || (upload_code_id IS NOT NULL) || ' ' || (octet_length(content) > 10000)
                                            FROM pages WHERE application_id = :'id' AND material_code = :'m'`,
      { id: draft_id, m: material }), 'image/jpeg true true');
    await page.locator('#notice', { hasText: '材料页面已上传' }).waitFor({ timeout: wait_ms });
    await assert_in_view(page, '#shoot');
    await check_layout(page, 'capture-sent');

    // Back on the application, the material counts its page.
    await page.getByRole('button', { name: '拍完了，返回' }).tap();
    await page.locator('#screen-application').waitFor({ state: 'visible', timeout: wait_ms });
    await row.locator('.meta', { hasText: '已上传 · 1 页' }).waitFor({ timeout: wait_ms });
  });

  await t.test('打印受理回执: a PDF whose QR verifies, and the screen says so', async () => {
    await page.getByRole('button', { name: '返回我的办件' }).tap();
    await page.locator(`#applications li[data-application="${accepted_id}"] button`).tap();
    await page.locator('#application-title', { hasText: accepted_id }).waitFor({ timeout: wait_ms });
    await page.getByRole('button', { name: '打印受理回执' }).tap();
    const pdf = join(scratch, 'printed', `receipt-${accepted_id}.pdf`);
    receipt_pdf = pdf;
    const deadline = Date.now() + wait_ms;
    while (!existsSync(pdf)) {
      assert.ok(Date.now() < deadline, `no ${pdf}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.locator('#notice', { hasText: '已送往打印机，请取走打印件' }).waitFor({ timeout: wait_ms });
    assert.equal(readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');
    const text = (await run('pdftotext', ['-enc', 'UTF-8', pdf, '-'])).stdout.replace(/\s+/g, '');
    assert.ok(text.includes('受理回执') && text.includes(accepted_id), text);
    // Its QR code against the hall's trust list, and online.
    const trust = join(scratch, 'trust-list.json');
    writeFileSync(trust, await fetch(`${server.url}/api/v1/trust-list`).then((r) => r.text()));
    const verified = await run(verify_binary, ['--trust-list', trust, '--online', server.url, pdf]);
    const verdict = JSON.parse(verified.stdout);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.equal(verdict.verdict, 'genuine');
    assert.deepEqual(verdict.differing_fields ?? [], []);
    await check_layout(page, 'application-printed');
  });

  await t.test('大字 and English keep the screens readable', async () => {
    await page.getByRole('button', { name: '大字' }).tap();
    assert.equal(await page.getAttribute('#larger', 'aria-pressed'), 'true');
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize), '28px');
    await check_layout(page, 'application-larger');
    await page.getByRole('button', { name: '返回我的办件' }).tap();
    await page.locator(`#applications li[data-application="${draft_id}"]`).waitFor({ timeout: wait_ms });
    await check_layout(page, 'applications-larger');

    await page.getByRole('button', { name: 'English' }).tap();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.locator('#screen-applications h2', { hasText: 'My applications' }).waitFor();
    await page.locator(`#applications li[data-application="${draft_id}"] button`, { hasText: 'Open' }).waitFor({ timeout: wait_ms });
    await check_layout(page, 'applications-larger-english');
    await page.locator(`#applications li[data-application="${draft_id}"] button`).tap();
    await page.locator('#screen-application').waitFor({ state: 'visible', timeout: wait_ms });
    await page.locator(`#materials li[data-material="${material}"] button`, { hasText: 'Capture' }).waitFor({ timeout: wait_ms });
    await check_layout(page, 'application-larger-english');
    await page.locator(`#materials li[data-material="${material}"] button`).tap();
    await page.locator('#screen-capture').waitFor({ state: 'visible', timeout: wait_ms });
    await check_layout(page, 'capture-larger-english');
    await page.setViewportSize(large_size);
    await check_layout(page, 'capture-larger-english-1920');
    await page.getByRole('button', { name: 'Larger text' }).tap();
    assert.equal(await page.getAttribute('#larger', 'aria-pressed'), 'false');
    await check_layout(page, 'capture-english-1920');
    await page.setViewportSize(kiosk_size);
    await check_layout(page, 'capture-english');
    await page.getByRole('button', { name: '中文' }).tap();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await page.locator('#screen-capture h2', { hasText: '拍照：' }).waitFor();
  });

  await t.test('退出登录: home again, and the kiosk holds no session', async () => {
    await page.getByRole('button', { name: '退出登录' }).tap();
    await page.locator('#screen-home').waitFor({ state: 'visible', timeout: wait_ms });
    await page.locator('#notice', { hasText: '已退出登录' }).waitFor({ timeout: wait_ms });
    await page.locator('#who').waitFor({ state: 'hidden', timeout: wait_ms });
    await page.locator('#sign-out').waitFor({ state: 'hidden', timeout: wait_ms });
    const state = await kiosk_state(page);
    assert.equal(state.session, null);
    assert.equal(state.login, null);
    assert.equal(await psql(db.conninfo, `SELECT count(*) FROM sessions WHERE client_id IS NOT NULL AND revoked_at IS NULL`), '0',
      'the server session ended');
    await check_layout(page, 'signed-out');
  });

  await t.test('文书验真: the printed receipt laid under the camera checks as genuine', async () => {
    assert.ok(receipt_pdf, 'a receipt was printed');
    // The printed page as the camera sees it (200 dpi), renamed into place: never read half written.
    const paper = join(scratch, 'paper');
    await run('pdftoppm', ['-r', '200', '-f', '1', '-l', '1', '-png', '-singlefile', receipt_pdf, paper]);
    copyFileSync(`${paper}.png`, join(scratch, 'camera', 'next.tmp'));
    renameSync(join(scratch, 'camera', 'next.tmp'), join(scratch, 'camera', 'frame-000.jpg'));
    await page.getByRole('button', { name: /文书验真/ }).tap();
    await page.locator('#screen-check').waitFor({ state: 'visible', timeout: wait_ms });
    // The paper shows on the screen (an A4 page, not the card photo's narrower frame), then 开始核验.
    await page.waitForFunction(() => {
      const img = document.getElementById('check-viewfinder');
      return img.naturalHeight > 0 && img.naturalWidth / img.naturalHeight > 0.65;
    }, null, { timeout: wait_ms });
    await page.getByRole('button', { name: '开始核验' }).tap();
    await page.locator('#check-verdict', { hasText: '真实有效' }).waitFor({ timeout: wait_ms });
    await page.locator('#check-progress', { hasText: '已离线验签并向服务器核对' }).waitFor({ timeout: wait_ms });
    const reference = page.locator('#check-fields tr', { has: page.locator('th', { hasText: '办件号' }) });
    assert.deepEqual((await reference.locator('td').allTextContents()).map((x) => x.trim()), [accepted_id, accepted_id]);
    const type = page.locator('#check-fields tr', { has: page.locator('th', { hasText: '文书类型' }) });
    assert.deepEqual((await type.locator('td').allTextContents()).map((x) => x.trim()), ['受理回执', '受理回执']);
    const issued = page.locator('#check-fields tr', { has: page.locator('th', { hasText: '签发时间' }) });
    for (const cell of await issued.locator('td').allTextContents()) assert.match(cell.trim(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    await check_layout(page, 'check-genuine');
    await page.getByRole('button', { name: 'English' }).tap();
    await page.locator('#check-verdict', { hasText: 'Genuine' }).waitFor();
    const type_en = page.locator('#check-fields tr', { has: page.locator('th', { hasText: 'Type' }) });
    assert.deepEqual((await type_en.locator('td').allTextContents()).map((x) => x.trim()), ['Acceptance receipt', 'Acceptance receipt']);
    await check_layout(page, 'check-genuine-english');
    await page.getByRole('button', { name: '中文' }).tap();
    await page.getByRole('button', { name: '返回' }).tap();
    await page.locator('#screen-home').waitFor({ state: 'visible', timeout: wait_ms });
  });

  assert.deepEqual(errors, []);
});
