#pragma once
// The whole QR module: encode (text -> module matrix), render (PNG, SVG, raw pixels) and
// decode (grey pixels or image bytes -> text).

#include "hallpass/qr/decode.hpp"
#include "hallpass/qr/encode.hpp"
#include "hallpass/qr/error.hpp"
#include "hallpass/qr/render.hpp"
