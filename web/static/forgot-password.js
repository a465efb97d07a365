'use strict';
// 忘记密码: the ID number and registered mobile get a code by SMS; the code and a new password
// then replace the password, and every session of the person ends.
(function () {
  const ask = document.getElementById('reset-request');
  const confirm = document.getElementById('reset-confirm');
  const msg = document.getElementById('message');
  const say = (text, error) => { msg.textContent = text; msg.classList.toggle('error', !!error); };

  async function send() {
    const r = await api('POST', '/api/v1/password-resets', { id_number: ask.id_number.value.trim(), mobile: ask.mobile.value.trim() });
    document.getElementById('sent-hint').textContent = '如身份证号码与手机号码相符，验证码已发送至该手机，' + Math.round(r.expires_in / 60) + ' 分钟内有效。';
    confirm.hidden = false;
    confirm.code.focus();
  }

  ask.addEventListener('submit', async (e) => {
    e.preventDefault();
    try { await send(); say(''); } catch (err) { say(err.message, true); }
  });
  document.getElementById('resend').addEventListener('click', async () => {
    try { await send(); say('已重新发送'); } catch (err) { say(err.message, true); }
  });
  confirm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (confirm.new_password.value !== confirm.repeat_password.value) return say('两次输入的新密码不一致', true);
    try {
      await api('POST', '/api/v1/password-resets/confirmation', {
        id_number: ask.id_number.value.trim(), mobile: ask.mobile.value.trim(),
        code: confirm.code.value.trim(), new_password: confirm.new_password.value,
      });
      ask.hidden = true;
      confirm.hidden = true;
      document.getElementById('done').hidden = false;
      say('密码已重设，请用新密码登录；原有的登录均已退出');
    } catch (err) { say(err.message, true); }
  });
})();
