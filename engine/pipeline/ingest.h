#pragma once
// Ingest: the pure decision step between an MLLP frame and the store. Given the bytes of one
// frame, it parses and validates the message, routes it, and answers what to commit and which
// acknowledgement to send — without touching a socket or the disk, so every outcome is testable
// on its own (tests/pipeline/ingest_test.cpp). The MLLP session does the I/O:
// read -> FrameDecoder -> Ingest -> CommitQueue::submit -> await COMMIT -> write `ack`.
//
// Outcomes (one IngestResult per frame; HL7-EDGE-CASES H1-H9):
//   accepted   parsed, valid, routed (or filtered by every route): AA / CA.
//   unrouted   parsed and valid but no route matched: AA / CA when the source's `unrouted_ack`
//              is true, else AE / CE with ERR 207.
//   rejected   stored with the reason and its raw bytes, never routed:
//              - cannot be parsed (B8, C4, C6...): the source's `reject_code` (AR default) with
//                the parser's ERR code (100/101/102/199), built from the salvaged MSH (H7);
//              - more than one MSH in one frame (B9): `reject_code`, ERR 100;
//              - MSH-12 not in `allowed_versions`: AR, ERR 203; MSH-9 not in `allowed_types`:
//                AR, ERR 200 (H2: not about the content, the sender may retry elsewhere);
//              - a `required_fields` path without a value: AE, one ERR 101 per path (content);
//              - routing failed (transform errors, no delivery): AE, ERR 207;
//              - frame larger than max_frame_bytes (A9): AR, ERR 199, from the prefix kept;
//              - an ACK (MSH-9.1 `ACK`) sent to the listener: stored, NOT acknowledged (H8).
//   In enhanced mode the same outcomes use CA / CE / CR (AA->CA, AE->CE, AR->CR).
// Acknowledgement mode: the source's `ack_mode` (original, enhanced) or, with `auto`, enhanced
// when MSH-15 or MSH-16 is valued (H1). In enhanced mode irwell sends at most ONE reply per
// message, on the same connection (H9): the accept ACK (CA/CE/CR) when MSH-15 asks for it for
// this outcome (AL, ER on error, SU on success, empty = AL); otherwise, when MSH-16 asks for an
// application ACK for this outcome, the application-level code (AA/AE/AR) — irwell's processing
// (store + route) is complete at commit. irwell never originates a deferred application ACK
// later: the destination systems own application processing.
// Commit failure (disk full, I/O error): `commit_failure_ack` is sent instead of `ack` — AR
// (CR in enhanced mode) with ERR 207 for a message that would have been accepted (never AA),
// the same reply as `ack` for one that was being rejected anyway.
//
// Thread-safety: an Ingest is used by one thread at a time (the network thread); ingest() is
// otherwise free of shared state. The Router and Clock are borrowed and must outlive it (the
// Router: until set_router() replaced it).
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/source_config.h"
#include "engine/core/clock.h"
#include "engine/hl7/ack.h"
#include "engine/hl7/path.h"
#include "engine/pipeline/routing.h"
#include "engine/store/message_store.h"

namespace irwell::pipeline {

namespace detail {
struct Verdict;  // what the checks decided (ingest.cpp)
}

struct IngestResult {
  store::NewMessage message;       // what to commit (raw bytes always kept; ack inside)
  std::string ack;                 // reply after a successful commit; "" = send nothing
  std::string commit_failure_ack;  // reply if the commit fails; "" = send nothing
  std::vector<std::string> matched_routes;
  bool acknowledged() const { return !ack.empty(); }
};

class Ingest {
 public:
  // `source` is the source's name; `settings` its MLLP settings (checked by the config loader:
  // required_fields that are not valid paths are ignored here).
  Ingest(std::string source, const config::MllpSourceConfig& settings, const Clock& clock,
         const Router& router);

  // One complete frame payload received from `peer` ("ip:port").
  IngestResult frame(std::string_view payload, std::string_view peer);
  // A frame that exceeded max_frame_bytes (A9): `total_bytes` long, of which `prefix` was kept.
  IngestResult oversize(std::string_view prefix, size_t total_bytes, std::string_view peer);

  const std::string& source() const { return source_; }
  // Routes every later frame with `router` (a reload that changed only the routes); on the
  // thread that calls frame(), between frames. The previous router may go once this returns.
  void set_router(const Router& router) { router_ = &router; }

  // Counters since start, for operations (any thread).
  uint64_t unrouted() const { return unrouted_.load(std::memory_order_relaxed); }
  uint64_t filtered() const { return filtered_.load(std::memory_order_relaxed); }
  // Messages each route took, by route name (any thread).
  std::map<std::string, uint64_t> route_matches() const;

 private:
  IngestResult finish(std::string_view peer, const hl7::SalvagedHeader& h, const detail::Verdict& v,
                      store::NewMessage&& m);
  std::string reply(const hl7::SalvagedHeader& h, hl7::AckCode code,
                    const std::vector<hl7::AckError>& errors, TimePoint now);

  std::string source_;
  config::MllpSourceConfig settings_;
  std::vector<hl7::Path> required_;
  const Clock& clock_;
  const Router* router_;
  hl7::ControlIdGenerator ids_;
  std::atomic<uint64_t> unrouted_{0}, filtered_{0};
  mutable std::mutex matches_mutex_;
  std::map<std::string, uint64_t> matches_;  // guarded by matches_mutex_
};

}  // namespace irwell::pipeline
