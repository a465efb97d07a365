'use strict';
// Shared by the portal pages: JSON calls with the session cookie and CSRF token.
async function api(method, url, body, extraHeaders) {
  const headers = Object.assign({ 'X-CSRF-Token': sessionStorage.getItem('hp_csrf') || '' }, extraHeaders || {});
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
const STATE_LABEL = { draft: '待提交', submitted: '待审核', accepted: '已受理', approved: '审核通过', rejected: '审核不通过', withdrawn: '已撤回' };
