'use strict';
// The phone page an upload QR opens: photograph one material, watch the upload, get the verdict.
(function () {
  const token = location.pathname.split('/').pop();
  const $ = (id) => document.getElementById(id);
  const headers = { 'X-Upload-Code': token };

  async function info() {
    const res = await fetch('/api/v1/upload-codes/current', { headers });
    const data = await res.json();
    if (!res.ok) { $('message').textContent = data.error.message; $('photo').disabled = true; return; }
    $('service').textContent = data.service_name;
    $('material').textContent = data.material_name;
    $('count').textContent = '已上传 ' + data.pages_in_material + ' 页；本二维码还可上传 ' + (data.max_pages - data.pages_added) + ' 页';
  }

  function upload(file) {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/upload-codes/current/pages');
    xhr.setRequestHeader('X-Upload-Code', token);
    xhr.setRequestHeader('Idempotency-Key', crypto.randomUUID());
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    $('progress').hidden = false;
    $('progress').value = 0;
    $('verdict').hidden = true;
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) $('progress').value = Math.round((e.loaded / e.total) * 100); };
    xhr.onload = async () => {
      $('progress').hidden = true;
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      $('verdict').hidden = false;
      $('reasons').replaceChildren();
      if (data.accepted) {
        $('verdict-text').dataset.state = 'success';
        $('verdict-text').textContent = '上传成功，第 ' + data.page.position + ' 页';
        const r = await fetch(data.page.thumbnail_url, { headers });
        $('preview').src = URL.createObjectURL(await r.blob());
        $('preview').hidden = false;
        $('retake').hidden = true;
      } else {
        $('verdict-text').dataset.state = 'rejected';
        $('verdict-text').textContent = data.error ? data.error.message : '上传失败 (HTTP ' + xhr.status + ')';
        for (const r of data.reasons || []) $('reasons').append(Object.assign(document.createElement('li'), { textContent: r.message }));
        $('preview').hidden = true;
        $('retake').hidden = false;
      }
      info();
    };
    xhr.onerror = () => { $('progress').hidden = true; $('message').textContent = '网络错误，请重试'; };
    xhr.send(file);
  }

  $('photo').addEventListener('change', (e) => { if (e.target.files[0]) upload(e.target.files[0]); e.target.value = ''; });
  $('retake').addEventListener('click', () => $('photo').click());
  info();
})();
