'use strict';
// 个人信息 (masked, as the server gives it) and 修改密码: after a change every other session of
// the person has ended, this one goes on.
(function () {
  const msg = document.getElementById('message');
  const ROLE = { person: '个人', legal_rep: '法定代表人', admin: '管理员', agent: '经办人', staff: '工作人员' };

  async function load() {
    const me = await api('GET', '/api/v1/sessions/current');
    const rows = [['姓名', me.person.name_masked], ['身份证号码', me.person.id_number], ['手机号码', me.person.mobile || '未登记']];
    if (me.unit) rows.push(['当前单位', me.unit.name + '（' + (ROLE[me.role] || me.role) + '）'], ['统一社会信用代码', me.unit.uscc]);
    document.getElementById('register-unit').hidden = !!me.unit;
    document.getElementById('profile').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    // 单位信息: every unit the person may act for, with their role and its validity.
    const units = (await api('GET', '/api/v1/me/units')).units;
    document.getElementById('no-units').hidden = units.length > 0;
    document.getElementById('units').hidden = units.length === 0;
    document.querySelector('#units tbody').replaceChildren(...units.map((u) => el('tr', me.unit && me.unit.id === u.unit.id ? { 'aria-current': 'true' } : {},
      el('td', {}, u.unit.name + (me.unit && me.unit.id === u.unit.id ? '（当前）' : '')), el('td', {}, u.unit.uscc), el('td', {}, u.unit.unit_number),
      el('td', {}, ROLE[u.role] || u.role), el('td', {}, u.scope ? u.scope.length + ' 项事项' : '全部业务'),
      el('td', {}, u.valid_until ? (u.valid_from || '') + ' 至 ' + u.valid_until : '长期'),
      el('td', {}, u.valid_now ? '有效' : '已失效'))));
  }

  // 我的设备: every live session of the person; any but this one can be ended here.
  const CHANNEL = { web: '电脑网页', app: '手机', kiosk: '自助终端' };
  const when = (t) => new Date(t).toLocaleString('zh-CN');
  async function devices() {
    const list = (await api('GET', '/api/v1/persons/me/sessions')).sessions;
    document.querySelector('#devices tbody').replaceChildren(...list.map((s) => el('tr', { 'data-channel': s.channel },
      el('td', {}, (CHANNEL[s.channel] || s.channel) + (s.device ? ' · ' + s.device : '') + (s.current ? '（本设备）' : '')),
      el('td', {}, s.unit ? s.unit + ' · ' + (ROLE[s.role] || s.role) : s.office ? s.office + ' · ' + ROLE.staff : ROLE.person),
      el('td', {}, when(s.created_at)), el('td', {}, when(s.last_seen_at)),
      el('td', {}, s.current ? '' : el('button', { type: 'button', class: 'danger', onclick: async () => {
        try {
          await api('DELETE', '/api/v1/persons/me/sessions/' + s.id);
          msg.classList.remove('error');
          msg.textContent = '已退出该设备上的登录';
          await devices();
        } catch (err) { msg.classList.add('error'); msg.textContent = err.message; }
      } }, '退出该设备')))));
  }
  devices().catch((err) => { msg.classList.add('error'); msg.textContent = err.message; });

  document.getElementById('password-change').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    msg.classList.remove('error');
    if (f.new_password.value !== f.repeat_password.value) {
      msg.classList.add('error');
      msg.textContent = '两次输入的新密码不一致';
      return;
    }
    try {
      await api('POST', '/api/v1/persons/me/password-change', { current_password: f.current_password.value, new_password: f.new_password.value });
      f.reset();
      msg.textContent = '密码已修改，您在其他设备上的登录已退出';
    } catch (err) {
      msg.classList.add('error');
      msg.textContent = err.message;
    }
  });

  const mobile = document.getElementById('mobile-change');
  document.getElementById('mobile-code').addEventListener('click', async () => {
    msg.classList.remove('error');
    try {
      const r = await api('POST', '/api/v1/persons/me/mobile-change', { new_mobile: mobile.new_mobile.value.trim() });
      msg.textContent = '验证码已发送至新手机号码，' + Math.round(r.expires_in / 60) + ' 分钟内有效';
    } catch (err) { msg.classList.add('error'); msg.textContent = err.message; }
  });
  mobile.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.classList.remove('error');
    try {
      await api('POST', '/api/v1/persons/me/mobile-change/confirmation',
        { new_mobile: mobile.new_mobile.value.trim(), code: mobile.code.value.trim(), password: mobile.password.value });
      mobile.reset();
      msg.textContent = '手机号码已修改';
      await load();
    } catch (err) { msg.classList.add('error'); msg.textContent = err.message; }
  });

  load().catch((e) => { msg.textContent = e.status === 401 ? '请先登录' : e.message; });
})();
