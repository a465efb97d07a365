'use strict';
// The phone web app's sign-in: ID number or mobile and password, for an app-channel session that
// the browser keeps in the phone cookie (HttpOnly); its CSRF token goes to localStorage.
// form: the empty form#phone-login of the page; its fields are made here. With withUnit, an
// optional unit code (USCC or unit number) signs in for that unit, as the portal's password form.
function phoneSignIn(form, onSignedIn, withUnit) {
  form.replaceChildren(
    ...(withUnit ? [el('label', {}, '统一社会信用代码或单位编号（个人办事留空）',
      el('input', { name: 'unit', maxlength: '20', autocomplete: 'organization' }))] : []),
    el('label', {}, '身份证号码或手机号码 ', el('input', { name: 'account', required: '', maxlength: '18', autocomplete: 'username' })),
    el('label', {}, '密码 ', el('input', { name: 'password', type: 'password', required: '', maxlength: '20', autocomplete: 'current-password' })),
    el('button', { type: 'submit' }, '登录'),
    el('p', { id: 'phone-login-message', class: 'status error', role: 'alert' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = document.getElementById('phone-login-message');
    out.textContent = '';
    try {
      const body = { account: form.account.value.trim(), password: form.password.value, channel: 'app', transport: 'cookie' };
      if (form.unit && form.unit.value.trim()) body.unit = form.unit.value.trim();
      const me = await api('POST', '/api/v1/sessions', body);
      localStorage.setItem('hp_csrf', me.csrf_token);
      form.reset();
      onSignedIn(me);
    } catch (err) { out.textContent = err.message; }
  });
}
