'use strict';
// The portal's application page: the four steps, and the material list that updates itself
// (Server-Sent Events) when a phone adds a page.
(function () {
  const id = location.pathname.split('/').pop();
  const base = '/api/v1/applications/' + id;
  const msg = document.getElementById('message');
  let current = null;

  function showStep(step) {
    for (const p of document.querySelectorAll('[data-panel]')) p.hidden = p.dataset.panel !== step;
    for (const li of document.querySelectorAll('#steps li')) li.classList.toggle('active', li.dataset.step === step);
  }

  function materialRow(m) {
    const thumbs = el('div', { class: 'thumbs' });
    for (const p of m.pages) {
      const img = el('img', { alt: m.name + ' 第' + p.position + '页', 'data-page': p.id, width: 48 });
      fetch(p.thumbnail_url, { credentials: 'same-origin' }).then((r) => r.blob()).then((b) => { img.src = URL.createObjectURL(b); });
      const up = el('button', { type: 'button', title: '前移', onclick: () => move(m, p.id, -1) }, '↑');
      const del = el('button', { type: 'button', title: '删除', onclick: () => removePage(m, p.id) }, '删除');
      const view = el('a', { href: '#', onclick: (e) => { e.preventDefault(); openImage(p.image_url); } }, '查看');
      thumbs.append(el('span', { class: 'thumb' }, img, view, up, del));
    }
    const file = el('input', { type: 'file', accept: 'image/*', hidden: '', onchange: (e) => uploadFile(m, e.target.files[0]) });
    const status = { uploaded: '已上传', missing: '未上传', tolerable: '可容缺（' + (m.supply_days || 7) + '个工作日内补正）', optional: '选填' }[m.status];
    const frozen = current.state !== 'draft';
    return el('tr', { 'data-material': m.code, 'data-status': m.status },
      el('td', {}, m.required ? '必' : '选'),
      el('td', {}, m.name),
      el('td', { class: 'material-status' }, status),
      el('td', {}, thumbs),
      el('td', {}, frozen ? el('a', { href: base + '/materials/' + m.code + '/pdf' }, '下载PDF') : el('span', {},
        el('button', { type: 'button', onclick: () => file.click() }, '上传'), file,
        el('button', { type: 'button', class: 'qr-button', onclick: () => showQr(m) }, '二维码'))));
  }

  function render(a) {
    current = a;
    document.getElementById('service-name').textContent = a.service.name;
    document.getElementById('notice').textContent = a.service.notice;
    document.getElementById('limits').textContent = '实施主体：' + a.service.authority + '，法定办结时限：' + a.service.time_limit_days + '个工作日';
    document.getElementById('state').textContent = '状态：' + (STATE_LABEL[a.state] || a.state) +
      (a.due_date ? '，办结期限 ' + a.due_date : '') + (a.supply_deadline ? '，容缺材料补正期限 ' + a.supply_deadline : '');
    const f = document.getElementById('form');
    for (const k of ['contact_name', 'email', 'postcode', 'address']) if (a.form[k] && !f[k].value) f[k].value = a.form[k];
    const body = document.querySelector('#materials tbody');
    body.replaceChildren(...a.materials.map(materialRow));
    document.getElementById('submit').disabled = a.state !== 'draft';
  }

  async function reload() { render(await api('GET', base)); }

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

  async function uploadFile(m, f) {
    if (!f) return;
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
  document.getElementById('submit').addEventListener('click', async () => {
    try {
      const s = await api('POST', base + '/submission');
      msg.textContent = '提交成功，办结期限 ' + s.due_date + (s.supply_deadline ? '，容缺材料请于 ' + s.supply_deadline + ' 前补正' : '');
      await reload();
    } catch (e) {
      const missing = e.data && e.data.error && e.data.error.missing;
      msg.textContent = e.message + (missing ? '：' + missing.map((c) => current.materials.find((m) => m.code === c).name).join('、') : '');
    }
  });

  (async () => {
    try {
      await reload();
      showStep(current.state === 'draft' ? current.step : 'declaration');
      const events = new EventSource(base + '/events');
      events.addEventListener('changed', () => reload().catch(() => {}));
    } catch (e) { msg.textContent = e.status === 401 ? '请先登录 / please sign in' : e.message; }
  })();
})();
