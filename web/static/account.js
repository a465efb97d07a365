'use strict';
// 个人信息 (masked, as the server gives it) and 修改密码: after a change every other session of
// the person has ended, this one goes on.
(function () {
  const msg = document.getElementById('message');
  applyTexts();
  const role = (r) => t(r);  // person, legal_rep, admin, agent, staff

  async function load() {
    const me = await api('GET', '/api/v1/sessions/current');
    const rows = [[t('name'), me.person.name_masked], [t('idNumber'), me.person.id_number], [t('mobile'), me.person.mobile || t('notRecorded')]];
    if (me.unit) rows.push([t('currentUnit'), me.unit.name + t('roleInBrackets', { role: role(me.role) })], [t('uscc'), me.unit.uscc]);
    document.getElementById('register-unit').hidden = !!me.unit;
    document.getElementById('profile').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    // 单位信息: every unit the person may act for, with their role and its validity.
    const units = (await api('GET', '/api/v1/me/units')).units;
    document.getElementById('no-units').hidden = units.length > 0;
    document.getElementById('units').hidden = units.length === 0;
    document.querySelector('#units tbody').replaceChildren(...units.map((u) => el('tr', me.unit && me.unit.id === u.unit.id ? { 'aria-current': 'true' } : {},
      el('td', {}, u.unit.name + (me.unit && me.unit.id === u.unit.id ? t('currentMark') : '')), el('td', {}, u.unit.uscc), el('td', {}, u.unit.unit_number),
      el('td', {}, role(u.role)), el('td', {}, u.scope ? t('nServices', { n: u.scope.length }) : t('allServices')),
      el('td', {}, u.valid_until ? t('fromTo', { from: u.valid_from || '', until: u.valid_until }) : t('noEnd')),
      el('td', {}, u.valid_now ? t('valid') : t('ended')))));
  }

  // 我的设备: every live session of the person; any but this one can be ended here.
  const CHANNEL = { web: t('channelWeb'), app: t('channelApp'), kiosk: t('channelKiosk') };
  const when = (time) => new Date(time).toLocaleString(HP_EN ? 'en-GB' : 'zh-CN');
  async function devices() {
    const list = (await api('GET', '/api/v1/persons/me/sessions')).sessions;
    document.querySelector('#devices tbody').replaceChildren(...list.map((s) => el('tr', { 'data-channel': s.channel },
      el('td', {}, (CHANNEL[s.channel] || s.channel) + (s.device ? ' · ' + s.device : '') + (s.current ? t('thisDevice') : '')),
      el('td', {}, s.unit ? s.unit + ' · ' + role(s.role) : s.office ? s.office + ' · ' + role('staff') : role('person')),
      el('td', {}, when(s.created_at)), el('td', {}, when(s.last_seen_at)),
      el('td', {}, s.current ? '' : el('button', { type: 'button', class: 'danger', onclick: async () => {
        try {
          await api('DELETE', '/api/v1/persons/me/sessions/' + s.id);
          msg.classList.remove('error');
          msg.textContent = t('deviceSignedOut');
          await devices();
        } catch (err) { msg.classList.add('error'); msg.textContent = errorText(err); }
      } }, t('signOutDevice'))))));
  }
  devices().catch((err) => { msg.classList.add('error'); msg.textContent = errorText(err); });

  document.getElementById('password-change').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    msg.classList.remove('error');
    if (f.new_password.value !== f.repeat_password.value) {
      msg.classList.add('error');
      msg.textContent = t('passwordsDiffer');
      return;
    }
    try {
      await api('POST', '/api/v1/persons/me/password-change', { current_password: f.current_password.value, new_password: f.new_password.value });
      f.reset();
      msg.textContent = t('passwordChanged');
    } catch (err) {
      msg.classList.add('error');
      msg.textContent = errorText(err);
    }
  });

  const mobile = document.getElementById('mobile-change');
  document.getElementById('mobile-code').addEventListener('click', async () => {
    msg.classList.remove('error');
    try {
      const r = await api('POST', '/api/v1/persons/me/mobile-change', { new_mobile: mobile.new_mobile.value.trim() });
      msg.textContent = t('codeSent', { n: Math.round(r.expires_in / 60) });
    } catch (err) { msg.classList.add('error'); msg.textContent = errorText(err); }
  });
  mobile.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.classList.remove('error');
    try {
      await api('POST', '/api/v1/persons/me/mobile-change/confirmation',
        { new_mobile: mobile.new_mobile.value.trim(), code: mobile.code.value.trim(), password: mobile.password.value });
      mobile.reset();
      msg.textContent = t('mobileChanged');
      await load();
    } catch (err) { msg.classList.add('error'); msg.textContent = errorText(err); }
  });

  load().catch((e) => { msg.textContent = e.status === 401 ? t('signInPlease') : errorText(e); });
})();
