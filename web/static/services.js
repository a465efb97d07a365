'use strict';
(async function () {
  const msg = document.getElementById('message');
  try {
    const { services } = await api('GET', '/api/v1/services');
    const body = document.querySelector('#services tbody');
    for (const s of services) {
      const start = el('button', { type: 'button', 'data-service': s.code, onclick: async () => {
        try {
          const a = await api('POST', '/api/v1/applications', { service_code: s.code });
          location.href = '/applications/' + a.id;
        } catch (e) { msg.textContent = e.message; }
      } }, '在线办理');
      body.append(el('tr', {}, el('td', {}, s.name), el('td', {}, s.authority), el('td', {}, s.time_limit_days + ' 个工作日'), el('td', {}, start)));
    }
    const mine = await api('GET', '/api/v1/applications');
    const tb = document.querySelector('#mine tbody');
    for (const a of [...mine.in_progress, ...mine.finished]) {
      tb.append(el('tr', {}, el('td', {}, el('a', { href: '/applications/' + a.id }, a.id)), el('td', {}, a.service_code),
        el('td', {}, STATE_LABEL[a.state] || a.state), el('td', {}, a.progress)));
    }
  } catch (e) {
    msg.textContent = e.status === 401 ? '请先登录 / please sign in' : e.message;
  }
})();
