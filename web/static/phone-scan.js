'use strict';
// 扫一扫 in the phone web app: the camera in the page (getUserMedia), each frame read by ZXing-C++
// built for the browser (zxing-wasm, served by this server under /vendor). A QR of this hall, a
// portal login (/l/…) or a material upload (/u/…), opens at once; any other code is named and
// left alone. A photo from the album is read the same way.
(function () {
  const status = document.getElementById('scan-status');
  const video = document.getElementById('camera');
  const say = (text, error) => { status.textContent = text; status.classList.toggle('error', !!error); };
  applyTexts();
  if (!window.ZXingWASM) {
    say(t('noReader'), true);
    return;
  }
  ZXingWASM.prepareZXingModule({ overrides: { locateFile: (file) => '/vendor/' + file } });
  const options = { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 };
  let stream = null;
  let done = false;
  const stop = () => { if (stream) stream.getTracks().forEach((t) => t.stop()); stream = null; };

  // The hall's own links only: this origin, and a login or upload path.
  const hallLink = (text) => {
    let url;
    try { url = new URL(text); } catch (e) { return null; }
    return url.origin === location.origin && /^\/[lu]\/[A-Za-z0-9_-]{1,128}$/.test(url.pathname) ? url.href : null;
  };
  // True when a result was this hall's and is being opened.
  const open = (results) => {
    for (const r of results) {
      const link = hallLink(r.text);
      if (link) {
        done = true;
        stop();
        say(t('opening'));
        location.assign(link);
        return true;
      }
      say(t('notOurs'), true);
    }
    return false;
  };

  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  async function readFrame() {
    if (done || !stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const scale = Math.min(1, 1280 / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      try {
        open(await ZXingWASM.readBarcodes(context.getImageData(0, 0, canvas.width, canvas.height), options));
      } catch (e) {
        stop();
        say(t('readerFailed', { why: e.message }), true);
        return;
      }
    }
    setTimeout(readFrame, 150);
  }

  // Without a camera the frame goes; the album stays.
  const noCamera = (text) => {
    video.parentElement.hidden = true;
    say(text, true);
  };
  async function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      noCamera(t('noCameraHere'));
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false, video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } } });
    } catch (e) {
      noCamera(t(e.name === 'NotAllowedError' ? 'cameraRefused' : 'cameraFailed'));
      return;
    }
    video.srcObject = stream;
    await video.play();
    say(t('reading'));
    readFrame();
  }

  document.getElementById('photo').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    say(t('readingPicture'));
    try {
      const results = await ZXingWASM.readBarcodes(file, options);
      if (!open(results) && results.length === 0) say(t('noQrInPicture'), true);
    } catch (err) {
      say(t('pictureUnreadable', { why: err.message }), true);
    }
  });
  window.addEventListener('pagehide', stop);
  start();
})();
