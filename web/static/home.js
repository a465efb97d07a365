'use strict';
(async function () {
  applyTexts();
  const res = await fetch('/api/v1/sessions/current', { credentials: 'same-origin' });
  if (!res.ok) return;
  const s = await res.json();
  document.getElementById('me').textContent =
    t('signedIn') + '：' + s.person.name_masked + (s.unit ? '，' + s.unit.name + '（' + t(s.role) + '）' : '');
  document.getElementById('login').hidden = true;
  const out = document.getElementById('logout');
  out.hidden = false;
  out.addEventListener('click', async () => {
    await fetch('/api/v1/sessions/current', {
      method: 'DELETE', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': localStorage.getItem('hp_csrf') || '' },
    });
    localStorage.removeItem('hp_csrf');
    location.reload();
  });
})();
