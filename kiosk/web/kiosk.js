// The kiosk's touch screen. Talks only to the kiosk's own local API (same origin), with this
// boot's token; the kiosk talks to the server.
'use strict';

const token = document.querySelector('meta[name="kiosk-token"]').content;
let english = false;
let screen = 'home';
let checkFrom = 'home';
let current = { application: null, material: null };
let lastNotice = 0;
let viewfinderTimer = null;

const $ = (id) => document.getElementById(id);
const t = (zh, en) => (english ? en || zh : zh);

// An element's text in both languages: shown in the current one, and switched by translate()
// with the rest of the page.
function setText(el, zh, en) {
  el.dataset.zh = zh;
  el.dataset.en = en || zh;
  el.textContent = t(zh, en);
}

// Text the server has in Chinese only (names of services, materials, people): marked as Chinese
// so that it is read out as such on the English screen too.
function chinese(el, text) {
  el.textContent = text;
  el.lang = 'zh-CN';
  return el;
}

// The states of an application (the server names them in Chinese only).
const stateNames = {
  draft: ['待提交', 'Draft'], submitted: ['待受理', 'Waiting for acceptance'], accepted: ['审核中', 'Under review'],
  correction: ['待补正', 'Correction needed'], not_accepted: ['不予受理', 'Not accepted'], approved: ['准予许可', 'Approved'],
  rejected: ['不予许可', 'Refused'], completed: ['已办结', 'Completed'], withdrawn: ['已撤回', 'Withdrawn'],
};
const stateOf = (a) => stateNames[a.state] || [a.state_label || a.state, a.state_label || a.state];

async function api(method, path, body) {
  const headers = { 'X-Kiosk-Token': token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = r.headers.get('Content-Type') || '';
  if (!r.ok) {
    const e = type.includes('json') ? await r.json() : {};
    throw { status: r.status, code: e.code || 'error', message: e.message || '操作没有完成', message_en: e.message_en || 'Not done' };
  }
  return type.includes('json') ? r.json() : r.blob();
}

function say(zh, en, error) {
  const n = $('notice');
  setText(n, zh, en);
  n.classList.toggle('error', !!error);
  n.hidden = false;
}
const sayError = (e) => say(e.message, e.message_en, true);

function translate() {
  document.documentElement.lang = english ? 'en' : 'zh-CN';
  document.querySelectorAll('[data-zh]').forEach((el) => { el.textContent = english ? el.dataset.en : el.dataset.zh; });
  $('language').textContent = english ? '中文' : 'English';
  $('language').lang = english ? 'zh-CN' : 'en';
}

function show(name) {
  const changed = screen !== name;
  screen = name;
  document.querySelectorAll('.screen').forEach((s) => { s.hidden = s.id !== 'screen-' + name; });
  // The button just tapped may have gone with the old screen: the new screen's heading takes the
  // focus, so that a screen reader starts there.
  if (changed) {
    $('notice').hidden = true;  // a notice is about the screen it was shown on
    const heading = document.querySelector('#screen-' + name + ' h2');
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  clearInterval(viewfinderTimer);
  viewfinderTimer = null;
  if (name === 'capture' || name === 'check') {
    const img = $(name === 'capture' ? 'viewfinder' : 'check-viewfinder');
    const refresh = async () => {
      try {
        const blob = await api('GET', '/api/camera.jpg');
        const old = img.src;
        img.src = URL.createObjectURL(blob);
        if (old.startsWith('blob:')) URL.revokeObjectURL(old);
      } catch (e) { /* the next frame, then */ }
    };
    refresh();
    viewfinderTimer = setInterval(refresh, 500);
  }
  window.scrollTo(0, 0);
}

// ---- state: network, who is signed in, the login QR, the idle countdown, notices ----

async function poll() {
  let s;
  try {
    s = await api('GET', '/api/state');
  } catch (e) {
    return;
  }
  const net = $('network');
  net.classList.toggle('offline', !s.online);
  const offline = s.online ? ['', ''] : ['服务器连接中断：登录需联网；已拍的材料会在恢复后自动上传',
    'Offline: sign-in needs the server; captured pages are sent when it is back'];
  const waiting = s.outbox > 0 ? [`${s.online ? '' : ' · '}待上传 ${s.outbox} 项`, `${s.online ? '' : ' · '}${s.outbox} waiting to be sent`] : ['', ''];
  setText(net, offline[0] + waiting[0], offline[1] + waiting[1]);
  const who = $('who');
  who.hidden = !s.session;
  $('sign-out').hidden = !s.session;
  if (s.session && s.session.person) {
    chinese(who, s.session.person.name_masked + (s.session.unit ? ' · ' + s.session.unit.name : ''));
  }
  if (s.login) {
    $('login-qr').innerHTML = s.login.qr_svg || '';
    $('user-code').textContent = s.login.user_code;
    const states = { waiting: ['请扫码并在手机上确认', 'Scan and confirm on the phone'],
                     denied: ['已在手机上取消登录', 'Cancelled on the phone'],
                     expired: ['二维码已过期，请返回重新开始', 'The code expired; go back and start again'] };
    let [zh, en] = states[s.login.state] || states.waiting;
    if (s.login.state === 'waiting' && s.login.expires_in > 0) {
      zh += `（二维码 ${s.login.expires_in} 秒后失效）`;
      en += ` (the code expires in ${s.login.expires_in} s)`;
    }
    setText($('login-state'), zh, en);
  }
  if (s.session && (screen === 'login' || screen === 'home')) openApplications();
  if (!s.session && ['applications', 'application', 'capture'].includes(screen)) show('home');
  const idle = $('idle');
  const warn = !!(s.idle && s.idle.warning);
  if (warn && idle.hidden) {
    idle.hidden = false;
    $('stay').focus();  // the dialog's one action, where a screen reader and the keyboard are
  }
  idle.hidden = !warn;
  if (s.idle) $('idle-seconds').textContent = s.idle.seconds_left;
  for (const n of s.notices) {
    if (n.id > lastNotice) {
      lastNotice = n.id;
      say(n.message, n.message_en, n.kind === 'error');
    }
  }
}

// ---- applications and materials ----

async function openApplications() {
  show('applications');
  try {
    const r = await api('GET', '/api/applications');
    const list = $('applications');
    list.replaceChildren();
    $('no-applications').hidden = r.applications.length > 0;
    for (const a of r.applications) {
      const li = document.createElement('li');
      li.dataset.application = a.id;
      const name = document.createElement('span');
      name.className = 'name';
      name.id = 'application-' + a.id;
      const meta = document.createElement('span');
      meta.className = 'meta';
      const [zh, en] = stateOf(a);
      setText(meta, `办件号 ${a.id} · ${zh}`, `No. ${a.id} · ${en}`);
      const service = document.createElement('span');
      if (a.service_name_en) setText(service, a.service_name || a.service_code, a.service_name_en);
      else chinese(service, a.service_name || a.service_code);
      name.append(service, meta);
      const open = document.createElement('button');
      open.type = 'button';
      open.setAttribute('aria-describedby', name.id);  // which application: every row has the same button
      setText(open, '办理', 'Open');
      open.addEventListener('click', () => openApplication(a.id));
      li.append(name, open);
      list.append(li);
    }
  } catch (e) { sayError(e); }
}

async function openApplication(id) {
  try {
    const a = await api('GET', '/api/applications/' + id);
    current.application = a;
    setText($('application-title'), `${a.service.name}（办件号 ${a.id}）`, `${a.service.name_en || a.service.name} (No. ${a.id})`);
    setText($('application-state'), ...stateOf(a));
    const prints = $('print-actions');
    prints.replaceChildren();
    const printButton = (doc, zh, en) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'big secondary';
      setText(b, zh, en);
      b.addEventListener('click', () => printDocument(a.id, doc, b));
      prints.append(b);
    };
    if (a.accepted_at) printButton('receipt', '打印受理回执', 'Print the receipt');
    if (a.decided_at) printButton('decision', '打印决定书', 'Print the decision');
    const list = $('materials');
    list.replaceChildren();
    const status = { uploaded: ['已上传', 'Sent'], missing: ['未上传', 'Missing'], tolerable: ['可容缺', 'May follow'], optional: ['选交', 'Optional'], not_needed: ['无需提交', 'Not needed'] };
    for (const m of a.materials) {
      const li = document.createElement('li');
      li.dataset.material = m.code;
      const name = document.createElement('span');
      name.className = 'name';
      name.id = 'material-' + m.code;
      const meta = document.createElement('span');
      meta.className = 'meta';
      const [zh, en] = status[m.status] || [m.status, m.status];
      setText(meta, `${zh} · ${m.pages.length} 页`, `${en} · ${m.pages.length} ${m.pages.length === 1 ? 'page' : 'pages'}`);
      name.append(chinese(document.createElement('span'), m.name), meta);
      const shoot = document.createElement('button');
      shoot.type = 'button';
      shoot.setAttribute('aria-describedby', name.id);
      setText(shoot, '拍照上传', 'Capture');
      shoot.addEventListener('click', () => openCapture(m));
      li.append(name, shoot);
      list.append(li);
    }
    show('application');
  } catch (e) { sayError(e); }
}

async function printDocument(id, doc, button) {
  button.disabled = true;
  say('正在准备打印…', 'Preparing to print…');
  try {
    await api('POST', '/api/prints', { application_id: id, document: doc });
    say('已排队打印，请稍候在出纸口取件', 'Queued; please take your paper from the printer');
  } catch (e) { sayError(e); }
  button.disabled = false;
}

async function openCapture(material) {
  try {
    await api('POST', '/api/material', { application_id: current.application.id, material: material.code });
    current.material = material;
    setText($('capture-title'), '拍照：' + material.name, 'Capture: ' + material.name);
    resetCapture();
    show('capture');
  } catch (e) { sayError(e); }
}

function resetCapture() {
  $('preview-figure').hidden = true;
  $('keep').hidden = true;
  $('again').hidden = true;
  $('shoot').hidden = false;
  $('reasons').replaceChildren();
  setText($('capture-progress'), '', '');
}

async function shoot() {
  const button = $('shoot');
  button.disabled = true;
  $('reasons').replaceChildren();
  setText($('capture-progress'), '正在拍照，请不要移动材料…', 'Capturing: keep the paper still…');
  try {
    const r = await api('POST', '/api/captures');
    const verdict = $('verdict');
    if (r.accepted) {
      const blob = await api('GET', '/api/captures/preview.jpg');
      $('preview').src = URL.createObjectURL(blob);
      $('preview-figure').hidden = false;
      setText(verdict, '清晰可用', 'Clear and usable');
      verdict.className = 'good';
      $('keep').hidden = false;
      $('shoot').hidden = true;
      setText($('capture-progress'), '请核对页面，然后上传', 'Check the page, then send it');
    } else {
      setText($('capture-progress'), '这张不能用，请按提示调整后重拍：', 'This one cannot be used: adjust and try again:');
      for (const reason of r.reasons) {
        const li = document.createElement('li');
        setText(li, reason.message, reason.message_en);
        $('reasons').append(li);
      }
    }
    $('again').hidden = !r.accepted;
  } catch (e) {
    setText($('capture-progress'), '', '');
    sayError(e);
  }
  button.disabled = false;
}

async function keep() {
  $('keep').disabled = true;
  try {
    await api('POST', '/api/captures/keep');
    resetCapture();
    setText($('capture-progress'), '这一页已加入上传，可以拍下一页', 'Page queued for sending; you can capture the next one');
  } catch (e) { sayError(e); }
  $('keep').disabled = false;
}

// ---- checking a printed paper ----

const verdicts = {
  genuine: ['真实有效', 'Genuine', 'good'],
  altered: ['内容被篡改，不是真实文书', 'Altered: not a genuine document', 'bad'],
  revoked: ['已被撤销', 'Revoked', 'bad'],
  expired: ['已过有效期', 'Expired', 'bad'],
  retired_key_expired: ['已过有效期', 'Expired', 'bad'],
  unknown_key: ['无法核验：签名密钥未知', 'Cannot check: unknown signing key', 'bad'],
  not_hallpass: ['不是本厅签发的文书二维码', 'Not a code of this hall', 'bad'],
};
const fieldNames = [['type', '文书类型', 'Type'], ['reference', '办件号', 'Application'], ['holder', '申请人', 'Applicant'],
  ['office', '办理机构', 'Office'], ['issued_at', '签发时间', 'Issued'], ['expires_at', '有效期至', 'Valid until'],
  ['serial', '编号', 'Serial']];
const documentTypes = { receipt: ['受理回执', 'Acceptance receipt'], approval: ['准予许可决定书', 'Decision to approve'],
  rejection: ['不予许可决定书', 'Decision to refuse'], decision: ['决定书', 'Decision'] };

// A time as people read it: the kiosk's local date and minute (the codes carry UTC).
function when(iso) {
  const d = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// A field of a checked paper, as a table cell.
function fieldCell(key, value) {
  const td = document.createElement('td');
  if (value === undefined || value === null || value === '') td.textContent = '—';
  else if (key === 'type' && documentTypes[value]) setText(td, ...documentTypes[value]);
  else if (key === 'issued_at' || key === 'expires_at') td.textContent = when(value);
  else td.textContent = value;
  return td;
}

async function check() {
  const button = $('check');
  button.disabled = true;
  $('check-result').hidden = true;
  setText($('check-progress'), '正在读取二维码…', 'Reading the code…');
  try {
    const r = await api('POST', '/api/checks');
    const [zh, en, tone] = verdicts[r.verdict] || [r.verdict, r.verdict, 'bad'];
    const v = $('check-verdict');
    setText(v, zh, en);
    v.className = 'verdict ' + tone;
    const signed = (r.online && r.online.signed) || (r.offline && r.offline.signed) || {};
    const record = (r.online && r.online.record) || {};
    const body = $('check-fields');
    body.replaceChildren();
    const recordOf = { reference: record.application_id, issued_at: record.issued_at, expires_at: record.expires_at, type: record.kind };
    for (const [key, fzh, fen] of fieldNames) {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      setText(th, fzh, fen);
      tr.append(th);
      tr.append(fieldCell(key, signed[key]), fieldCell(key, recordOf[key]));
      body.append(tr);
    }
    if (record.revoked_at) {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      setText(th, '撤销', 'Revoked');
      tr.append(th);
      tr.append(fieldCell('revoked', null), fieldCell('revoked', `${when(record.revoked_at)} ${record.revoked_reason || ''}`));
      body.append(tr);
    }
    $('check-result').hidden = false;
    if (r.checked_online) setText($('check-progress'), '已离线验签并向服务器核对', 'Signature checked here and status checked with the server');
    else setText($('check-progress'), '已离线验签；服务器暂时连不上，无法确认是否已撤销', 'Signature checked here; the server cannot be reached to confirm it is not revoked');
  } catch (e) {
    setText($('check-progress'), '', '');
    sayError(e);
  }
  button.disabled = false;
}

// ---- wiring ----

let lastActivity = 0;
document.addEventListener('pointerdown', () => {
  if (Date.now() - lastActivity > 5000) {
    lastActivity = Date.now();
    api('POST', '/api/activity').catch(() => {});
  }
});
$('start-login').addEventListener('click', async () => {
  try {
    await api('POST', '/api/login');
    show('login');
    poll();
  } catch (e) { sayError(e); }
});
$('start-check').addEventListener('click', () => { checkFrom = screen; show('check'); });
$('sign-out').addEventListener('click', async () => {
  await api('POST', '/api/sign-out').catch(sayError);
  show('home');
  say('已退出登录，您的资料已从本机清除', 'Signed out; your data is cleared from this kiosk');
});
$('stay').addEventListener('click', () => api('POST', '/api/activity').then(poll).catch(() => {}));
$('shoot').addEventListener('click', shoot);
$('again').addEventListener('click', resetCapture);
$('keep').addEventListener('click', keep);
$('check').addEventListener('click', check);
$('larger').addEventListener('click', () => {
  const on = document.documentElement.classList.toggle('larger');
  $('larger').setAttribute('aria-pressed', String(on));
});
$('language').addEventListener('click', () => { english = !english; translate(); });
document.querySelectorAll('[data-go]').forEach((b) => b.addEventListener('click', async () => {
  const to = b.dataset.go;
  if (to === 'home') await api('DELETE', '/api/login').catch(() => {});
  if (to === 'applications') return openApplications();
  if (to === 'application' && current.application) return openApplication(current.application.id);
  if (to === 'back') return checkFrom === 'application' && current.application ? openApplication(current.application.id) : show(checkFrom === 'check' ? 'home' : checkFrom);
  show(to);
}));

translate();
poll();
setInterval(poll, 1000);
