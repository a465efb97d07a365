// Page renderers and random helpers shared by the synthetic photo generators.
#pragma once

#include <opencv2/core.hpp>

#include <random>

namespace hallpass::imaging::testing {

using rng_t = std::mt19937;

double uni(rng_t& r, double a, double b);
int uni_i(rng_t& r, int a, int b);

// An A4-like page of text blocks and tables, `size` pixels.
cv::Mat render_a4(rng_t& r, cv::Size size);
// An ID-1 card layout; `mask` gets its rounded outline.
cv::Mat render_card(rng_t& r, cv::Size size, cv::Mat& mask);

}  // namespace hallpass::imaging::testing
