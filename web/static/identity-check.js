'use strict';
// 实名认证: HallPass asks the hall's real-name service for an identity check; the person scans
// its QR with the phone (or opens the link on this device) and is checked there. This page
// follows the check until it passes, fails or expires. Used by the registration pages.
// box: an element with #check-qr, #check-link and #check-status inside.
function identityCheck(box, purpose, person, onPassed) {
  const status = box.querySelector('#check-status');
  let stopped = false;
  return (async () => {
    const c = await api('POST', '/api/v1/identity-checks', Object.assign({ purpose }, person));
    box.hidden = false;
    box.querySelector('#check-qr').innerHTML = c.qr_svg || '';
    const link = box.querySelector('#check-link');
    link.href = c.verify_url;
    status.textContent = '请使用手机扫描二维码，完成实名认证（人脸识别）';
    while (!stopped) {
      await new Promise((r) => setTimeout(r, 2000));
      let s;
      try { s = await api('GET', '/api/v1/identity-checks/' + encodeURIComponent(c.check_id)); } catch (e) { status.textContent = e.message; continue; }
      if (s.status === 'passed') {
        stopped = true;
        const until = new Date(s.valid_until * 1000);
        status.textContent = '实名认证已通过，请您在 10 分钟内（' + until.toLocaleTimeString('zh-CN') + ' 前）完成注册！';
        box.querySelector('#check-qr').replaceChildren();
        link.hidden = true;
        onPassed(c.check_id);
      } else if (s.status === 'failed' || s.status === 'expired') {
        stopped = true;
        status.textContent = s.status === 'failed' ? '实名认证未通过，请返回上一步重新认证' : '实名认证已超过 10 分钟，请返回上一步重新认证';
        status.classList.add('error');
      }
    }
  })();
}
