'use strict';
(async function () {
  const msg = document.getElementById('message');
  applyTexts();
  if (HP_EN) {  // the Chinese headings carry their English beside them
    document.getElementById('services-title').textContent = t('services');
    document.getElementById('mine-title').textContent = t('myApplications');
  }
  try {
    const all = (await api('GET', '/api/v1/services')).services;
    // An agent sees the services of their grant's scope only; the unit's managers get its grants page.
    const me = await api('GET', '/api/v1/sessions/current').catch(() => null);
    const services = me && me.scope ? all.filter((s) => me.scope.includes(s.code)) : all;
    if (me && me.scope) {
      const hint = document.getElementById('scope-hint');
      hint.hidden = false;
      hint.textContent = t('scopeHint', { unit: me.unit.name, services: services.map((s) => s.name).join(HP_EN ? '; ' : '、') });
    }
    document.getElementById('unit-link').hidden = !(me && (me.role === 'legal_rep' || me.role === 'admin'));
    const body = document.querySelector('#services tbody');
    for (const s of services) {
      const start = el('button', { type: 'button', 'data-service': s.code, onclick: async () => {
        try {
          const a = await api('POST', '/api/v1/applications', { service_code: s.code });
          location.href = '/applications/' + a.id;
        } catch (e) { msg.textContent = errorText(e); }
      } }, t('applyOnline'));
      body.append(el('tr', {}, el('td', {}, s.name), el('td', {}, s.authority), el('td', {}, t('workingDays', { n: s.time_limit_days })), el('td', {}, start)));
    }
    // 我的办件 in three tabs: 办理中, 已办结, 待评价 (completed and not rated yet).
    const names = Object.fromEntries(all.map((s) => [s.code, s.name]));
    const mine = await api('GET', '/api/v1/applications');
    const tb = document.querySelector('#mine tbody');
    const show = (tab) => {
      for (const b of document.querySelectorAll('[role=tab]')) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
      document.getElementById('mine-panel').setAttribute('aria-labelledby', 'tab-' + tab);
      tb.replaceChildren(...mine[tab].map((a) => el('tr', { 'data-application': a.id },
        el('td', {}, el('a', { href: '/applications/' + a.id }, a.id)), el('td', {}, names[a.service_code] || a.service_code),
        el('td', {}, el('span', { class: 'badge state-' + a.state }, STATE_LABEL[a.state] || a.state)),
        el('td', {}, a.submitted_at ? new Date(a.submitted_at).toLocaleString(HP_EN ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai' }) : '—'))));
      if (!mine[tab].length) tb.append(el('tr', {}, el('td', { colspan: 4, class: 'hint' }, t('none'))));
    };
    for (const b of document.querySelectorAll('[role=tab]')) {
      b.querySelector('.n').textContent = '(' + mine[b.dataset.tab].length + ')';
      b.addEventListener('click', () => show(b.dataset.tab));
    }
    show('in_progress');
  } catch (e) {
    msg.textContent = e.status === 401 ? t('pleaseSignIn') : errorText(e);
  }
})();
