'use strict';
// 文书验真: a document's QR code opened by any phone camera. The code is the last part of this
// page's URL; the hall answers whether it is genuine, revoked, expired or not its own, with what
// the code signs and the hall's record of it, for the person to compare with the paper.
(function () {
  const VERDICT = {
    genuine: ['真实有效', 'Genuine', '该文书由本大厅签发，签名完好，未被撤销。'],
    revoked: ['已撤销', 'Revoked', '该文书已被签发部门撤销，不再有效。'],
    expired: ['已过期', 'Expired', '该文书的验真有效期已过。'],
    retired_key_expired: ['已过期', 'Expired', '该文书的验真有效期已过，签名密钥也已停用。'],
    altered: ['内容与签名不符', 'Altered', '二维码的内容被改动过，或并非本大厅签发。请勿采信该文书。'],
    unknown_key: ['无法核验', 'Unknown key', '签名所用的密钥不是本大厅的。请勿采信该文书。'],
    not_hallpass: ['不是本大厅的文书二维码', 'Not a document of this hall', '请扫描本大厅文书左上角的二维码。'],
  };
  const TYPE = { receipt: '受理回执', approval: '准予行政许可决定书', rejection: '不予受理 / 不予许可决定书' };
  const time = (iso) => iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '';
  const fill = (id, rows) => {
    const dl = document.getElementById(id);
    dl.replaceChildren(...rows.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    dl.hidden = false;
    document.getElementById(id + '-title').hidden = false;
  };
  const show = (answer) => {
    const [zh, en, advice] = VERDICT[answer.verdict] || VERDICT.not_hallpass;
    const verdict = document.getElementById('verdict');
    verdict.dataset.verdict = answer.verdict;
    verdict.replaceChildren(zh + ' ', el('small', {}, en));
    document.getElementById('advice').textContent = advice;
    const s = answer.signed;
    if (s) {
      fill('signed', [['文书类型', TYPE[s.type] || s.type], ['申请编号', s.reference], ['申请人', s.holder],
        ['签发部门代码', s.office], ['签发时间', time(s.issued_at)], ['验真有效期至', time(s.expires_at)], ['文书序列号', s.serial]]);
    }
    const r = answer.record;
    if (r) {
      fill('record', [['状态', r.revoked_at ? '已撤销' : '有效'], ['撤销时间', time(r.revoked_at)], ['撤销原因', r.revoked_reason],
        ['申请编号', r.application_id], ['签发时间', time(r.issued_at)]]);
    }
  };
  const payload = location.pathname.split('/')[2] || '';
  fetch('/api/v1/document-checks/' + payload, { credentials: 'omit' })
    .then((res) => res.json())
    .then(show, () => {
      document.getElementById('verdict').textContent = '暂时无法核验，请稍后再试。';
    });
})();
