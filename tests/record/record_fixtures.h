#pragma once
// Fixtures for the record store tests: a store in a temp dir fed message by message, and
// builders for ADT, ORU and SIU messages about invented patients (NHS numbers from the 999 test
// range, which pass modulus 11).
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/record/record_store.h"
#include "tests/support/test_support.h"

namespace irwell::record::testing {

using irwell::testing::cr;

inline constexpr const char* kAdaNhs = "9990000018";
inline constexpr const char* kBenNhs = "9990000026";
inline constexpr const char* kCaraNhs = "9990000034";
inline constexpr const char* kDevNhs = "9990000042";

// A PID segment: fields by number (1-based), everything else empty.
inline std::string segment(const std::string& id, const std::map<int, std::string>& fields) {
  int last = fields.empty() ? 0 : fields.rbegin()->first;
  std::string out = id;
  for (int i = 1; i <= last; ++i) {
    out += '|';
    if (auto it = fields.find(i); it != fields.end()) out += it->second;
  }
  return out;
}

// PID with an MRN (authority RXA) and, when given, an NHS number; `extra` adds or overrides.
inline std::string pid(const std::string& mrn, const std::string& nhs, const std::string& family,
                       const std::string& given, std::map<int, std::string> extra = {}) {
  std::string ids = mrn + "^^^RXA^MR";
  if (!nhs.empty()) ids += "~" + nhs + "^^^NHS^NH";
  std::map<int, std::string> f = {{1, "1"},
                                  {3, ids},
                                  {5, family + "^" + given + "^^^MX"},
                                  {7, "19800101"},
                                  {8, "F"},
                                  {11, "1 Test Street^^Testtown^^TT1 1TT"},
                                  {13, "01632 960001"}};
  for (auto& [k, v] : extra) f[k] = v;
  return segment("PID", f);
}

// PV1: class, location (ward^room^bed^facility), visit number, plus extras.
inline std::string pv1(const std::string& patient_class, const std::string& location,
                       const std::string& visit, std::map<int, std::string> extra = {}) {
  std::map<int, std::string> f = {{1, "1"},      {2, patient_class},
                                  {3, location}, {9, "C1234^HOUSE^GREG^^^DR"},
                                  {10, "GMED"},  {19, visit}};
  for (auto& [k, v] : extra) f[k] = v;
  return segment("PV1", f);
}

inline int next_control_id() {
  static int n = 0;
  return ++n;
}

// A whole ADT message: MSH (time), EVN (event, time), then the given segments.
inline std::string adt(const std::string& event, const std::string& time,
                       const std::vector<std::string>& segments) {
  std::string m = "MSH|^~\\&|PAS|RXA|EPR|ICS|" + time + "||ADT^" + event + "|ADT" +
                  std::to_string(next_control_id()) + "|P|2.4\nEVN|" + event + "|" + time + "\n";
  for (const std::string& s : segments) m += s + "\n";
  return cr(m);
}

inline std::string oru(const std::string& time, const std::vector<std::string>& segments) {
  std::string m = "MSH|^~\\&|LAB|RXA|EPR|ICS|" + time + "||ORU^R01|LAB" +
                  std::to_string(next_control_id()) + "|P|2.4\n";
  for (const std::string& s : segments) m += s + "\n";
  return cr(m);
}

inline std::string siu(const std::string& event, const std::string& time,
                       const std::vector<std::string>& segments) {
  std::string m = "MSH|^~\\&|SCHED|RXA|EPR|ICS|" + time + "||SIU^" + event + "|SCH" +
                  std::to_string(next_control_id()) + "|P|2.4\n";
  for (const std::string& s : segments) m += s + "\n";
  return cr(m);
}

// An input with a message store id and a receipt time derived from it. It views `raw`, which
// must outlive it (hence no temporaries).
ApplyInput input(std::string&& raw, int64_t message_id) = delete;
inline ApplyInput input(const std::string& raw, int64_t message_id) {
  ApplyInput in;
  in.raw = raw;
  in.provenance.message_id = message_id;
  in.provenance.received_at = TimePoint(std::chrono::seconds(1'800'000'000 + message_id));
  return in;
}

// A store in its own temp dir; apply() gives each message the next message store id.
class Feed {
 public:
  explicit Feed(SharingPolicy sharing = {}) {
    RecordStoreOptions o;
    o.path = dir_ / "records.db";
    o.sharing = std::move(sharing);
    auto s = RecordStore::open(o);
    if (!s) FAIL(s.error().message);
    store_ = std::move(*s);
  }

  ApplyOutcome apply(const std::string& raw, int64_t message_id = 0) {
    auto out = store_->apply(input(raw, message_id ? message_id : next_id_++));
    if (!out) FAIL(out.error().message);
    return *out;
  }

  PatientRecord patient(const std::string& nhs) {
    auto r = store_->get_patient(nhs);
    if (!r) FAIL(r.error().message);
    if (!*r) FAIL("no record for " + nhs);
    return **r;
  }

  std::string json(const std::string& nhs) { return to_json(patient(nhs), false); }

  RecordStore& store() { return *store_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  irwell::testing::TempDir dir_;
  std::unique_ptr<RecordStore> store_;
  int64_t next_id_ = 1;
};

}  // namespace irwell::record::testing
