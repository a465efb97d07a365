'use strict';
// The QR scan-to-login widget of the portal (/login) and the staff portal (/staff): creates a
// login ticket, shows its QR, waits for the phone by Server-Sent Events (long-poll when those
// fail) and redeems the confirmed ticket for a session, which goes to onSession. The page holds
// #qr-box, #qr, #overlay, #overlay-text, #refresh, #match-number, #status and #countdown.
// Returns { refresh } to start over with a new QR.
function qrLogin(onSession) {
  const $ = (id) => document.getElementById(id);
  let ticket = null;      // {ticket_id, expires_in, ...}
  let expiresAt = 0;      // ms
  let source = null;      // EventSource
  let state = 'pending';
  let done = false;

  function show(stateName, text) {
    state = stateName;
    const status = $('status');
    status.dataset.state = stateName;
    status.textContent = text || t(stateName === 'pending' ? 'waiting' : stateName);
    const overlay = stateName === 'expired' || stateName === 'cancelled' || stateName === 'error';
    $('overlay').hidden = !overlay;
    $('overlay-text').textContent = status.textContent;
  }

  async function createTicket() {
    if (source) source.close();
    done = false;
    $('qr-box').classList.remove('used');
    const res = await fetch('/api/v1/login-tickets', { method: 'POST', credentials: 'same-origin' });
    if (!res.ok) { show('error'); return; }
    ticket = await res.json();
    expiresAt = Date.now() + ticket.expires_in * 1000;
    $('qr').innerHTML = ticket.qr_svg;
    $('qr').dataset.url = ticket.qr_url;
    $('match-number').textContent = ticket.match_number;
    show('pending');
    listen();
  }

  function listen() {
    const id = ticket.ticket_id;
    let failures = 0;
    source = new EventSource('/api/v1/login-tickets/' + id + '/events');
    source.addEventListener('state', (e) => { failures = 0; onState(id, JSON.parse(e.data).state); });
    source.onerror = () => {
      if (++failures >= 3 && source) { source.close(); source = null; longPoll(id); }
    };
  }

  async function longPoll(id) {
    while (!done && ticket && ticket.ticket_id === id) {
      try {
        const res = await fetch('/api/v1/login-tickets/' + id + '?wait=25&known=' + state, { credentials: 'same-origin' });
        if (!res.ok) { show('error'); return; }
        onState(id, (await res.json()).state);
      } catch (e) { await new Promise((r) => setTimeout(r, 2000)); }
    }
  }

  async function onState(id, s) {
    if (!ticket || ticket.ticket_id !== id || done) return;
    if (s === 'pending') return;
    if (s === 'scanned') { show('scanned'); expiresAt = Date.now() + 60000; return; }
    done = true;
    if (source) { source.close(); source = null; }
    if (s === 'confirmed') return redeem(id);
    show(s === 'cancelled' ? 'cancelled' : 'expired');
  }

  async function redeem(id) {
    const res = await fetch('/api/v1/login-tickets/' + id + '/session', { method: 'POST', credentials: 'same-origin' });
    if (!res.ok) { const e = await res.json().catch(() => ({})); show('error', e.error ? e.error.message : t('error')); return; }
    const s = await res.json();
    localStorage.setItem('hp_csrf', s.csrf_token);
    show('success');
    $('qr-box').classList.add('used');
    onSession(s);
  }

  function tick() {
    const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    $('countdown').textContent = done ? '--' : String(left);
    // Rotate the QR shortly before it expires while nobody has scanned it.
    if (!done && state === 'pending' && ticket && left <= 3) {
      const old = ticket.ticket_id;
      ticket = null;
      fetch('/api/v1/login-tickets/' + old, { method: 'DELETE', credentials: 'same-origin' }).catch(() => {});
      createTicket();
    }
    if (!done && state === 'scanned' && left === 0) { done = true; show('expired'); }
  }

  $('refresh').addEventListener('click', createTicket);
  createTicket();
  setInterval(tick, 500);
  return { refresh: createTicket };
}
