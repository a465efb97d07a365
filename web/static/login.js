'use strict';
// The portal's sign-in page: the QR widget (qr-login.js), and who signed in once the phone confirmed.
(function () {
  applyTexts();
  qrLogin((s) => {
    document.getElementById('who').textContent = s.person.name_masked;
    if (s.unit) {
      document.getElementById('unit-line').hidden = false;
      document.getElementById('unit-name').textContent = s.unit.name;
      document.getElementById('role').textContent = t(s.role);
    }
    document.getElementById('result').hidden = false;
  });
})();
