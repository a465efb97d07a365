'use strict';
// The texts of the phone's pages (手机办事, 扫一扫, 授权登录, 拍照上传), after i18n.js.
Object.assign(HP_TEXT.zh, {
  largeText: '大字模式', backToPhone: '返回手机办事',
  // sign-in on the phone
  unitField: '统一社会信用代码或单位编号（个人办事留空）', accountField: '身份证号码或手机号码', passwordField: '密码',
  signIn: '登录',
  // 手机办事
  phoneTitle: '手机办事 · 网上办事服务大厅', phoneHome: '手机办事',
  phoneSignedOutHint: '登录后，用手机相机扫描电脑上的登录二维码，即可在手机上确认电脑登录。',
  forgotPassword: '忘记密码？', noAccount: '没有账号？', registerNow: '立即注册',
  phoneSignedInHint: '点“扫一扫”，或用手机自带相机扫描电脑上的登录二维码，即可确认电脑登录。',
  scan: '扫一扫', myApplications: '我的办件', messages: '消息', accountAndUnits: '个人信息与单位',
  signedInAs: '已登录：{name}（{id}）', forUnit: '，代表 {unit}',
  // 扫一扫
  scanTitle: '扫一扫 · 网上办事服务大厅', scanHint: '将电脑屏幕上的登录二维码或材料上传二维码放入框内，识别后自动打开。',
  cameraView: '相机画面', fromAlbum: '从相册选择二维码图片',
  noReader: '扫码组件未安装，请使用手机自带相机扫描二维码。', opening: '已识别，正在打开…',
  notOurs: '这不是本大厅的二维码。请扫描电脑屏幕上的登录二维码，或材料上传二维码。',
  readerFailed: '扫码组件加载失败，请使用手机自带相机扫码。（{why}）',
  noCameraHere: '此浏览器不能在网页中打开相机（需要 HTTPS 连接）。请使用手机自带相机扫码，或从相册选择二维码图片。',
  cameraRefused: '未允许使用相机。也可以从相册选择二维码图片。', cameraFailed: '无法打开相机。也可以从相册选择二维码图片。',
  reading: '正在识别，请将二维码放入框内…', readingPicture: '正在识别图片…', noQrInPicture: '这张图片中没有找到二维码。',
  pictureUnreadable: '无法识别这张图片。（{why}）',
  // 授权登录
  confirmTitle: '授权登录 · 网上办事服务大厅', confirmHeading: '授权登录',
  signInFirst: '请先在手机上登录，登录后将继续确认刚才扫描的电脑登录。',
  checkPortal: '您正在登录电脑上的网上办事服务大厅，请核对：',
  otherNetwork: '电脑与手机不在同一网络。如果电脑不在您身边，或不是您本人在操作，请点“取消登录”。',
  pickNumber: '请选择电脑屏幕上显示的数字', signInAs: '登录身份', cancelSignIn: '取消登录',
  site: '网站', browser: '浏览器', place: '位置', time: '时间', asPerson: '个人', validUntil: '有效期至 {date}',
  grantEnded: '（授权已失效）', numberFirst: '请先选择电脑屏幕上显示的数字', confirmed: '已登录，请回到电脑继续办理',
  wrongNumber: '数字与电脑上的不一致，本次登录已取消。请在电脑上刷新二维码后重新扫码。', signInCancelled: '已取消登录',
  // 拍照上传
  uploadTitle: '拍照上传材料', uploadHeading: '拍照上传', takePhoto: '拍照 / 选择照片', retake: '重新拍摄',
  pagesSoFar: '已上传 {pages} 页；本二维码还可上传 {left} 页', uploaded: '上传成功，第 {page} 页',
  uploadFailed: '上传失败 (HTTP {status})', networkError: '网络错误，请重试', preview: '已上传页面的缩略图',
});
Object.assign(HP_TEXT.en, {
  largeText: 'Large text', backToPhone: 'Back to phone services',
  unitField: 'Unified social credit code or unit number (empty for yourself)', accountField: 'ID card number or mobile number',
  passwordField: 'Password', signIn: 'Sign in',
  phoneTitle: 'Phone services · Online Service Hall', phoneHome: 'Phone services',
  phoneSignedOutHint: 'Once signed in, scan the login QR code on a computer with your phone camera to confirm that sign-in here.',
  forgotPassword: 'Forgot your password?', noAccount: 'No account?', registerNow: 'Register',
  phoneSignedInHint: 'Tap “Scan”, or scan the login QR code on a computer with your phone camera, to confirm that sign-in.',
  scan: 'Scan', myApplications: 'My applications', messages: 'Messages', accountAndUnits: 'My details and units',
  signedInAs: 'Signed in: {name} ({id})', forUnit: ', for {unit}',
  scanTitle: 'Scan · Online Service Hall',
  scanHint: 'Hold the login QR code or a material upload QR code from the computer screen inside the frame; it opens once read.',
  cameraView: 'Camera view', fromAlbum: 'Choose a QR code picture from the album',
  noReader: 'The QR reader is not installed; scan the QR code with your phone camera.', opening: 'Read. Opening…',
  notOurs: 'This is not a QR code of this hall. Scan the login QR code on the computer screen, or a material upload QR code.',
  readerFailed: 'The QR reader did not load; scan with your phone camera. ({why})',
  noCameraHere: 'This browser cannot open the camera in a web page (that needs HTTPS). Scan with your phone camera, or choose a QR code picture from the album.',
  cameraRefused: 'The camera was not allowed. You can choose a QR code picture from the album.',
  cameraFailed: 'The camera could not be opened. You can choose a QR code picture from the album.',
  reading: 'Reading: hold the QR code inside the frame…', readingPicture: 'Reading the picture…',
  noQrInPicture: 'No QR code was found in this picture.', pictureUnreadable: 'This picture could not be read. ({why})',
  confirmTitle: 'Confirm sign-in · Online Service Hall', confirmHeading: 'Confirm sign-in',
  signInFirst: 'Sign in on your phone first; then you confirm the computer sign-in you just scanned.',
  checkPortal: 'You are signing in to the Online Service Hall on a computer. Check:',
  otherNetwork: 'The computer and this phone are not on the same network. If the computer is not next to you, or someone else is using it, tap “Cancel sign-in”.',
  pickNumber: 'Choose the number shown on the computer screen', signInAs: 'Sign in as', cancelSignIn: 'Cancel sign-in',
  site: 'Site', browser: 'Browser', place: 'Place', time: 'Time', asPerson: 'Myself', validUntil: 'valid until {date}',
  grantEnded: ' (authorisation ended)', numberFirst: 'First choose the number shown on the computer screen',
  confirmed: 'Signed in. Go back to the computer to continue.',
  wrongNumber: 'The number does not match the computer’s, so this sign-in is cancelled. Refresh the QR code on the computer and scan it again.',
  signInCancelled: 'Sign-in cancelled',
  uploadTitle: 'Photograph a material', uploadHeading: 'Photo upload', takePhoto: 'Take or choose a photo', retake: 'Take it again',
  pagesSoFar: '{pages} pages uploaded; this QR code can add {left} more', uploaded: 'Uploaded as page {page}',
  uploadFailed: 'Upload failed (HTTP {status})', networkError: 'Network error; try again', preview: 'Thumbnail of the uploaded page',
});
// An error of the API (common.js api()) for the page: in English its English message alone.
function errorText(err) {
  const e = err.data && err.data.error;
  return HP_LANG === 'en' && e && e.message_en ? e.message_en : err.message;
}
