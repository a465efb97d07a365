// process(): decode -> find page -> flatten + deskew -> checks -> enhance -> encode.
#include "internal.hpp"

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <mutex>
#include <cmath>
#include <sstream>

namespace hallpass::imaging {

namespace {

// OpenCV 4.6 builds its BGR→Lab tables on first use without a lock: two threads converting at
// once for the first time race on them and leak a set. Building them once, under call_once,
// before any conversion makes the first concurrent photos safe.
void build_colour_tables_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    cv::Mat pixel(1, 1, CV_8UC3, cv::Scalar::all(128)), lab;
    cv::cvtColor(pixel, lab, cv::COLOR_BGR2Lab);
  });
}

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

std::string fmt(double v, int digits = 2) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << v;
  return s.str();
}

// Adds a check and, when it fails, the reason a person reads.
void add_check(page_result& r, const std::string& name, double value, double threshold, bool ok,
               const std::string& code, const std::string& zh_label, const std::string& en_label,
               const std::string& relation) {
  r.checks[name] = {value, threshold, ok};
  if (ok) return;
  for (const reason& existing : r.reasons)
    if (existing.code == code) return;
  r.reasons.push_back(make_reason(code, zh_label + " " + fmt(value, 3) + "，要求 " + relation + " " + fmt(threshold, 3),
                                  en_label + " " + fmt(value, 3) + ", required " + relation + " " + fmt(threshold, 3)));
}

cv::Mat search_copy(const cv::Mat& bgr, int long_side) {
  double f = double(long_side) / std::max(bgr.cols, bgr.rows);
  if (f >= 1) return bgr;
  cv::Size target(std::max(1, cvRound(bgr.cols * f)), std::max(1, cvRound(bgr.rows * f)));
  cv::Mat twice, small;
  // point-sample to twice the size, then average 2x2: a fraction of an area resize's cost
  cv::resize(bgr, twice, target * 2, 0, 0, cv::INTER_LINEAR);
  cv::resize(twice, small, target, 0, 0, cv::INTER_AREA);
  return small;
}

}  // namespace

page_result process_image(const cv::Mat& bgr_in, const options& opts) {
  build_colour_tables_once();
  page_result r;
  auto t_total = clock_type::now();
  try {
    cv::Mat bgr = bgr_in;
    if (bgr.channels() == 1) cv::cvtColor(bgr_in, bgr, cv::COLOR_GRAY2BGR);
    if (bgr.channels() == 4) cv::cvtColor(bgr_in, bgr, cv::COLOR_BGRA2BGR);
    r.photo_width = bgr.cols;
    r.photo_height = bgr.rows;
    const thresholds& th = opts.limits;
    if (std::min(bgr.cols, bgr.rows) < 200) {
      add_check(r, "photo_size", std::min(bgr.cols, bgr.rows), 200, false, "low_resolution", "照片短边像素",
                "photo short side, px", "≥");
      r.timings_ms["total"] = ms_since(t_total);
      return r;
    }

    auto t = clock_type::now();
    cv::Mat search = search_copy(bgr, 720);
    detection det = find_page(search, bgr);
    r.timings_ms["detect"] = ms_since(t);
    r.confidence = det.confidence;
    if (!det.found) {
      r.reasons.push_back(make_reason("no_document"));
      r.timings_ms["total"] = ms_since(t_total);
      return r;
    }
    r.corners = det.corners;
    add_check(r, "confidence", det.confidence, th.min_confidence, det.confidence >= th.min_confidence,
              "no_document", "页面识别置信度", "page detection confidence", "≥");

    double diag = std::hypot(bgr.cols, bgr.rows), margin = 1e9;
    for (const point& p : det.corners)
      margin = std::min({margin, p.x, p.y, bgr.cols - 1 - p.x, bgr.rows - 1 - p.y});
    margin /= diag;
    if (det.touches_border) margin = std::min(margin, 0.0);
    add_check(r, "in_frame", margin, th.min_frame_margin, margin >= th.min_frame_margin && !det.touches_border,
              "cut_off", "页面到画面边缘的距离（对角线比例）", "page margin to photo edge (fraction of diagonal)", "≥");

    // flatten at no more resolution than the photo captured
    t = clock_type::now();
    detail::page_geometry g = detail::choose_geometry(bgr, det.corners, opts.paper);
    r.paper = g.paper;
    double long_mm = g.width_mm > 0 ? std::max(g.width_mm, g.height_mm) : 297.0;  // unknown: A4-sized
    r.captured_dpi = g.photo_long_px / (long_mm / 25.4);
    double dpi = std::min(opts.max_dpi, r.captured_dpi);
    double out_long = long_mm / 25.4 * dpi;
    cv::Size out = g.aspect >= 1 ? cv::Size(cvRound(out_long), cvRound(out_long / g.aspect))
                                 : cv::Size(cvRound(out_long * g.aspect), cvRound(out_long));
    out.width = std::max(out.width, 16);
    out.height = std::max(out.height, 16);
    add_check(r, "resolution_dpi", r.captured_dpi, th.min_dpi, r.captured_dpi >= th.min_dpi, "low_resolution",
              "有效分辨率 dpi", "effective resolution, dpi", "≥");

    cv::Matx33d h = detail::page_homography(det.corners, out);
    double pf = std::min(1.0, 900.0 / std::max(out.width, out.height));
    cv::Matx33d s(pf, 0, 0, 0, pf, 0, 0, 0, 1);
    cv::Mat preview, preview_grey;
    cv::Size psize(cvRound(out.width * pf), cvRound(out.height * pf));
    cv::warpPerspective(bgr, preview, s * h, psize, cv::INTER_AREA, cv::BORDER_REPLICATE);
    cv::cvtColor(preview, preview_grey, cv::COLOR_BGR2GRAY);
    double skew = detail::estimate_skew_degrees(preview_grey);
    r.checks["skew_corrected_deg"] = {skew, 3.0, true};
    if (std::abs(skew) >= 0.05) {
      cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(out.width / 2.f, out.height / 2.f), -skew, 1.0);
      cv::Matx33d rr(rot.at<double>(0, 0), rot.at<double>(0, 1), rot.at<double>(0, 2), rot.at<double>(1, 0),
                     rot.at<double>(1, 1), rot.at<double>(1, 2), 0, 0, 1);
      h = rr * h;
    }
    cv::Mat page;
    cv::warpPerspective(bgr, page, h, out, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    r.timings_ms["flatten"] = ms_since(t);

    t = clock_type::now();
    detail::measurements m = detail::measure_page(page);
    m.sharpness = detail::photo_sharpness(bgr, search, det.corners);
    bool sharp_known = m.sharpness > 0;
    add_check(r, "sharpness", m.sharpness, th.min_sharpness, !sharp_known || m.sharpness >= th.min_sharpness,
              "blurred", "清晰度", "sharpness", "≥");
    add_check(r, "paper_brightness", m.paper_brightness, th.min_paper_brightness,
              m.paper_brightness >= th.min_paper_brightness, "too_dark", "纸面亮度", "paper brightness", "≥");
    add_check(r, "clipped_shadows", m.clipped_shadows, th.max_clipped_shadows,
              m.clipped_shadows <= th.max_clipped_shadows, "too_dark", "死黑比例", "clipped shadows", "≤");
    add_check(r, "clipped_highlights", m.clipped_highlights, th.max_clipped_highlights,
              m.clipped_highlights <= th.max_clipped_highlights, "overexposed", "过曝比例", "clipped highlights", "≤");
    add_check(r, "glare", m.glare, th.max_glare, m.glare <= th.max_glare, "glare", "反光面积比例", "glare area", "≤");
    add_check(r, "ink", m.ink, th.min_ink, m.ink >= th.min_ink, "blank_page", "内容像素比例", "content pixels", "≥");
    r.timings_ms["checks"] = ms_since(t);
    if ((det.touches_border || margin < 0) && m.ink < th.min_ink) {
      // an empty "page" running off the frame is a desk or a wall, not a document
      r.reasons.clear();
      r.reasons.push_back(make_reason("no_document"));
    }

    r.accepted = r.reasons.empty();
    t = clock_type::now();
    r.thumbnail_jpeg = detail::make_thumbnail(page);
    if (r.accepted && opts.produce_output) {
      cv::Mat enhanced = detail::enhance_page(page, opts.mode);
      if (enhanced.channels() == 3 && detail::is_effectively_grey(enhanced))
        cv::cvtColor(enhanced, enhanced, cv::COLOR_BGR2GRAY);
      r.timings_ms["enhance"] = ms_since(t);
      t = clock_type::now();
      double area_mm2 = g.width_mm > 0 ? g.width_mm * g.height_mm : 210.0 * 297.0;
      double share = std::max(0.25, area_mm2 / (210.0 * 297.0));
      auto budget = std::size_t(double(opts.size_budget_bytes) * share);
      detail::encoded e = detail::encode_to_budget(enhanced, dpi, opts.format, budget,
                                                   std::min(opts.min_output_dpi, dpi));
      r.output = std::move(e.bytes);
      r.output_format = opts.format == output_format::png ? "png" : "jpeg";
      r.width = e.width;
      r.height = e.height;
      r.dpi = e.dpi;
      r.timings_ms["encode"] = ms_since(t);
    }
  } catch (const std::exception& e) {
    r.accepted = false;
    r.output.clear();
    r.reasons.push_back(make_reason("internal_error", {}, e.what()));
  }
  r.timings_ms["total"] = ms_since(t_total);
  return r;
}

page_result process(std::span<const std::uint8_t> bytes, const options& opts) {
  auto t0 = clock_type::now();
  page_result r;
  try {
    detail::decoded d = detail::decode_image(bytes, opts.max_pixels);
    double decode_ms = ms_since(t0);
    if (d.bgr.empty()) {
      r.reasons.push_back(make_reason(d.error_code, {}, d.detail_en));
      r.timings_ms["decode"] = decode_ms;
      r.timings_ms["total"] = ms_since(t0);
      return r;
    }
    r = process_image(d.bgr, opts);
    r.timings_ms["decode"] = decode_ms;
  } catch (const std::exception& e) {
    r = {};
    r.reasons.push_back(make_reason("internal_error", {}, e.what()));
  }
  r.timings_ms["total"] = ms_since(t0);
  return r;
}

}  // namespace hallpass::imaging
