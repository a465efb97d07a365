'use strict';
// The portal's application page: the four steps, and the material list that updates itself
// (Server-Sent Events) when a phone adds a page. After submission: the state, the hall's
// timeline with its comments, 补正 of the reopened materials, 容缺 supply, 撤回 and the result.
(function () {
  const id = location.pathname.split('/').pop();
  const base = '/api/v1/applications/' + id;
  const msg = document.getElementById('message');
  let current = null;
  let timeline = [];

  function showStep(step) {
    for (const p of document.querySelectorAll('[data-panel]')) p.hidden = p.dataset.panel !== step;
    for (const li of document.querySelectorAll('#steps li')) li.classList.toggle('active', li.dataset.step === step);
  }

  function materialRow(m) {
    const thumbs = el('div', { class: 'thumbs' });
    for (const p of m.pages) {
      if (p.content_type === 'video/mp4') {
        const mb = (p.bytes / 1048576).toFixed(1);
        thumbs.append(el('span', { class: 'thumb', 'data-page': p.id }, el('a', { href: p.image_url, target: '_blank', rel: 'noopener' }, '视频（' + mb + ' MB）'),
          ...(materialOpen(m) ? [el('button', { type: 'button', title: '删除', onclick: () => removePage(m, p.id) }, '删除')] : [])));
        continue;
      }
      const img = el('img', { alt: m.name + ' 第' + p.position + '页', 'data-page': p.id, width: 48 });
      fetch(p.thumbnail_url, { credentials: 'same-origin' }).then((r) => r.blob()).then((b) => { img.src = URL.createObjectURL(b); });
      const up = el('button', { type: 'button', title: '前移', onclick: () => move(m, p.id, -1) }, '↑');
      const del = el('button', { type: 'button', title: '删除', onclick: () => removePage(m, p.id) }, '删除');
      const view = el('a', { href: '#', onclick: (e) => { e.preventDefault(); openImage(p.image_url); } }, '查看');
      thumbs.append(el('span', { class: 'thumb' }, img, view, ...(materialOpen(m) ? [up, del] : [])));
    }
    const accept = { video: 'video/mp4', pdf: 'application/pdf' }[m.kind] || 'image/*';
    const file = el('input', { type: 'file', accept, hidden: '', onchange: (e) => uploadFile(m, e.target.files[0]) });
    const status = { uploaded: '已上传', missing: '未上传', tolerable: '可容缺（' + (m.supply_days || 7) + '个工作日内补正）',
      optional: '选填', not_needed: '无需提交（相关材料已齐）' }[m.status];
    const frozen = !materialOpen(m);
    const reopened = correctionComments()[m.code];
    const notes = [m.hint, m.origin ? '资料来源：' + m.origin : ''].filter(Boolean).join(' ');
    const about = el('p', { class: 'hint material-hint' }, notes,
      m.template_url ? el('a', { href: m.template_url, target: '_blank', rel: 'noopener' }, ' 下载模板') : '');
    return el('tr', { 'data-material': m.code, 'data-status': m.status },
      el('td', {}, m.status === 'optional' ? '选' : m.status === 'not_needed' ? '—' : '必'),
      el('td', {}, m.name, notes || m.template_url ? about : '',
        reopened !== undefined ? el('p', { class: 'comment' }, '补正要求：' + (reopened || '请重新上传')) : ''),
      el('td', { class: 'material-status' }, status),
      el('td', {}, thumbs),
      el('td', {}, frozen ? el('a', { href: base + '/materials/' + m.code + '/pdf' }, '下载PDF') : el('span', {},
        el('button', { type: 'button', onclick: () => file.click() }, '上传'), file,
        m.kind === 'video' || m.kind === 'pdf' ? '' : el('button', { type: 'button', class: 'qr-button', onclick: () => showQr(m) }, '二维码'))));
  }

  // 办理类型 (one) and 适用情形 (any number): they decide which materials are asked for.
  function renderChoices(a) {
    const draft = a.state === 'draft';
    const variants = document.getElementById('variant-choice');
    variants.hidden = a.service.variants.length === 0;
    variants.querySelector('div').replaceChildren(...a.service.variants.map((v) => el('label', { class: 'inline' },
      el('input', { type: 'radio', name: 'variant', value: v.code, checked: v.code === a.variant ? '' : null,
        disabled: draft ? null : '', onchange: () => choose({ variant: v.code }) }), v.name)));
    const cases = document.getElementById('case-choice');
    cases.hidden = a.service.cases.length === 0;
    cases.querySelector('div').replaceChildren(...a.service.cases.map((c) => el('label', { class: 'inline' },
      el('input', { type: 'checkbox', name: 'cases', value: c.code, checked: a.cases.includes(c.code) ? '' : null,
        disabled: draft ? null : '', onchange: () => choose({ cases: [...cases.querySelectorAll('input:checked')].map((i) => i.value) }) }),
      c.name)));
  }

  async function choose(change) {
    try { render(await api('PATCH', base, change)); msg.textContent = ''; } catch (e) { msg.textContent = e.message; }
  }

  // Whether this material's pages may change now (the server's rule: review.cpp material_open).
  function materialOpen(m) {
    if (current.state === 'draft') return true;
    if (current.state === 'correction') return current.reopened_materials.includes(m.code);
    return current.state === 'accepted' && m.tolerable && !!current.supply_deadline && current.supply_deadline >= today();
  }
  function today() { const d = new Date(); return new Date(d.getTime() - d.getTimezoneOffset() * 6e4).toISOString().slice(0, 10); }

  // The comments of the latest 补正, by material code.
  function correctionComments() {
    const out = {};
    if (current.state !== 'correction' || !timeline.length) return out;
    const last = [...timeline].reverse().find((e) => e.action === 'request_correction');
    for (const m of (last && last.details && last.details.materials) || []) out[m.material] = m.comment;
    return out;
  }

  function timelineItem(e) {
    const d = e.details || {};
    const extra = [];
    for (const m of d.materials || []) extra.push(el('li', {}, materialName(m.material) + '：' + m.comment));
    if (d.deadline) extra.push(el('li', {}, '补正期限 ' + d.deadline));
    if (d.due_date) extra.push(el('li', {}, '办结期限 ' + d.due_date + (d.calendar ? '（' + d.calendar + '）' : '')));
    if (d.licence_number) extra.push(el('li', {}, '许可证编号 ' + d.licence_number));
    const who = { applicant: '申请人', clerk: '受理窗口', reviewer: '审核人员', head: '负责人' }[e.actor_role] || '';
    return el('li', { 'data-action': e.action }, el('div', { class: 'when' }, e.at.replace('T', ' ').slice(0, 16)),
      el('div', {}, el('strong', {}, ACTION_LABEL[e.action] || e.action), ' · ', who, e.actor_name ? ' ' + e.actor_name : ''),
      e.comment ? el('p', { class: 'comment' }, e.comment) : '', extra.length ? el('ul', {}, ...extra) : '');
  }
  function materialName(code) { const m = current.materials.find((x) => x.code === code); return m ? m.name : code; }

  function renderProgress(a) {
    const box = document.getElementById('progress');
    box.hidden = a.state === 'draft';
    document.getElementById('steps').hidden = a.state !== 'draft';
    document.querySelector('section[data-panel="materials"] button[data-go]').hidden = a.state !== 'draft';
    if (a.state === 'draft') return;
    const badge = document.getElementById('state-badge');
    badge.textContent = a.state_label || STATE_LABEL[a.state] || a.state;
    badge.className = 'badge state-' + a.state;
    document.getElementById('due').textContent = a.due_date ? '办结期限 ' + a.due_date + (a.calendar ? '（按' + a.calendar + '计算工作日）' : '') : '';
    const comments = correctionComments();
    document.getElementById('correction').hidden = a.state !== 'correction';
    document.getElementById('correction-list').replaceChildren(...a.reopened_materials.map((c) =>
      el('li', { 'data-material': c }, el('strong', {}, materialName(c)), '：' + (comments[c] || '请重新上传'))));
    document.getElementById('correction-deadline').textContent = a.correction_deadline || '';
    const missing = a.materials.filter((m) => m.tolerable && m.status === 'tolerable');
    const supplying = a.state === 'accepted' && missing.length > 0;
    document.getElementById('supply').hidden = !supplying;
    document.getElementById('supply-text').textContent = supplying
      ? '请于 ' + a.supply_deadline + ' 前补齐：' + missing.map((m) => m.name).join('、') + '（在下方材料列表中上传）' : '';
    const decided = ['approved', 'rejected', 'completed', 'not_accepted'].includes(a.state);
    document.getElementById('result').hidden = !decided;
    const refusal = [...timeline].reverse().find((e) => e.action === 'refuse');
    document.getElementById('decision').textContent = decided
      ? (a.decision_text || (refusal ? '不予受理：' + refusal.comment : '')) : '';
    document.getElementById('licence').textContent = a.licence_number ? '许可证编号：' + a.licence_number : '';
    const receipt = document.getElementById('receipt-link');
    receipt.hidden = !a.accepted_at;
    receipt.href = base + '/documents/receipt';
    const decision = document.getElementById('decision-link');
    decision.hidden = !decided || (!a.decided_at && a.state !== 'not_accepted');
    decision.href = base + '/documents/decision';
    document.getElementById('documents').hidden = receipt.hidden && decision.hidden;
    document.getElementById('rating').hidden = a.progress !== '待评价';
    document.getElementById('rated').hidden = !a.rated;
    document.getElementById('resubmit').hidden = a.state !== 'correction';
    document.getElementById('withdraw').hidden = a.state !== 'submitted';
    document.getElementById('timeline').replaceChildren(...timeline.map(timelineItem));
  }

  function render(a) {
    current = a;
    document.getElementById('service-name').textContent = a.service.name;
    document.getElementById('notice').textContent = a.service.notice;
    document.getElementById('limits').textContent = '实施主体：' + a.service.authority + '，法定办结时限：' +
      (a.time_limit_days === 0 ? '即时办结' : a.time_limit_days + '个工作日');
    renderChoices(a);
    document.getElementById('state').textContent = a.state === 'draft' ? '状态：' + STATE_LABEL.draft : '';
    renderProgress(a);
    const f = document.getElementById('form');
    for (const k of ['contact_name', 'email', 'postcode', 'address']) if (a.form[k] && !f[k].value) f[k].value = a.form[k];
    const body = document.querySelector('#materials tbody');
    body.replaceChildren(...a.materials.map(materialRow));
    document.getElementById('submit').disabled = a.state !== 'draft';
  }

  async function reload() {
    const a = await api('GET', base);
    timeline = a.state === 'draft' ? [] : (await api('GET', base + '/timeline')).timeline;
    render(a);
  }

  async function showQr(m) {
    try {
      const c = await api('POST', base + '/materials/' + m.code + '/upload-codes');
      document.getElementById('qr-title').textContent = m.name;
      const box = document.getElementById('qr-code');
      box.innerHTML = c.qr_svg;
      box.dataset.url = c.url;
      document.getElementById('qr-expires').textContent = Math.round(c.expires_in / 60);
      document.getElementById('qr-dialog').hidden = false;
    } catch (e) { msg.textContent = e.message; }
  }

  // A video goes up in pieces; after a dropped connection it resumes where the server says it stopped.
  async function uploadVideo(m, f) {
    const url = base + '/materials/' + m.code + '/video-uploads/' + crypto.randomUUID();
    const piece = 4 * 1024 * 1024;
    let at = 0;
    let failures = 0;
    while (at < f.size) {
      msg.textContent = '正在上传视频… ' + Math.floor(at * 100 / f.size) + '%';
      try {
        const out = await api('PATCH', url, f.slice(at, Math.min(f.size, at + piece), 'application/octet-stream'),
          { 'Upload-Length': String(f.size), 'Upload-Offset': String(at) });
        at = out.received;
        failures = 0;
      } catch (e) {
        if (e.status && e.status !== 409 && e.status < 500) throw e;
        if (++failures > 5) throw e;
        await new Promise((r) => setTimeout(r, 1000 * failures));
        at = (await api('GET', url)).received;  // where the server stopped
      }
    }
    msg.textContent = '视频上传成功';
  }

  async function uploadFile(m, f) {
    if (!f) return;
    if (m.kind === 'video') {
      try { await uploadVideo(m, f); await reload(); } catch (e) { msg.textContent = e.message; }
      return;
    }
    msg.textContent = '正在上传…';
    try {
      const out = await api('POST', base + '/materials/' + m.code + '/pages', f, { 'Idempotency-Key': crypto.randomUUID() });
      msg.textContent = out.accepted ? '上传成功' : out.error.message;
      await reload();
    } catch (e) { msg.textContent = e.message; }
  }

  async function removePage(m, pageId) {
    try { await api('DELETE', base + '/materials/' + m.code + '/pages/' + pageId); await reload(); } catch (e) { msg.textContent = e.message; }
  }

  async function move(m, pageId, delta) {
    const ids = m.pages.map((p) => p.id);
    const i = ids.indexOf(pageId);
    if (i + delta < 0 || i + delta >= ids.length) return;
    [ids[i], ids[i + delta]] = [ids[i + delta], ids[i]];
    try { render(await api('PUT', base + '/materials/' + m.code + '/page-order', { page_ids: ids })); } catch (e) { msg.textContent = e.message; }
  }

  async function openImage(url) {
    const r = await fetch(url, { credentials: 'same-origin' });
    window.open(URL.createObjectURL(await r.blob()), '_blank');
  }

  document.getElementById('qr-close').addEventListener('click', () => { document.getElementById('qr-dialog').hidden = true; });
  for (const b of document.querySelectorAll('[data-go]')) b.addEventListener('click', async () => {
    showStep(b.dataset.go);
    try { await api('PATCH', base, { step: b.dataset.go }); } catch (e) { /* read-only after submission */ }
  });
  document.getElementById('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      render(await api('PATCH', base, { step: 'materials', form: {
        contact_name: f.contact_name.value, contact_mobile: f.contact_mobile.value,
        email: f.email.value, postcode: f.postcode.value, address: f.address.value } }));
      msg.textContent = '';
      showStep('materials');
    } catch (err) { msg.textContent = err.message; }
  });
  document.getElementById('resubmit').addEventListener('click', async () => {
    try { await api('POST', base + '/resubmission', {}); msg.textContent = '已重新提交'; await reload(); } catch (e) { msg.textContent = e.message; }
  });
  document.getElementById('rating').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    try {
      await api('POST', base + '/rating', { stars: Number(f.stars.value), comment: f.comment.value.trim() });
      msg.textContent = '评价已提交';
      await reload();
    } catch (e) { msg.textContent = e.message; }
  });
  const withdrawDialog = document.getElementById('withdraw-dialog');
  document.getElementById('withdraw').addEventListener('click', () => withdrawDialog.showModal());
  document.getElementById('withdraw-cancel').addEventListener('click', () => withdrawDialog.close());
  document.getElementById('withdraw-confirm').addEventListener('click', async () => {
    withdrawDialog.close();
    try { await api('POST', base + '/withdrawal', {}); msg.textContent = '已撤回'; await reload(); } catch (e) { msg.textContent = e.message; }
  });
  document.getElementById('submit').addEventListener('click', async () => {
    try {
      const s = await api('POST', base + '/submission');
      msg.textContent = '提交成功，办结期限 ' + s.due_date + (s.supply_deadline ? '，容缺材料请于 ' + s.supply_deadline + ' 前补正' : '');
      await reload();
      showStep('materials');
    } catch (e) {
      const missing = e.data && e.data.error && e.data.error.missing;
      msg.textContent = e.message + (missing ? '：' + missing.map((c) => current.materials.find((m) => m.code === c).name).join('、') : '');
    }
  });

  (async () => {
    try {
      await reload();
      showStep(current.state === 'draft' ? current.step : 'materials');
      const events = new EventSource(base + '/events');
      events.addEventListener('changed', () => reload().catch(() => {}));
    } catch (e) { msg.textContent = e.status === 401 ? '请先登录 / please sign in' : e.message; }
  })();
})();
