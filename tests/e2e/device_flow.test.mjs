// The OAuth 2.0 Device Authorization Grant (RFC 8628) with a standard client library
// (openid-client), approved or refused by hallpass-phone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';

import { create_database, demo, make_phone, psql, start_server } from './helpers.mjs';

const client_id = 'hallpass-demo-tv';  // registered by the demo data

let db = null;
let server = null;
let phone = null;

before(async () => {
  db = await create_database('device');
  server = await start_server(db.conninfo, { name: 'device_flow-server', extra_args: ['--device-poll-interval=1'] });
  phone = make_phone(server.url);
  await phone.login(demo.agent_mobile, demo.password);
});

after(async () => {
  if (server) await server.stop();
  if (db) await db.drop();
  if (phone) phone.dispose();
});

// RFC 8414 discovery over plain http on the loopback address; a public client (no secret).
function discover() {
  return client.discovery(new URL(server.url), client_id, undefined, client.None(), {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
  });
}

// How `promise` has settled by now, or 'pending'.
function settled_now(promise) {
  return Promise.race([
    promise.then(() => 'resolved', (e) => `rejected: ${e.error || ''} ${e.error_description || e.message}`),
    new Promise((r) => setImmediate(() => r('pending'))),
  ]);
}

// Token polls the server has refused so far (authorization_pending, slow_down, …), from /metrics.
async function refused_token_polls() {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  const m = text.match(/^hallpass_http_requests_total\{route="\/oauth\/token",method="POST",status="400"\} (\d+)$/m);
  return m ? Number(m[1]) : 0;
}

// Waits until the server has refused `n` token polls more than `since`: the client then got a
// refusal and polled again. Bounded: fails after 20 s.
async function until_refused(since, n) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const seen = await refused_token_polls();
    if (seen >= since + n) return;
    assert.ok(Date.now() < deadline, `the server refused ${seen - since} token polls, not ${n}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('discovery finds the device authorization and token endpoints', async () => {
  const config = await discover();
  const meta = config.serverMetadata();
  assert.equal(meta.issuer, server.url);
  assert.equal(meta.device_authorization_endpoint, `${server.url}/oauth/device_authorization`);
  assert.equal(meta.token_endpoint, `${server.url}/oauth/token`);
  assert.ok(meta.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:device_code'));
});

test('a device signs in once the phone approves, and its token acts for unit A', async () => {
  const config = await discover();
  const device = await client.initiateDeviceAuthorization(config, {});
  assert.match(device.user_code, /^\S{4,}$/);
  assert.ok(device.device_code.length >= 20, 'a long device code');
  assert.equal(device.verification_uri, `${server.url}/device`);
  assert.ok(device.verification_uri_complete.startsWith(`${server.url}/l/`), device.verification_uri_complete);
  assert.equal(device.interval, 1);
  assert.ok(device.expires_in > 0);

  const refused_before = await refused_token_polls();
  const controller = new AbortController();
  const polling = client.pollDeviceAuthorizationGrant(config, device, undefined, { signal: controller.signal });
  try {
    // Until the phone approves, the token endpoint keeps answering authorization_pending.
    await until_refused(refused_before, 2);
    assert.equal(await settled_now(polling), 'pending', 'no token before the phone approves');

    // The device shows its user code, not a number: the phone confirms with none.
    await phone.approve(device.verification_uri_complete, null, demo.unit_a_uscc);

    const tokens = await polling;
    assert.ok(tokens.access_token, 'the poll resolved with an access token');
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.expires_in > 0);

    const res = await fetch(`${server.url}/api/v1/sessions/current`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(res.status, 200);
    const session = await res.json();
    assert.equal(session.role, 'agent');
    assert.equal(session.unit.uscc, demo.unit_a_uscc);
    assert.equal(session.unit.name, demo.unit_a_name);

    const bad = await fetch(`${server.url}/api/v1/sessions/current`, { headers: { Authorization: `Bearer ${tokens.access_token}x` } });
    assert.equal(bad.status, 401, 'a forged token is refused');

    // The device code is spent: a second redemption is refused.
    await assert.rejects(client.pollDeviceAuthorizationGrant(config, device), (e) => {
      assert.equal(e.error, 'invalid_grant');
      return true;
    });
  } finally {
    controller.abort();
    await polling.catch(() => {});
  }
});

test('a device whose login is cancelled on the phone gets access_denied', async () => {
  const config = await discover();
  const device = await client.initiateDeviceAuthorization(config, {});
  const polling = client.pollDeviceAuthorizationGrant(config, device);
  polling.catch(() => {});  // inspected below; keeps an early rejection from counting as unhandled

  const scan = await phone.scan(device.verification_uri_complete);
  // The phone shows the device's user code to compare, and no numbers to guess from.
  assert.equal(scan.user_code, device.user_code);
  assert.deepEqual(scan.numbers, []);
  const refused_at_scan = await refused_token_polls();
  await until_refused(refused_at_scan, 2);
  assert.equal(await settled_now(polling), 'pending', 'scanning alone gives no token');
  await phone.cancel();

  await assert.rejects(polling, (e) => {
    assert.equal(e.error, 'access_denied', `rejected with ${e.error}: ${e.message}`);
    return true;
  });
  assert.equal(await psql(db.conninfo, `SELECT state FROM login_tickets WHERE user_code = :'code'`, { code: device.user_code }),
    'cancelled');
});
