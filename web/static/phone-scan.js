'use strict';
// 扫一扫 in the phone web app: the camera in the page (getUserMedia), each frame read by ZXing-C++
// built for the browser (zxing-wasm, served by this server under /vendor). A QR of this hall, a
// portal login (/l/…) or a material upload (/u/…), opens at once; any other code is named and
// left alone. A photo from the album is read the same way.
(function () {
  const status = document.getElementById('scan-status');
  const video = document.getElementById('camera');
  const say = (text, error) => { status.textContent = text; status.classList.toggle('error', !!error); };
  if (!window.ZXingWASM) {
    say('扫码组件未安装，请使用手机自带相机扫描二维码。', true);
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
        say('已识别，正在打开…');
        location.assign(link);
        return true;
      }
      say('这不是本大厅的二维码。请扫描电脑屏幕上的登录二维码，或材料上传二维码。', true);
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
        say('扫码组件加载失败，请使用手机自带相机扫码。（' + e.message + '）', true);
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
      noCamera('此浏览器不能在网页中打开相机（需要 HTTPS 连接）。请使用手机自带相机扫码，或从相册选择二维码图片。');
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false, video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } } });
    } catch (e) {
      noCamera((e.name === 'NotAllowedError' ? '未允许使用相机' : '无法打开相机') + '。也可以从相册选择二维码图片。');
      return;
    }
    video.srcObject = stream;
    await video.play();
    say('正在识别，请将二维码放入框内…');
    readFrame();
  }

  document.getElementById('photo').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    say('正在识别图片…');
    try {
      const results = await ZXingWASM.readBarcodes(file, options);
      if (!open(results) && results.length === 0) say('这张图片中没有找到二维码。', true);
    } catch (err) {
      say('无法识别这张图片。（' + err.message + '）', true);
    }
  });
  window.addEventListener('pagehide', stop);
  start();
})();
