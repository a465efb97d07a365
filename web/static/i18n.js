// Chinese first; English when the URL says ?lang=en, or when the visitor chose it on an earlier
// page of this site (remembered in this browser until they choose 中文 again).
const HP_TEXT = {
  zh: {
    hall: '人力资源和社会保障网上办事服务大厅', title: '扫码登录', match: '核对数字', expires: '二维码有效期', seconds: '秒',
    hint: '请使用智慧人社APP扫描二维码登录，可选择以个人或单位经办人身份登录',
    waiting: '请使用智慧人社APP扫码', scanned: '已扫码，请在手机上确认', success: '登录成功', cancelled: '已取消',
    expired: '二维码已失效，点击刷新', refresh: '点击刷新', who: '登录人', unit: '单位', continue: '进入办事大厅',
    error: '服务暂时不可用，请稍后刷新', person: '个人', legal_rep: '法定代表人', admin: '管理员', agent: '经办人',
    useApp: '请使用智慧人社APP扫描此二维码', useAppHint: '此二维码用于电脑网页登录，请打开智慧人社APP，点击右上角“扫一扫”。',
    home: '网上办事服务大厅', signedIn: '当前登录', notSignedIn: '您尚未登录', login: '扫码登录', logout: '退出登录',
  },
  en: {
    hall: 'Human Resources and Social Security Online Service Hall', title: 'Sign in with the app', match: 'Matching number',
    expires: 'QR code valid for', seconds: 's', hint: 'Scan the QR code with the 智慧人社 app to sign in as yourself or for your company',
    waiting: 'Scan with the 智慧人社 app', scanned: 'Scanned — confirm on your phone', success: 'Signed in',
    cancelled: 'Cancelled', expired: 'The QR code has expired — click to refresh', refresh: 'Refresh', who: 'Signed in as',
    unit: 'Company', continue: 'Go to the service hall', error: 'Service unavailable; refresh later', person: 'person',
    legal_rep: 'legal representative', admin: 'administrator', agent: 'agent',
    useApp: 'Scan this QR code with the 智慧人社 app', useAppHint: 'This QR code signs in a web browser. Open the 智慧人社 app and tap “Scan”.',
    home: 'Online Service Hall', signedIn: 'Signed in', notSignedIn: 'You are not signed in', login: 'Sign in', logout: 'Sign out',
  },
};
const HP_LANG = (() => {
  const asked = new URLSearchParams(location.search).get('lang');
  try {
    if (asked === 'en' || asked === 'zh') localStorage.setItem('hp_lang', asked);
    return (asked || localStorage.getItem('hp_lang')) === 'en' ? 'en' : 'zh';
  } catch (e) {
    return asked === 'en' ? 'en' : 'zh';  // storage refused: this page only
  }
})();
// A text in the page's language; {name} in it takes vars.name.
function t(key, vars) {
  const text = HP_TEXT[HP_LANG][key] || HP_TEXT.zh[key] || key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
}
// Elements name their text by data-t, their aria-label by data-t-label; the #lang link switches.
function applyTexts() {
  document.documentElement.lang = HP_LANG === 'en' ? 'en' : 'zh-CN';
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', t(el.dataset.tLabel));
  const lang = document.getElementById('lang');
  if (lang) {
    lang.textContent = HP_LANG === 'en' ? '中文' : 'English';
    lang.lang = HP_LANG === 'en' ? 'zh-CN' : 'en';
    lang.href = location.pathname + (HP_LANG === 'en' ? '?lang=zh' : '?lang=en');
  }
}
