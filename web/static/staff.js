'use strict';
// The hall staff's portal: sign-in with the office, the work queue (kept live by Server-Sent
// Events), one application with its pages and timeline, and the actions its state allows.
(function () {
  const msg = document.getElementById('message');
  const SECTIONS = [
    ['pending_acceptance', '待受理', (i) => i.section === 'pending_acceptance'],
    ['in_review', '审核中', (i) => i.section === 'in_review'],
    ['awaiting_correction', '待补正', (i) => i.section === 'awaiting_correction'],
    ['missing_tolerated', '容缺待补齐', (i) => i.missing_tolerated.length > 0],
    ['due', '即将超期·已超期', (i) => i.due_soon || i.overdue],
    ['decided', '待办结', (i) => i.section === 'decided'],
  ];
  // Which role may take which action from which state (docs/openapi.yaml, actOnApplication).
  const ACTIONS = [
    { action: 'accept', label: '受理', from: ['submitted'], roles: ['clerk', 'head'] },
    { action: 'refuse', label: '不予受理', from: ['submitted'], roles: ['clerk', 'head'], danger: true },
    { action: 'request_correction', label: '补正', from: ['submitted'], roles: ['clerk', 'head'] },
    { action: 'request_correction', label: '补正', from: ['accepted'], roles: ['reviewer', 'head'] },
    { action: 'approve', label: '准予许可', from: ['accepted'], roles: ['reviewer', 'head'] },
    { action: 'reject', label: '不予许可', from: ['accepted'], roles: ['reviewer', 'head'], danger: true },
    { action: 'complete', label: '办结', from: ['approved', 'rejected'], roles: ['clerk', 'reviewer', 'head'] },
  ];
  const ROLE_LABEL = { clerk: '受理人员', reviewer: '审核人员', head: '负责人', applicant: '申请人' };
  let me = null;
  let events = null;
  let shown = null;  // the application open in the detail view

  const errorText = (e) => (e.data && e.data.error ? e.data.error.message : e.message);
  const show = (id) => { for (const s of ['signin', 'queue', 'detail']) document.getElementById(s).hidden = s !== id; };
  const detailId = () => { const m = location.pathname.match(/^\/staff\/applications\/(\d+)$/); return m ? m[1] : null; };
  const time = (s) => (s ? s.replace('T', ' ').slice(0, 16) : '');

  let qr = null;
  async function signInForm() {
    show('signin');
    // By QR with the staff member's own phone, which confirms for an office.
    if (!qr) {
      qr = qrLogin(async (s) => {
        if (s.office) { await start().catch((e) => { msg.textContent = errorText(e); }); return; }
        // Confirmed as an applicant, not as staff: that session has no place here.
        try { await api('DELETE', '/api/v1/sessions/current'); } catch (e) { /* gone already */ }
        localStorage.removeItem('hp_csrf');
        msg.textContent = '请在手机上选择“以工作人员身份登录”及办事机构后确认';
        qr.refresh();
      });
    }
    const services = await api('GET', '/api/v1/services');
    const select = document.querySelector('#signin-form select[name=office]');
    const offices = new Map();
    for (const s of services.services) if (s.office) offices.set(s.office.code, s.office.name);
    select.replaceChildren(...[...offices].map(([code, name]) => el('option', { value: code }, name)));
  }

  document.getElementById('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      const s = await api('POST', '/api/v1/sessions', { office: f.office.value, account: f.account.value.trim(), password: f.password.value, channel: 'web' });
      localStorage.setItem('hp_csrf', s.csrf_token);
      f.password.value = '';
      msg.textContent = '';
      await start();
    } catch (err) { msg.textContent = errorText(err); }
  });

  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('DELETE', '/api/v1/sessions/current'); } catch (e) { /* already gone */ }
    localStorage.removeItem('hp_csrf');
    location.href = '/staff';
  });

  function queueRow(i) {
    const left = i.working_days_left === null ? '—' : i.working_days_left < 0 ? '超期 ' + (-i.working_days_left) + ' 天' : i.working_days_left + ' 天';
    const badge = i.overdue ? el('span', { class: 'badge danger' }, '已超期') : i.due_soon ? el('span', { class: 'badge warn' }, '即将超期') : '';
    const open = el('a', { href: '/staff/applications/' + i.id, onclick: (e) => { e.preventDefault(); go('/staff/applications/' + i.id); } }, i.id);
    return el('tr', { 'data-application': i.id, class: 'clickable', onclick: (e) => { if (e.target !== open) go('/staff/applications/' + i.id); } },
      el('td', {}, open), el('td', {}, i.service_name), el('td', {}, i.unit ? i.unit.name : i.applicant_name),
      el('td', {}, time(i.submitted_at)), el('td', { class: 'days' }, left, ' ', badge),
      el('td', {}, el('span', { class: 'badge state-' + i.state }, i.state_label)));
  }

  async function loadQueue() {
    const q = document.querySelector('#search input[name=q]').value.trim();
    const data = await api('GET', '/api/v1/staff/queue' + (q ? '?q=' + encodeURIComponent(q) : ''));
    document.getElementById('office-name').textContent = data.office.name + ' · 工作队列';
    document.getElementById('queue-meta').textContent = '今天 ' + data.today + '，按' + data.calendar + '计算工作日';
    const out = [];
    for (const [key, label, test] of SECTIONS) {
      const items = data.items.filter(test);
      const table = el('table', { class: 'list' },
        el('thead', {}, el('tr', {}, ...['编号', '事项', '单位', '提交时间', '剩余工作日', '状态'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...items.map(queueRow)));
      out.push(el('section', { class: 'queue-section', 'data-section': key },
        el('h2', {}, label, ' ', el('span', { class: 'count' }, items.length)),
        items.length ? el('div', { class: 'table-scroll' }, table) : el('p', { class: 'hint' }, '暂无')));
    }
    document.getElementById('sections').replaceChildren(...out);
  }

  function thumbnails(m) {
    if (!m.pages.length) return el('p', { class: 'hint' }, '未上传');
    return el('div', { class: 'thumbs' }, ...m.pages.map((p) => p.content_type === 'video/mp4'
      // A video plays in the browser, which fetches it by byte range.
      ? el('video', { src: p.image_url, controls: '', preload: 'metadata', width: 240, 'data-page': p.id, 'aria-label': m.name })
      : el('button', {
        type: 'button', class: 'thumb-button', 'data-page': p.id, onclick: () => openImage(p.image_url),
      }, el('img', { src: p.thumbnail_url, alt: m.name + ' 第' + p.position + '页', width: 96 }))));
  }

  function timelineItem(e) {
    const who = (ROLE_LABEL[e.actor_role] || e.actor_role) + (e.actor_name ? ' ' + e.actor_name : '');
    const extra = [];
    const d = e.details || {};
    if (d.materials) for (const m of d.materials) extra.push(el('li', {}, materialName(m.material) + '：' + m.comment));
    if (d.deadline) extra.push(el('li', {}, '补正期限 ' + d.deadline));
    if (d.due_date) extra.push(el('li', {}, '办结期限 ' + d.due_date + (d.calendar ? '（' + d.calendar + '）' : '')));
    if (d.licence_number) extra.push(el('li', {}, '许可证编号 ' + d.licence_number));
    return el('li', { 'data-action': e.action }, el('div', { class: 'when' }, time(e.at)),
      el('div', {}, el('strong', {}, ACTION_LABEL[e.action] || e.action), ' · ', who),
      e.comment ? el('p', { class: 'comment' }, e.comment) : '', extra.length ? el('ul', {}, ...extra) : '');
  }

  function materialName(code) {
    const m = shown && shown.materials.find((x) => x.code === code);
    return m ? m.name : code;
  }

  function renderDetail(a) {
    shown = a;
    document.getElementById('detail-title').textContent = a.service.name + ' · ' + a.id;
    const meta = document.getElementById('detail-meta');
    meta.replaceChildren(el('span', { class: 'badge state-' + a.state }, a.state_label), ' 提交于 ' + time(a.submitted_at),
      a.due_date ? '，办结期限 ' + a.due_date + (a.calendar ? '（' + a.calendar + '）' : '') : '',
      a.supply_deadline ? '，容缺材料补齐期限 ' + a.supply_deadline : '',
      a.correction_deadline && a.state === 'correction' ? '，补正期限 ' + a.correction_deadline : '',
      a.decision_text ? el('span', { class: 'decision' }, '决定：' + a.decision_text + (a.licence_number ? '（' + a.licence_number + '）' : '')) : '');
    const fields = [];
    const FORM_LABEL = { contact_name: '经办人姓名', contact_mobile: '手机号码', contact_mobile_masked: '手机号码', email: '电子邮箱', postcode: '邮编', address: '经营地址' };
    for (const [k, v] of Object.entries(a.form || {})) if (v !== '' && v !== null) fields.push(el('dt', {}, FORM_LABEL[k] || k), el('dd', {}, String(v)));
    document.getElementById('form-fields').replaceChildren(...fields);
    document.getElementById('detail-materials').replaceChildren(...a.materials.map((m) => el('div', { class: 'material', 'data-material': m.code },
      el('h3', {}, m.name, ' ', el('span', { class: 'badge' }, m.required ? '必交' : '选交'),
        m.status === 'tolerable' ? el('span', { class: 'badge warn' }, '容缺') : ''),
      thumbnails(m))));
    document.getElementById('timeline').replaceChildren(...a.timeline.map(timelineItem));
    // The 受理回执 once accepted, the decision once there is one (PDF).
    const docs = document.getElementById('detail-documents');
    docs.replaceChildren();
    const base = '/api/v1/applications/' + a.id + '/documents/';
    if (a.accepted_at) docs.append(el('a', { class: 'button', id: 'staff-receipt', href: base + 'receipt' }, '受理回执（PDF）'));
    if (a.decided_at || a.state === 'not_accepted') docs.append(el('a', { class: 'button', id: 'staff-decision', href: base + 'decision' }, '决定书（PDF）'));
    // 办件评价, shown to the office's head only.
    const rating = document.getElementById('detail-rating');
    rating.hidden = !a.rating;
    if (a.rating) rating.replaceChildren(el('h2', {}, '办件评价'), el('p', {}, '★'.repeat(a.rating.stars) + '☆'.repeat(5 - a.rating.stars) + '（' + a.rating.stars + ' 星）'),
      a.rating.comment ? el('p', {}, a.rating.comment) : '', el('p', { class: 'hint' }, '评价时间 ' + time(a.rating.rated_at)));
    const role = me.office.role;
    const buttons = ACTIONS.filter((x) => x.from.includes(a.state) && x.roles.includes(role))
      .map((x) => el('button', { type: 'button', class: x.danger ? 'danger' : 'primary', 'data-action': x.action, onclick: () => openAction(x) }, x.label));
    document.getElementById('actions').replaceChildren(...(buttons.length ? buttons : [el('p', { class: 'hint' }, '当前状态下没有您可办理的操作')]));
  }

  async function loadDetail(id) {
    renderDetail(await api('GET', '/api/v1/staff/applications/' + id));
  }

  // The dialog of one action: what it needs, then POST .../actions.
  const dialog = document.getElementById('action-dialog');
  let pending = null;
  function field(label, input) { return el('label', {}, label, input); }
  function openAction(x) {
    pending = x;
    document.getElementById('action-title').textContent = x.label;
    document.getElementById('action-message').textContent = '';
    const fields = [];
    if (x.action === 'refuse') fields.push(field('不予受理理由', el('textarea', { name: 'comment', required: '', maxlength: 2000, rows: 4 })));
    if (x.action === 'approve' || x.action === 'reject') fields.push(field('决定内容', el('textarea', { name: 'comment', required: '', maxlength: 2000, rows: 4 })));
    if (x.action === 'approve') fields.push(field('许可证编号（可不填，自动生成）', el('input', { name: 'licence_number', maxlength: 64 })));
    if (x.action === 'accept' || x.action === 'complete') fields.push(field('意见（可不填）', el('textarea', { name: 'comment', maxlength: 2000, rows: 3 })));
    if (x.action === 'request_correction') {
      fields.push(el('p', { class: 'hint' }, '勾选需要补正的材料，并写明补正要求'));
      for (const m of shown.materials) {
        const comment = el('input', { name: 'comment-' + m.code, maxlength: 2000, 'aria-label': m.name + ' 补正要求', placeholder: '补正要求' });
        fields.push(el('div', { class: 'pick', 'data-material': m.code },
          el('label', { class: 'inline' }, el('input', { type: 'checkbox', name: 'pick', value: m.code }), ' ' + m.name), comment));
      }
      const soon = new Date(Date.now() + 14 * 864e5).toISOString().slice(0, 10);
      fields.push(field('补正期限', el('input', { type: 'date', name: 'deadline', required: '', value: soon })));
      fields.push(field('总体说明（可不填）', el('textarea', { name: 'comment', maxlength: 2000, rows: 2 })));
    }
    document.getElementById('action-fields').replaceChildren(...fields);
    dialog.showModal();
  }

  document.getElementById('action-cancel').addEventListener('click', () => dialog.close());
  document.getElementById('action-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = { action: pending.action };
    if (f.comment && f.comment.value.trim()) body.comment = f.comment.value.trim();
    if (f.licence_number && f.licence_number.value.trim()) body.licence_number = f.licence_number.value.trim();
    if (pending.action === 'request_correction') {
      body.deadline = f.deadline.value;
      body.materials = [...f.querySelectorAll('input[name=pick]:checked')].map((c) => ({ material: c.value, comment: f['comment-' + c.value].value.trim() }));
    }
    try {
      const a = await api('POST', '/api/v1/staff/applications/' + shown.id + '/actions', body);
      dialog.close();
      await loadDetail(a.id);
      msg.textContent = '';
    } catch (err) { document.getElementById('action-message').textContent = errorText(err); }
  });

  // The large image of a page, zoomable with the buttons or the mouse wheel.
  const viewer = document.getElementById('image-dialog');
  const large = document.getElementById('image-large');
  let zoom = 1;
  const setZoom = (z) => { zoom = Math.min(4, Math.max(0.5, z)); large.style.width = (zoom * 100) + '%'; };
  function openImage(url) { large.src = url; setZoom(1); viewer.showModal(); }
  document.getElementById('zoom-in').addEventListener('click', () => setZoom(zoom * 1.25));
  document.getElementById('zoom-out').addEventListener('click', () => setZoom(zoom / 1.25));
  document.getElementById('image-close').addEventListener('click', () => viewer.close());
  large.addEventListener('wheel', (e) => { e.preventDefault(); setZoom(zoom * (e.deltaY < 0 ? 1.1 : 1 / 1.1)); });

  function go(path) { history.pushState(null, '', path); route().catch((e) => { msg.textContent = errorText(e); }); }
  async function route() {
    const id = detailId();
    if (id) { show('detail'); await loadDetail(id); } else { shown = null; show('queue'); await loadQueue(); }
  }
  window.addEventListener('popstate', () => route().catch((e) => { msg.textContent = errorText(e); }));
  document.getElementById('back').addEventListener('click', (e) => { e.preventDefault(); go('/staff'); });
  document.getElementById('search').addEventListener('submit', (e) => { e.preventDefault(); loadQueue().catch((err) => { msg.textContent = errorText(err); }); });

  async function start() {
    me = await api('GET', '/api/v1/sessions/current');
    if (!me.office) throw Object.assign(new Error('not staff'), { status: 401 });
    document.getElementById('who').textContent = me.person.name + '（' + (ROLE_LABEL[me.office.role] || me.office.role) + '）';
    document.getElementById('logout').hidden = false;
    await route();
    events = new EventSource('/api/v1/staff/queue/events');
    events.addEventListener('changed', () => {
      const id = detailId();
      (id ? loadDetail(id) : loadQueue()).catch(() => {});
    });
  }

  start().catch((e) => {
    if (e.status === 401 || e.status === 403) signInForm().catch((err) => { msg.textContent = errorText(err); });
    else msg.textContent = errorText(e);
  });
})();
