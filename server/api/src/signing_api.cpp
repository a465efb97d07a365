// The documents' anti-counterfeit QR codes: the online check a scanned code gets (no sign-in),
// the page a phone's camera opens, and the trust list verifiers cache.
#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/api_error.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/services/application_documents.hpp"
#include "hallpass/signing/claims_json.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

namespace {

services::document_signing& signer_of(context& ctx) {
  auto* s = ctx.documents.signing();
  if (!s) throw api_exception{to_api_error(services::error(services::errc::documents_unavailable))};
  return *s;
}

using signing::utc_time;

}  // namespace

response document_check(context& ctx, request& req) {
  const auto& payload = req.path_params.at("payload");
  // Far longer than any code: not one of the hall's, and not worth decoding.
  auto result =
      signer_of(ctx).check(payload.size() > 600 ? std::string_view{} : std::string_view{payload}, req.remote_ip).or_throw();
  // What the code says is shown only where its signature held: an altered code's fields are noise.
  const bool verified = signing::signature_held(result.verdict);
  json::object out{{"verdict", signing::verdict_name(result.verdict)},
                   {"signed", verified && result.claims ? signing::claims_json(*result.claims) : json::value(nullptr)}};
  if (result.record) {
    auto& r = *result.record;
    out["record"] = json::object{{"application_id", std::to_string(r.application_id)},
                                 {"kind", r.kind},
                                 {"issued_at", utc_time(r.issued_at)},
                                 {"expires_at", utc_time(r.expires_at)},
                                 {"revoked_at", r.revoked_at ? json::value(utc_time(*r.revoked_at)) : json::value(nullptr)},
                                 {"revoked_reason", r.revoked_reason ? json::value(*r.revoked_reason) : json::value(nullptr)}};
  } else {
    out["record"] = nullptr;
  }
  auto r = json_response(out);
  r.set("Cache-Control", "no-store");  // a revocation shows at once
  return r;
}

response trust_list(context& ctx, request&) {
  response r;
  r.content_type = "application/json";
  r.body = signer_of(ctx).signed_trust_list();
  r.set("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace hallpass::server::api
