'use strict';
// The message centre: every message about the caller's applications, newest first, with the
// unread count. New messages arrive by push (the messages event stream) without a reload.
(function () {
  const en = HP_LANG === 'en';
  const text = en
    ? { title: 'Messages', readAll: 'Mark all read', more: 'Older messages', open: 'Open the application',
        markRead: 'Mark read', unread: (n) => n + ' unread', none: 'No messages yet.', signIn: 'Please sign in first.' }
    : { title: '消息中心', readAll: '全部标为已读', more: '加载更早的消息', open: '查看办件',
        markRead: '标为已读', unread: (n) => '未读 ' + n + ' 条', none: '暂无消息。', signIn: '请先登录。' };
  applyTexts();
  document.title = text.title + (en ? ' · Online Service Hall' : ' · 网上办事服务大厅');
  document.getElementById('title').textContent = text.title;
  const readAll = document.getElementById('read-all');
  const more = document.getElementById('more');
  readAll.textContent = text.readAll;
  more.textContent = text.more;
  const list = document.getElementById('messages');
  const msg = document.getElementById('message');
  let next = null;

  function when(iso) {
    const d = new Date(iso);
    return d.toLocaleString(en ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' });
  }

  function item(m) {
    const li = el('li', { class: 'msg' + (m.read ? '' : ' unread'), 'data-message': m.id, 'data-kind': m.kind },
      el('p', { class: 'msg-head' }, el('strong', {}, en ? m.title_en : m.title),
        el('time', { datetime: m.created_at }, when(m.created_at))),
      el('p', {}, en ? m.body_en : m.body),
      el('p', { class: 'msg-links' }, el('a', { href: '/applications/' + m.application_id }, text.open)));
    if (!m.read) {
      li.querySelector('.msg-links').append(el('button', { type: 'button', class: 'mark-read', onclick: async () => {
        try { showUnread((await api('POST', '/api/v1/messages/' + m.id + '/read', {})).unread); li.classList.remove('unread'); li.querySelector('.mark-read').remove(); }
        catch (e) { msg.textContent = e.message; }
      } }, text.markRead));
    }
    return li;
  }

  function showUnread(n) {
    document.getElementById('unread-line').textContent = text.unread(n);
    readAll.disabled = n === 0;
  }

  async function load(before) {
    const page = await api('GET', '/api/v1/messages?limit=20' + (before ? '&before=' + before : ''));
    if (!before) list.replaceChildren();
    list.append(...page.items.map(item));
    if (!list.children.length) list.append(el('li', { class: 'msg empty' }, text.none));
    next = page.next_before;
    more.hidden = !next;
    showUnread(page.unread);
  }

  readAll.addEventListener('click', async () => {
    try { await api('POST', '/api/v1/messages/read', {}); await load(); } catch (e) { msg.textContent = e.message; }
  });
  more.addEventListener('click', () => load(next).catch((e) => { msg.textContent = e.message; }));

  load().then(() => {
    // Live: another step of the hall (or a read on another device) changes the count.
    const events = new EventSource('/api/v1/messages/events');
    events.addEventListener('changed', () => load().catch(() => {}));
  }).catch((e) => { msg.textContent = e.status === 401 ? text.signIn : e.message; });
})();
