'use strict';
// 单位授权管理, for the unit's legal representative and its administrator: the grants of the unit,
// 开通授权 (an agent with a scope from the catalogue and a validity window; the administrator,
// for the legal representative only), changes and 撤销. A change reaches open sessions at once.
// Below, the unit's activity log (操作记录).
(function () {
  const msg = document.getElementById('message');
  const form = document.getElementById('grant-form');
  const ROLE = { legal_rep: '法定代表人', admin: '管理员', agent: '经办人' };
  const say = (text, error) => { msg.textContent = text; msg.classList.toggle('error', !!error); };
  let me = null;
  let services = [];
  let editing = null;  // the grant being changed
  const base = () => '/api/v1/units/' + me.unit.id + '/grants';
  const names = (scope) => (scope ? scope.map((c) => (services.find((s) => s.code === c) || { name: c }).name).join('、') : '全部业务');

  function row(g) {
    const change = el('button', { type: 'button', 'data-grant': g.id, onclick: () => edit(g) }, '修改');
    const revoke = el('button', { type: 'button', class: 'danger', 'data-revoke': g.id, onclick: () => askRevoke(g) }, '撤销');
    const mayManage = me.role === 'legal_rep' || g.role === 'agent';
    return el('tr', { 'data-grant-row': g.id },
      el('td', {}, g.person.name), el('td', {}, g.person.id_number), el('td', {}, ROLE[g.role] || g.role),
      el('td', {}, g.role === 'agent' ? names(g.scope) : '—'), el('td', {}, g.valid_from + ' 至 ' + g.valid_until),
      el('td', {}, el('span', { class: 'badge' + (g.valid_now ? '' : ' warn') }, g.valid_now ? '有效' : '未生效或已过期')),
      el('td', {}, ...(mayManage ? [change, ' ', revoke] : ['—'])));
  }

  async function load() {
    const data = await api('GET', base());
    document.querySelector('#grants tbody').replaceChildren(...data.grants.map(row));
    const agents = data.grants.filter((g) => g.role === 'agent').length;
    document.getElementById('limit-hint').textContent = '经办人 ' + agents + ' / ' + data.agent_limit + ' 名';
  }

  function edit(g) {
    editing = g;
    form.role.value = g.role;
    form.role.disabled = true;
    form.name.value = g.person.name;
    form.id_number.value = g.person.id_number;
    form.name.disabled = form.id_number.disabled = true;
    form.scope_mode.value = g.scope ? 'some' : 'all';
    for (const box of form.querySelectorAll('input[name=scope]')) box.checked = !!(g.scope && g.scope.includes(box.value));
    form.valid_from.value = g.valid_from;
    form.valid_until.value = g.valid_until;
    document.getElementById('form-title').textContent = '修改授权';
    document.getElementById('grant-submit').textContent = '保存修改';
    document.getElementById('grant-cancel').hidden = false;
    form.scrollIntoView();
  }

  function reset() {
    editing = null;
    form.reset();
    form.role.disabled = form.name.disabled = form.id_number.disabled = false;
    document.getElementById('form-title').textContent = '开通授权';
    document.getElementById('grant-submit').textContent = '开通授权';
    document.getElementById('grant-cancel').hidden = true;
    syncRole();
  }

  function syncRole() {  // an administrator has no scope
    document.getElementById('scope-field').hidden = form.role.value !== 'agent';
  }

  const dialog = document.getElementById('revoke-dialog');
  let revoking = null;
  function askRevoke(g) {
    revoking = g;
    document.getElementById('revoke-text').textContent = '撤销 ' + g.person.name + ' 的' + (ROLE[g.role] || g.role) + '授权后，其正在进行的登录立即失效。';
    dialog.showModal();
  }
  document.getElementById('revoke-cancel').addEventListener('click', () => dialog.close());
  document.getElementById('revoke-confirm').addEventListener('click', async () => {
    dialog.close();
    try { await api('DELETE', base() + '/' + revoking.id); say('已撤销授权'); await load(); } catch (e) { say(e.message, true); }
  });

  // 操作记录: the unit's activity, newest first, by category, a page at a time.
  const EVENT = {
    login: '登录', logout: '退出登录', login_failed: '登录失败', qr_login_confirmed: '扫码确认登录',
    grant_created: '开通授权', grant_changed: '修改授权', grant_revoked: '撤销授权', legal_rep_changed: '变更法定代表人',
    application_submitted: '提交申报', application_withdraw: '撤回申请', application_resubmit: '补正后重新提交',
    application_accept: '受理', application_refuse: '不予受理', application_request_correction: '要求补正',
    application_approve: '准予许可', application_reject: '不予许可', application_complete: '办结',
  };
  let activityNext = null;
  async function loadActivity(more) {
    const category = document.querySelector('#activity-filter select').value;
    const q = new URLSearchParams({ limit: '20' });
    if (category) q.set('category', category);
    if (more && activityNext) q.set('before', activityNext);
    const page = await api('GET', '/api/v1/units/' + me.unit.id + '/activity?' + q);
    const body = document.querySelector('#activity tbody');
    const rows = page.items.map((a) => el('tr', { 'data-event': a.event },
      el('td', {}, new Date(a.at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })),
      el('td', {}, (EVENT[a.event] || a.event) + (a.application_id ? '（办件 ' + a.application_id + '）' : '')),
      el('td', {}, a.actor || '—'), el('td', {}, a.subject || '—'), el('td', {}, a.ip || '—')));
    if (more) body.append(...rows); else body.replaceChildren(...rows);
    activityNext = page.next_before;
    document.getElementById('activity-more').hidden = !activityNext;
  }
  document.querySelector('#activity-filter select').addEventListener('change', () => loadActivity(false).catch((e) => say(e.message, true)));
  document.getElementById('activity-more').addEventListener('click', () => loadActivity(true).catch((e) => say(e.message, true)));

  form.role.addEventListener('change', syncRole);
  document.getElementById('grant-cancel').addEventListener('click', reset);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const scope = form.role.value === 'agent' && form.scope_mode.value === 'some'
      ? [...form.querySelectorAll('input[name=scope]:checked')].map((b) => b.value) : null;
    if (scope && !scope.length) return say('请至少选择一个事项，或选择“全部业务”', true);
    try {
      if (editing) {
        const body = { valid_until: form.valid_until.value };
        if (editing.role === 'agent') body.scope = scope;
        if (form.valid_from.value && form.valid_from.value !== editing.valid_from) body.valid_from = form.valid_from.value;
        await api('PATCH', base() + '/' + editing.id, body);
        say('授权已修改');
      } else {
        const body = { role: form.role.value, person: { name: form.name.value.trim(), id_number: form.id_number.value.trim() },
          valid_until: form.valid_until.value };
        if (form.valid_from.value) body.valid_from = form.valid_from.value;
        if (form.role.value === 'agent' && scope) body.scope = scope;
        await api('POST', base(), body);
        say('授权已开通');
      }
      reset();
      await load();
    } catch (err) { say(err.message, true); }
  });

  (async function () {
    me = await api('GET', '/api/v1/sessions/current');
    if (!me.unit || (me.role !== 'legal_rep' && me.role !== 'admin')) {
      form.hidden = true;
      return say('只有单位的法定代表人或管理员可以管理授权', true);
    }
    if (me.role !== 'legal_rep') form.role.querySelector('option[value=admin]').remove();  // an administrator appoints agents only
    document.getElementById('unit-info').replaceChildren(el('dt', {}, '单位名称'), el('dd', {}, me.unit.name),
      el('dt', {}, '统一社会信用代码'), el('dd', {}, me.unit.uscc), el('dt', {}, '您的角色'), el('dd', {}, ROLE[me.role] || me.role));
    services = (await api('GET', '/api/v1/services')).services;
    document.getElementById('scope-services').replaceChildren(...services.map((s) =>
      el('label', { class: 'inline' }, el('input', { type: 'checkbox', name: 'scope', value: s.code }), ' ' + s.name)));
    syncRole();
    await load();
    await loadActivity(false);
  })().catch((e) => say(e.status === 401 ? '请先登录' : e.message, true));
})();
