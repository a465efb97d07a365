'use strict';
// 个人注册 (seed 004): personal details, the identity check of the real-name service, then the
// mobile with its code and the password; the check must have passed within 10 minutes.
(function () {
  const info = document.getElementById('person-info');
  const account = document.getElementById('account');
  const msg = document.getElementById('message');
  const say = (text, error) => { msg.textContent = text; msg.classList.toggle('error', !!error); };
  const step = (name) => { for (const li of document.querySelectorAll('.steps li')) li.classList.toggle('active', li.dataset.step === name); };
  let checkId = null;
  const person = () => ({ name: info.name.value.trim(), id_type: info.id_type.value, id_number: info.id_number.value.trim() });

  const lock = (locked) => {
    for (const i of info.elements) i.disabled = locked;
    info.querySelector('button[type=submit]').hidden = locked;
  };

  info.addEventListener('submit', async (e) => {
    e.preventDefault();
    say('');
    const who = person();
    lock(true);
    step('check');
    try {
      await identityCheck(document.getElementById('check-box'), 'person', who, (id) => {
        checkId = id;
        step('account');
        account.hidden = false;
        account.mobile.focus();
      });
    } catch (err) {
      lock(false);
      step('info');
      say(err.message, true);
    }
  });

  document.getElementById('send-code').addEventListener('click', async () => {
    try {
      const r = await api('POST', '/api/v1/registration-codes', { mobile: account.mobile.value.trim() });
      say('验证码已发送至该手机，' + Math.round(r.expires_in / 60) + ' 分钟内有效');
      account.code.focus();
    } catch (err) { say(err.message, true); }
  });

  account.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (account.password.value !== account.repeat_password.value) return say('两次输入的密码不一致', true);
    try {
      await api('POST', '/api/v1/persons', Object.assign(person(), {
        mobile: account.mobile.value.trim(), code: account.code.value.trim(), password: account.password.value, check_id: checkId,
      }));
      info.hidden = true;
      account.hidden = true;
      document.getElementById('check-box').hidden = true;
      document.getElementById('done').hidden = false;
      step('done');
      say('注册成功');
    } catch (err) { say(err.message, true); }
  });
})();
