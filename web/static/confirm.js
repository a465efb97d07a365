'use strict';
// 授权登录 on the phone (seed 000: 扫一扫 → 授权登录 → 登录 / 取消登录): who is asking, the
// three numbers (the one on the computer's screen proves the phone looks at that computer), the
// identity (the person, or a unit they may act for), then 登录 or 取消登录. Without a phone
// session it asks for sign-in first and then comes back to the same ticket.
(function () {
  const ROLE = { legal_rep: '法定代表人', admin: '管理员', agent: '经办人' };
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
    const rows = [['网站', p.name], ['浏览器', p.browser + ' · ' + p.os], ['位置', p.place],
      ['时间', new Date(p.requested_at).toLocaleString('zh-CN')]];
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
      choice('', '个人', true, true),
      ...scan.units.map((u) => choice(u.unit.id, u.unit.name + ' · ' + (ROLE[u.role] || u.role) +
        (u.valid_until ? ' · 有效期至 ' + u.valid_until : '') + (u.valid_now ? '' : '（授权已失效）'), u.valid_now, false)));
    document.getElementById('sign-in').hidden = true;
    form.hidden = false;
  }

  async function scan() {
    try {
      show(await api('POST', '/api/v1/login-tickets/scans', {}));
    } catch (err) {
      if (err.status === 401) { document.getElementById('sign-in').hidden = false; return; }
      finish(err.message, true);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (number === null) return say('请先选择电脑屏幕上显示的数字', true);
    const unit = form.identity.value;
    const body = { match_number: number };
    if (unit) body.unit_id = unit;
    try {
      await api('POST', '/api/v1/login-tickets/' + ticket + '/confirmation', body);
      finish('已登录，请回到电脑继续办理');
    } catch (err) {
      const code = err.data && err.data.error && err.data.error.code;
      finish(code === 'wrong_match_number' ? '数字与电脑上的不一致，本次登录已取消。请在电脑上刷新二维码后重新扫码。' : err.message, true);
    }
  });
  document.getElementById('cancel').addEventListener('click', async () => {
    try {
      await api('POST', '/api/v1/login-tickets/' + ticket + '/cancellation');
      finish('已取消登录');
    } catch (err) { finish(err.message, true); }
  });
  phoneSignIn(document.getElementById('phone-login'), scan);
  scan();
})();
