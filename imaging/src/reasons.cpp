// Person-readable texts for every rejection code (Chinese first, English second).
#include <hallpass/imaging/imaging.hpp>

namespace hallpass::imaging {

namespace {

struct text {
  std::string_view code, zh, en;
};

constexpr text texts[] = {
    {"unreadable_image", "无法读取图片：文件已损坏或不是图片，请重新拍摄", "The file cannot be read as an image; please take the photo again"},
    {"too_many_pixels", "图片像素过多，请降低相机分辨率后重新拍摄", "The image has too many pixels; lower the camera resolution and retake"},
    {"unsupported_type", "不支持的文件类型，请上传照片（JPEG、PNG、WebP、HEIC）", "Unsupported file type; upload a photo (JPEG, PNG, WebP, HEIC)"},
    {"no_document", "未检测到文件：请将材料平放在对比明显的背景上，完整拍摄", "No document found: lay the paper on a contrasting surface and photograph all of it"},
    {"blurred", "照片模糊，请对焦后保持手机稳定重新拍摄", "The photo is blurred; focus and hold the phone steady, then retake"},
    {"too_dark", "照片过暗，请在光线充足处重新拍摄", "The photo is too dark; retake it in better light"},
    {"overexposed", "照片过亮，文字已看不清，请避开强光重新拍摄", "The photo is overexposed; avoid strong light and retake"},
    {"glare", "照片有反光，请调整角度避开灯光重新拍摄", "There is glare on the page; tilt the phone away from the light and retake"},
    {"cut_off", "文件未拍全，请让整页都在画面内", "The page is cut off; make sure the whole page is inside the photo"},
    {"low_resolution", "分辨率不足，请靠近一些或使用更高分辨率重新拍摄", "The resolution is too low; move closer or use a higher resolution"},
    {"blank_page", "这是一张空白页，请拍摄有内容的一面", "The page is blank; photograph the side with content"},
    {"pdf_too_large", "PDF 文件过大，请压缩或拆分后重新上传", "The PDF file is too large; compress or split it and upload again"},
    {"pdf_broken", "PDF 文件已损坏或不完整，无法打开，请重新导出后上传", "The PDF is damaged or incomplete and cannot be opened; export it again and upload"},
    {"pdf_encrypted", "PDF 文件已加密或设有密码，请取消加密后重新上传", "The PDF is encrypted or password-protected; remove the protection and upload again"},
    {"pdf_too_complex", "PDF 页面过于复杂，无法显示，请重新导出（如“打印为 PDF”）后上传", "The PDF's first page is too complex to display; export it again (e.g. print to PDF) and upload"},
    {"pdf_too_many_pages", "PDF 页数过多，请拆分后分别上传", "The PDF has too many pages; split it and upload the parts"},
    {"no_face", "未检测到人脸，请正对镜头、免冠拍摄", "No face found; face the camera without a hat"},
    {"several_faces", "照片中有多张人脸，请只拍摄申请人本人", "There is more than one face in the photo; only the applicant may be in it"},
    {"face_too_small", "人脸过小，请靠近一些拍摄", "The face is too small; move closer to the camera"},
    {"face_near_edge", "人脸离照片边缘太近，无法裁剪为标准照片，请居中拍摄，头顶和两侧留出空白", "The face is too close to the edge to crop a standard photo; centre it with room above and beside the head"},
    {"background_not_light", "背景颜色过深，请在白色背景前拍摄", "The background is not light; stand in front of a white background"},
    {"background_not_plain", "背景不是纯色，请在白色纯色背景前拍摄", "The background is not plain; stand in front of a plain white background"},
    {"face_detector_unavailable", "人脸检测暂不可用，请稍后再试", "Face detection is unavailable; please try again later"},
    {"internal_error", "图片处理失败，请重试", "The photo could not be processed; please try again"},
};

}  // namespace

reason make_reason(std::string_view code, std::string_view detail_zh, std::string_view detail_en) {
  reason r{std::string(code), "", ""};
  for (const text& t : texts)
    if (t.code == code) r.message = t.zh, r.message_en = t.en;
  if (r.message.empty()) r.message = "图片不可用", r.message_en = "The photo cannot be used";
  if (!detail_zh.empty()) r.message += "（" + std::string(detail_zh) + "）";
  if (!detail_en.empty()) r.message_en += " (" + std::string(detail_en) + ")";
  return r;
}

}  // namespace hallpass::imaging
