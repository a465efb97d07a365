// Shared pieces of the end-to-end tests: a private database per test file, a hallpass-server on a
// free port, the hallpass-phone command line, psql, and headless Chromium.
import { spawn, execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

// Paths come from CTest; the defaults fit a plain `scripts/build.sh` build when run by hand.
export const server_binary = process.env.HALLPASS_SERVER || join(repo, 'build', 'server', 'hallpass-server');
export const phone_binary = process.env.HALLPASS_PHONE || join(repo, 'build', 'server', 'hallpass-phone');
export const local_verifier_binary = process.env.HALLPASS_LOCAL_VERIFIER || join(repo, 'build', 'server', 'hallpass-local-verifier');
export const chromium_binary = process.env.HALLPASS_CHROMIUM || '/usr/bin/chromium';
export const artifacts_dir = process.env.HALLPASS_E2E_ARTIFACTS || join(repo, 'build', 'e2e-artifacts');
export const kiosk_binary = process.env.HALLPASS_KIOSK || join(repo, 'build', 'kiosk', 'hallpass-kiosk');
export const admin_binary = process.env.HALLPASS_ADMIN || join(repo, 'build', 'server', 'hallpass-admin');
export const verify_binary = process.env.HALLPASS_VERIFY || join(repo, 'build', 'signing', 'hallpass-verify');

export const demo = {
  password: 'Demo@2026',
  agent_mobile: '13812340003',          // 王芳, agent of unit A (and of unit B)
  unit_a_uscc: '91320412MA1XK7P22M',
  unit_a_name: '常州示范劳务派遣有限公司',
  person_only_id: '320412199512120077', // 周敏, a person with no unit
};

// The maintenance database of the test PostgreSQL (scripts/test-postgres.sh start); required.
export function maintenance_conninfo() {
  const url = process.env.HALLPASS_TEST_DATABASE_URL;
  if (!url) throw new Error('HALLPASS_TEST_DATABASE_URL is not set: run `bash scripts/test-postgres.sh start` and export its output');
  return url;
}

// Runs a program to completion; resolves {code, stdout, stderr}, never rejects on a non-zero exit.
export function run(file, args, { input, timeout_ms = 30000 } = {}) {
  return new Promise((resolve_, reject) => {
    const child = execFile(file, args, { timeout: timeout_ms, maxBuffer: 16 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
      resolve_({ code: err ? err.code : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

// Runs SQL with psql; `vars` become psql variables (use them as :'name' so values are quoted).
// Resolves psql's unaligned, tuples-only output; rejects when psql fails.
export async function psql(conninfo, sql, vars = {}) {
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', conninfo];
  for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
  const r = await run('psql', args, { input: sql + '\n' });
  if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

// A fresh database in the test PostgreSQL; drop() removes it even while connections remain.
export async function create_database(prefix) {
  const admin = maintenance_conninfo();
  const name = `e2e_${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await psql(admin, `CREATE DATABASE ${name}`);
  return {
    name,
    conninfo: `${admin} dbname=${name}`,  // a later dbname= overrides the earlier one
    drop: () => psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

// What stops a started program: SIGTERM (SIGKILL after 15 s), then its log closed and its folder removed.
function stopper(child, exited, log, dir) {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
    }
    log.end();
    rmSync(dir, { recursive: true, force: true });
  };
}

export function free_port() {
  return new Promise((resolve_, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve_(port));
    });
  });
}

// Starts hallpass-server with demo data on a free port against `conninfo`.
// Resolves {url, port, log_file, stop()} once it listens; stop() sends SIGTERM and waits.
export async function start_server(conninfo, { name = 'server', extra_args = [] } = {}) {
  mkdirSync(artifacts_dir, { recursive: true });
  const data_dir = mkdtempSync(join(tmpdir(), 'hallpass-e2e-'));
  let last_error = null;
  // A port found free may be taken before the server binds it; then try another.
  for (let attempt = 0; attempt < 3; ++attempt) {
    const port = await free_port();
    const url = `http://127.0.0.1:${port}`;
    const log_file = join(artifacts_dir, `${name}.log`);
    const log = createWriteStream(log_file);
    const child = spawn(server_binary, [
      `--port=${port}`, `--address=127.0.0.1`, `--public-url=${url}`, `--database-url=${conninfo}`,
      `--data-dir=${data_dir}`, `--data-key=${randomBytes(16).toString('hex')}`, '--demo=true',
      '--log-requests=false', ...extra_args,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    child.stderr.pipe(log, { end: false });
    const ready = new Promise((r) => {
      let seen = '';
      child.stdout.on('data', (chunk) => {
        log.write(chunk);
        seen += chunk.toString();
        if (seen.includes('HallPass is running at')) r(true);
      });
    });
    let timer = null;
    const timeout = new Promise((r) => { timer = setTimeout(() => r('timeout'), 30000); });
    const outcome = await Promise.race([ready, exited, timeout]);
    clearTimeout(timer);
    if (outcome === true) {
      const stop = stopper(child, exited, log, data_dir);
      return { url, port, log_file, stop, exited };
    }
    if (outcome === 'timeout') child.kill('SIGKILL');
    await exited;
    log.end();
    last_error = new Error(`hallpass-server did not start (${JSON.stringify(outcome)}); see ${log_file}`);
  }
  rmSync(data_dir, { recursive: true, force: true });
  throw last_error;
}

// The phone app played by hallpass-phone, with its own state file (token, scanned ticket).
export function make_phone(server_url) {
  const state_dir = mkdtempSync(join(tmpdir(), 'hallpass-phone-'));
  const state = join(state_dir, 'phone.json');
  const call = async (...args) => {
    const r = await run(phone_binary, ['--server', server_url, '--state', state, ...args]);
    if (r.code !== 0) throw new Error(`hallpass-phone ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  return {
    login: (account, password) => call('login', '--account', account, '--password', password),
    // Resolves the scan reply: {ticket_id, numbers: [three] (none for a device), user_code, units: [...], ...}.
    scan: async (qr) => JSON.parse((await call('scan', qr)).trim().split('\n').pop()),
    // number: the portal's; null for a device login (the phone showed the device's user code).
    confirm: (number, unit) => call('confirm', ...(number === null ? [] : ['--number', String(number)]), ...(unit ? ['--unit', unit] : [])),
    approve: (qr, number, unit) => call('approve', qr, ...(number === null ? [] : ['--number', String(number)]), ...(unit ? ['--unit', unit] : [])),
    // As hall staff of `office`, for the staff portal.
    approve_as_staff: (qr, number, office) => call('approve', qr, '--number', String(number), '--office', office),
    cancel: () => call('cancel'),
    dispose: () => rmSync(state_dir, { recursive: true, force: true }),
  };
}

// SQL matching the login ticket of a QR URL: the scan token is the ticket's id (11 characters)
// and a secret, and scan_hash holds SHA-256 of the secret (as hex text; raw digest bytes
// accepted too).
export function scan_hash_condition(qr_url) {
  const token = new URL(qr_url).pathname.split('/').pop();
  const hex = createHash('sha256').update(token.slice(11)).digest('hex');
  return { sql: `scan_hash IN (decode(:'hex', 'hex'), convert_to(:'hex', 'UTF8'))`, vars: { hex } };
}

export const chromium_args = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Headless Debian Chromium through playwright-core (its own profile in a fresh temp dir), with
// extra command-line switches when given.
export async function launch_browser(extra_args = []) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromium_binary, headless: true, args: [...chromium_args, ...extra_args], timeout: 60000 });
}

// Signs `page` in on the portal's /login with a password (the folded 密码登录 form): as an agent of
// the unit with USCC `unit`, or as a person alone when `unit` is null. Resolves once the catalogue
// (/services) is open.
export async function password_login(page, server_url, { unit = null, account, password = demo.password }) {
  await page.goto(`${server_url}/login`);
  await page.locator('details.password-login summary').click();
  if (unit) await page.fill('#password-form input[name=unit]', unit);
  await page.fill('#password-form input[name=account]', account);
  await page.fill('#password-form input[name=password]', password);
  await Promise.all([page.waitForURL(/\/services$/), page.click('#password-form button[type=submit]')]);
}

// axe-core, for a context's init script (context.addInitScript({ content: axe_source })).
export const axe_source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// A full-page screenshot as <artifacts>/<file>.png, and axe-core on the page as it is now: no
// serious or critical violation.
export async function check_page(page, file) {
  await page.screenshot({ path: join(artifacts_dir, `${file}.png`), fullPage: true });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`));
  assert.deepEqual(violations, [], `axe-core on ${file}`);
}

// The hall's SMS platform played by a loopback HTTP receiver: `texts` holds each message it got
// (the outbox's JSON), `args` are the hallpass-server options that send them there, and
// wait_for(n) waits until n have come (or `ms` passed).
export async function start_sms_receiver() {
  const texts = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { texts.push(JSON.parse(body)); res.writeHead(200).end(); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const args = [`--sms-webhook-url=http://127.0.0.1:${server.address().port}/sms`, '--sms-webhook-secret=e2e-secret',
                '--sms-retry-min-ms=100'];
  const wait_for = async (n, ms = 30000) => {
    const deadline = Date.now() + ms;
    while (texts.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  };
  return { texts, args, wait_for, close: () => server.close() };
}

// hallpass-admin on the server's database, with the server's data key and a scratch data folder;
// resolves {code, output} (standard output and error together), never rejects on a non-zero exit.
export async function admin(conninfo, data_key, public_url, args) {
  const data_dir = mkdtempSync(join(tmpdir(), 'hallpass-admin-'));
  try {
    const r = await run(admin_binary, [`--database-url=${conninfo}`, `--data-key=${data_key}`, `--data-dir=${data_dir}`,
                                       `--public-url=${public_url}`, ...args]);
    return { code: r.code, output: r.stdout + r.stderr };
  } finally {
    rmSync(data_dir, { recursive: true, force: true });
  }
}

// Registers a self-service kiosk the operator's way (hallpass-admin register-kiosk) and resolves
// the path of its credential file (mode 0600) in `dir`.
export async function register_kiosk(conninfo, data_key, public_url, dir, { id = 'e2e-kiosk', name = '一楼自助终端' } = {}) {
  const credential = join(dir, `${id}.json`);
  const r = await admin(conninfo, data_key, public_url, ['register-kiosk', '--kiosk-id', id, '--name', name, '--credential', credential]);
  if (r.code !== 0) throw new Error(`hallpass-admin register-kiosk exited ${r.code}: ${r.output}`);
  return credential;
}

// Starts hallpass-kiosk on a free loopback port with `credential`, a camera (e.g.
// images:/dir/frame-%03d.jpg) and a printer (e.g. pdf:/dir), its data in a fresh temp folder.
// Resolves {url, port, log_file, data_dir, stop()} once its screen is served; stop() sends SIGTERM
// and waits.
export async function start_kiosk({ credential, server_url, camera, printer, name = 'kiosk', extra_args = [] }) {
  mkdirSync(artifacts_dir, { recursive: true });
  const data_dir = mkdtempSync(join(tmpdir(), 'hallpass-kiosk-'));
  const log_file = join(artifacts_dir, `${name}.log`);
  const log = createWriteStream(log_file);
  const child = spawn(kiosk_binary, [
    '--credential', credential, '--server-url', server_url, '--data-dir', join(data_dir, 'data'), '--port', '0',
    '--camera', camera, '--printer', printer, ...extra_args,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  child.stderr.pipe(log, { end: false });
  const ready = new Promise((r) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      log.write(chunk);
      seen += chunk.toString();
      const m = seen.match(/screen at (http:\/\/127\.0\.0\.1:(\d+))\//);
      if (m) r({ url: m[1], port: Number(m[2]) });
    });
  });
  let timer = null;
  const timeout = new Promise((r) => { timer = setTimeout(() => r('timeout'), 30000); });
  const outcome = await Promise.race([ready, exited, timeout]);
  clearTimeout(timer);
  const stop = stopper(child, exited, log, data_dir);
  if (outcome && outcome.url) return { ...outcome, log_file, data_dir: join(data_dir, 'data'), stop, exited };
  if (outcome === 'timeout') child.kill('SIGKILL');
  await stop();
  throw new Error(`hallpass-kiosk did not start (${JSON.stringify(outcome)}); see ${log_file}`);
}
