'use strict';
// The phone web app's home: sign in once; then the person's own things and sign-out.
(function () {
  const show = (me) => {
    document.getElementById('signed-out').hidden = !!me;
    document.getElementById('signed-in').hidden = !me;
    if (me) {
      document.getElementById('who').textContent = t('signedInAs', { name: me.person.name_masked, id: me.person.id_number }) +
        (me.unit ? t('forUnit', { unit: me.unit.name }) : '');
    }
  };
  applyTexts();
  phoneSignIn(document.getElementById('phone-login'), show, true);
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('DELETE', '/api/v1/sessions/current'); } catch (e) { /* gone already */ }
    show(null);
  });
  api('GET', '/api/v1/sessions/current').then((me) => show(me.channel === 'app' ? me : null), () => show(null));
})();
