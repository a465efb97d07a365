'use strict';
// 授权登录 on the phone (seed 000: 扫一扫 → 授权登录 → 登录 / 取消登录): who is asking, the
// three numbers (the one on the computer's screen proves the phone looks at that computer), the
// identity (the person, or a unit they may act for), then 登录 or 取消登录. Without a phone
// session it asks for sign-in first and then comes back to the same ticket.
(function () {
  const form = document.getElementById('confirm');
  const msg = document.getElementById('message');
  const say = (text, error) => { msg.textContent = text; msg.classList.toggle('error', !!error); };
  let ticket = null;
  let number = null;

  const finish = (text, error) => {
    form.hidden = true;
    document.getElementById('home').hidden = false;
    say(text, error);
  };

  function show(scan) {
    ticket = scan.ticket_id;
    const p = scan.portal;
    const rows = [[t('site'), p.name], [t('browser'), p.browser + ' · ' + p.os], [t('place'), p.place],
      [t('time'), new Date(p.requested_at).toLocaleString(HP_LANG === 'en' ? 'en-GB' : 'zh-CN')]];
    document.getElementById('portal').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    document.getElementById('distance').hidden = scan.same_network;
    document.getElementById('numbers').replaceChildren(...scan.numbers.map((n) => el('button', {
      type: 'button', class: 'number', 'aria-pressed': 'false', 'data-number': n,
      onclick: (e) => {
        number = n;
        for (const b of document.querySelectorAll('button.number')) b.setAttribute('aria-pressed', String(b === e.currentTarget));
      },
    }, String(n))));
    const choice = (value, label, enabled, checked) => el('label', { class: 'identity' },
      el('input', { type: 'radio', name: 'identity', value, disabled: enabled ? undefined : '', checked: checked ? '' : undefined }), label);
    document.getElementById('identities').replaceChildren(
      choice('', t('asPerson'), true, true),
      ...scan.units.map((u) => choice(u.unit.id, u.unit.name + ' · ' + t(u.role) +
        (u.valid_until ? ' · ' + t('validUntil', { date: u.valid_until }) : '') + (u.valid_now ? '' : t('grantEnded')), u.valid_now, false)));
    document.getElementById('sign-in').hidden = true;
    form.hidden = false;
  }

  async function scan() {
    try {
      show(await api('POST', '/api/v1/login-tickets/scans', {}));
    } catch (err) {
      if (err.status === 401) { document.getElementById('sign-in').hidden = false; return; }
      finish(errorText(err), true);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (number === null) return say(t('numberFirst'), true);
    const unit = form.identity.value;
    const body = { match_number: number };
    if (unit) body.unit_id = unit;
    try {
      await api('POST', '/api/v1/login-tickets/' + ticket + '/confirmation', body);
      finish(t('confirmed'));
    } catch (err) {
      const code = err.data && err.data.error && err.data.error.code;
      finish(code === 'wrong_match_number' ? t('wrongNumber') : errorText(err), true);
    }
  });
  document.getElementById('cancel').addEventListener('click', async () => {
    try {
      await api('POST', '/api/v1/login-tickets/' + ticket + '/cancellation');
      finish(t('signInCancelled'));
    } catch (err) { finish(errorText(err), true); }
  });
  applyTexts();
  phoneSignIn(document.getElementById('phone-login'), scan);
  scan();
})();
