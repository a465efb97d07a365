'use strict';
// The phone page an upload QR opens: photograph one material, watch the upload, get the verdict.
(function () {
  const token = location.pathname.split('/').pop();
  const $ = (id) => document.getElementById(id);
  const headers = { 'X-Upload-Code': token };
  const message = (error) => (HP_LANG === 'en' && error.message_en ? error.message_en : error.message);
  applyTexts();
  $('preview').alt = t('preview');

  async function info() {
    const res = await fetch('/api/v1/upload-codes/current', { headers });
    const data = await res.json();
    if (!res.ok) { $('message').textContent = message(data.error); $('photo').disabled = true; return; }
    $('service').textContent = data.service_name;
    $('material').textContent = data.material_name;
    $('count').textContent = t('pagesSoFar', { pages: data.pages_in_material, left: data.max_pages - data.pages_added });
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
        $('verdict-text').textContent = t('uploaded', { page: data.page.position });
        const r = await fetch(data.page.thumbnail_url, { headers });
        $('preview').src = URL.createObjectURL(await r.blob());
        $('preview').hidden = false;
        $('retake').hidden = true;
      } else {
        $('verdict-text').dataset.state = 'rejected';
        $('verdict-text').textContent = data.error ? message(data.error) : t('uploadFailed', { status: xhr.status });
        for (const r of data.reasons || []) $('reasons').append(Object.assign(document.createElement('li'), { textContent: message(r) }));
        $('preview').hidden = true;
        $('retake').hidden = false;
      }
      info();
    };
    xhr.onerror = () => { $('progress').hidden = true; $('message').textContent = t('networkError'); };
    xhr.send(file);
  }

  $('photo').addEventListener('change', (e) => { if (e.target.files[0]) upload(e.target.files[0]); e.target.value = ''; });
  $('retake').addEventListener('click', () => $('photo').click());
  info();
})();
