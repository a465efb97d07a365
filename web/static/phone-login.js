'use strict';
// The phone web app's sign-in: ID number or mobile and password, for an app-channel session that
// the browser keeps in the phone cookie (HttpOnly); its CSRF token goes to localStorage.
// form: #phone-login with inputs account and password and a status line #phone-login-message.
function phoneSignIn(form, onSignedIn) {
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
