'use strict';
// The phone web app's sign-in: ID number or mobile and password, for an app-channel session that
// the browser keeps in the phone cookie (HttpOnly); its CSRF token goes to localStorage.
// form: the empty form#phone-login of the page; its fields are made here. With withUnit, an
// optional unit code (USCC or unit number) signs in for that unit, as the portal's password form.
function phoneSignIn(form, onSignedIn, withUnit) {
  form.replaceChildren(
    ...(withUnit ? [el('label', {}, t('unitField'),
      el('input', { name: 'unit', maxlength: '20', autocomplete: 'organization' }))] : []),
    el('label', {}, t('accountField') + ' ', el('input', { name: 'account', required: '', maxlength: '18', autocomplete: 'username' })),
    el('label', {}, t('passwordField') + ' ', el('input', { name: 'password', type: 'password', required: '', maxlength: '20', autocomplete: 'current-password' })),
    el('button', { type: 'submit' }, t('signIn')),
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
    } catch (err) { out.textContent = errorText(err); }
  });
}
