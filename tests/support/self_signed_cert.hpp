#pragma once
// A self-signed P-256 certificate for 127.0.0.1 and localhost (also as subjectAltName, which
// clients check), valid for an hour, written as cert.pem and key.pem into dir.
#include <filesystem>

namespace hallpass::test {

void make_certificate(const std::filesystem::path& dir);

}  // namespace hallpass::test
