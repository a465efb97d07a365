'use strict';
// The phone web app's sign-in: ID number or mobile and password, for an app-channel session that
// the browser keeps in the phone cookie (HttpOnly); its CSRF token goes to localStorage.
// form: the empty form#phone-login of the page; its fields are made here.
function phoneSignIn(form, onSignedIn) {
  form.replaceChildren(
    el('label', {}, '身份证号码或手机号码 ', el('input', { name: 'account', required: '', maxlength: '18', autocomplete: 'username' })),
    el('label', {}, '密码 ', el('input', { name: 'password', type: 'password', required: '', maxlength: '20', autocomplete: 'current-password' })),
    el('button', { type: 'submit' }, '登录'),
    el('p', { id: 'phone-login-message', class: 'status error', role: 'alert' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = document.getElementById('phone-login-message');
    out.textContent = '';
    try {
      const me = await api('POST', '/api/v1/sessions',
        { account: form.account.value.trim(), password: form.password.value, channel: 'app', transport: 'cookie' });
      localStorage.setItem('hp_csrf', me.csrf_token);
      form.reset();
      onSignedIn(me);
    } catch (err) { out.textContent = err.message; }
  });
}
