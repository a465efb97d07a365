'use strict';
// The password fallback beside the QR: unit code (optional) + ID number or mobile + password.
document.getElementById('password-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = e.target;
  const body = { account: f.account.value.trim(), password: f.password.value, channel: 'web' };
  if (f.unit.value.trim()) body.unit = f.unit.value.trim();
  const out = document.getElementById('password-message');
  const res = await fetch('/api/v1/sessions', {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) { out.textContent = data.error ? data.error.message + ' / ' + data.error.message_en : 'HTTP ' + res.status; return; }
  localStorage.setItem('hp_csrf', data.csrf_token);
  location.href = '/services';
});
