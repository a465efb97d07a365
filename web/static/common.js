'use strict';
// Shared by the portal pages: JSON calls with the session cookie and CSRF token. The token is
// kept in localStorage (set at sign-in), so that a page opened in another tab can act too.
async function api(method, url, body, extraHeaders) {
  const headers = Object.assign({ 'X-CSRF-Token': localStorage.getItem('hp_csrf') || '' }, extraHeaders || {});
  let payload = body;
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof ArrayBuffer)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!res.ok && !(data && data.accepted === false)) {
    const err = new Error(data && data.error ? data.error.message + ' / ' + data.error.message_en : 'HTTP ' + res.status);
    err.status = res.status; err.data = data;
    throw err;
  }
  return data;
}
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
// English on a page that loads i18n.js first and whose visitor chose it.
const HP_EN = typeof HP_LANG !== 'undefined' && HP_LANG === 'en';
const STATE_LABEL = HP_EN ? {
  draft: 'Draft', submitted: 'Awaiting acceptance', accepted: 'Under review', correction: 'Correction requested',
  not_accepted: 'Not accepted', approved: 'Approved', rejected: 'Rejected', completed: 'Completed', withdrawn: 'Withdrawn',
} : {
  draft: '待提交', submitted: '待受理', accepted: '审核中', correction: '待补正', not_accepted: '不予受理',
  approved: '准予许可', rejected: '不予许可', completed: '已办结', withdrawn: '已撤回',
};
const ACTION_LABEL = HP_EN ? {
  submit: 'Submitted', withdraw: 'Withdrawn', resubmit: 'Resubmitted after correction', accept: 'Accepted',
  refuse: 'Not accepted', request_correction: 'Correction requested', approve: 'Approved', reject: 'Rejected',
  complete: 'Completed',
} : {
  submit: '提交申报', withdraw: '撤回', resubmit: '补正后重新提交', accept: '受理', refuse: '不予受理',
  request_correction: '要求补正', approve: '准予许可', reject: '不予许可', complete: '办结',
};
// An error of api() for the page: in English its English message alone, else both languages.
function errorText(err) {
  const e = err.data && err.data.error;
  return HP_EN && e && e.message_en ? e.message_en : err.message;
}
// 大字模式 (larger text for older visitors): a button with id large-text, remembered in this browser.
(function () {
  const on = () => localStorage.getItem('hp_large_text') === '1';
  const apply = () => {
    document.documentElement.classList.toggle('large-text', on());
    const b = document.getElementById('large-text');
    if (b) b.setAttribute('aria-pressed', String(on()));
  };
  document.addEventListener('DOMContentLoaded', () => {
    apply();
    const b = document.getElementById('large-text');
    if (b) b.addEventListener('click', () => { localStorage.setItem('hp_large_text', on() ? '0' : '1'); apply(); });
  });
  apply();
})();
// The header's link to the message centre with the unread count, live by push; shown once the
// page knows the visitor is signed in as an applicant.
document.addEventListener('DOMContentLoaded', () => {
  const link = document.getElementById('messages-link');
  if (!link) return;
  const count = document.getElementById('unread-count');
  const show = (n) => {
    link.hidden = false;
    count.hidden = n === 0;
    count.replaceChildren(String(n), el('span', { class: 'sr-only' }, HP_EN ? ' unread' : ' 条未读'));
  };
  api('GET', '/api/v1/messages?limit=1').then((page) => {
    show(page.unread);
    new EventSource('/api/v1/messages/events').addEventListener('changed', (e) => {
      try { show(JSON.parse(e.data).unread); } catch (err) { /* a malformed event changes nothing */ }
    });
  }).catch(() => {});
});
// Lists shown as cards on a phone (table.list.cards, style.css): each cell is labelled with its
// column's name, again whenever the page fills the table.
(function () {
  const label = () => {
    for (const table of document.querySelectorAll('table.list.cards')) {
      const names = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
      for (const row of table.tBodies[0] ? table.tBodies[0].rows : []) {
        for (const cell of row.cells) {
          const name = cell.colSpan > 1 ? '' : names[cell.cellIndex] || '';
          if (cell.dataset.label !== name) cell.dataset.label = name;
        }
      }
    }
  };
  document.addEventListener('DOMContentLoaded', () => {
    label();
    new MutationObserver(label).observe(document.body, { childList: true, subtree: true });
  });
})();
