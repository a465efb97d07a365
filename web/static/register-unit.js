'use strict';
// 单位注册 (seed 004): the signed-in legal representative gives the unit's details and their own,
// passes the identity check of the real-name service, and gets the unit number.
(async function () {
  const info = document.getElementById('unit-info');
  const register = document.getElementById('register');
  const msg = document.getElementById('message');
  const say = (text, error) => { msg.textContent = text; msg.classList.toggle('error', !!error); };
  const step = (name) => { for (const li of document.querySelectorAll('.steps li')) li.classList.toggle('active', li.dataset.step === name); };
  const lock = (locked) => {
    for (const i of info.elements) i.disabled = locked;
    info.querySelector('button[type=submit]').hidden = locked;
  };
  let checkId = null;

  const me = await api('GET', '/api/v1/sessions/current').catch(() => null);
  if (!me) { document.getElementById('sign-in').hidden = false; return; }
  info.hidden = false;

  const details = () => ({
    uscc: info.uscc.value.trim(), name: info.name.value.trim(), legal_rep_id_type: info.legal_rep_id_type.value,
    legal_rep_id_number: info.legal_rep_id_number.value.trim(), legal_rep_name: info.legal_rep_name.value.trim(),
  });

  info.addEventListener('submit', async (e) => {
    e.preventDefault();
    say('');
    const d = details();
    lock(true);
    step('check');
    try {
      await identityCheck(document.getElementById('check-box'), 'unit',
        { name: d.legal_rep_name, id_type: d.legal_rep_id_type, id_number: d.legal_rep_id_number }, (id) => {
          checkId = id;
          register.hidden = false;
          register.focus();
        });
    } catch (err) {
      lock(false);
      step('info');
      say(err.message, true);
    }
  });

  register.addEventListener('click', async () => {
    try {
      const u = await api('POST', '/api/v1/units', Object.assign(details(), { check_id: checkId }));
      info.hidden = true;
      document.getElementById('check-box').hidden = true;
      const rows = [['单位名称', u.name], ['统一社会信用代码', u.uscc], ['单位编号', u.unit_number]];
      document.getElementById('unit').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
      document.getElementById('done').hidden = false;
      step('done');
      say('注册成功');
    } catch (err) { say(err.message, true); }
  });
})();
