#include "engine/record/record_codec.h"

#include <cstdint>
#include <type_traits>

namespace irwell::record {
namespace {

// Format 1. A new field goes at the end of its struct's visit() and bumps the version; the
// decoder then reads older blobs by stopping early (not needed yet: there is only format 1).
constexpr uint8_t kFormatVersion = 1;

// visit(a, x) lists a struct's stored fields once, for both directions.
template <class A>
void visit(A& a, Stamp& x) {
  a(x.time), a(x.message_id);
}
template <class A>
void visit(A& a, Source& x) {
  a(x.message_id), a(x.control_id), a(x.message_type), a(x.message_time), a(x.received_at);
}
template <class A>
void visit(A& a, Identifier& x) {
  a(x.id), a(x.authority), a(x.type);
}
template <class A>
void visit(A& a, CodedName& x) {
  a(x.code), a(x.name);
}
template <class A>
void visit(A& a, Location& x) {
  a(x.point_of_care), a(x.room), a(x.bed), a(x.facility);
}
template <class A>
void visit(A& a, Identity& x) {
  a(x.nhs_number), a(x.nhs_number_status), a(x.rejected_nhs_number), a(x.family_name);
  a(x.given_names), a(x.title), a(x.birth_date), a(x.sex), a(x.address), a(x.phones), a(x.gp);
  a(x.practice), a(x.deceased), a(x.death_time), a(x.stamp), a(x.sources);
}
template <class A>
void visit(A& a, Transfer& x) {
  a(x.time), a(x.from), a(x.to), a(x.cancelled), a(x.stamp), a(x.sources);
}
template <class A>
void visit(A& a, Encounter& x) {
  a(x.visit_number), a(x.patient_class), a(x.kind), a(x.status), a(x.admit_time), a(x.location);
  a(x.hospital_service), a(x.consultant), a(x.discharge_time), a(x.disposition);
  a(x.discharged_to), a(x.transfers), a(x.stamp), a(x.sources);
}
template <class A>
void visit(A& a, Appointment& x) {
  a(x.placer_id), a(x.filler_id), a(x.status), a(x.last_event), a(x.start_time), a(x.end_time),
      a(x.duration);
  a(x.reason), a(x.appointment_type), a(x.service), a(x.clinic), a(x.clinician), a(x.stamp);
  a(x.sources);
}
template <class A>
void visit(A& a, ObservationVersion& x) {
  a(x.value), a(x.units), a(x.reference_range), a(x.abnormal_flags), a(x.status);
  a(x.observed_time), a(x.stamp), a(x.message_id);
}
template <class A>
void visit(A& a, Observation& x) {
  a(x.code), a(x.text), a(x.sub_id), a(x.value_type), a(x.value), a(x.units);
  a(x.reference_range), a(x.abnormal_flags), a(x.status), a(x.observed_time), a(x.stamp);
  a(x.history), a(x.sources);
}
template <class A>
void visit(A& a, Order& x) {
  a(x.placer_order), a(x.filler_order), a(x.service), a(x.collected_time), a(x.reported_time);
  a(x.status), a(x.parent_result), a(x.clinic), a(x.observations), a(x.stamp), a(x.sources);
}
template <class A>
void visit(A& a, Allergy& x) {
  a(x.type), a(x.allergen), a(x.severity), a(x.reaction), a(x.identified_date), a(x.stamp);
  a(x.sources);
}
template <class A>
void visit(A& a, Contact& x) {
  a(x.name), a(x.relationship), a(x.address), a(x.phones), a(x.contact_role), a(x.stamp);
  a(x.sources);
}
template <class A>
void visit(A& a, PatientRecord& x) {
  a(x.identity), a(x.identifiers), a(x.merged_identifiers), a(x.encounters), a(x.appointments);
  a(x.results), a(x.allergies), a(x.contacts), a(x.opted_out), a(x.sharing_stamp), a(x.sources);
}

class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}
  void operator()(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void operator()(int64_t v) {
    (*this)((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void operator()(bool v) { out_.push_back(v ? 1 : 0); }
  void operator()(const std::string& s) {
    (*this)(static_cast<uint64_t>(s.size()));
    out_.append(s);
  }
  template <class T>
  void operator()(const std::vector<T>& v) {
    (*this)(static_cast<uint64_t>(v.size()));
    for (const T& item : v) (*this)(item);
  }
  template <class T, std::enable_if_t<std::is_class_v<T>, int> = 0>
  void operator()(const T& x) {
    visit(*this, const_cast<T&>(x));  // visit() only reads through an Encoder
  }

 private:
  std::string& out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }

  void operator()(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return broken();
      const auto byte = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return;
    }
    broken();
  }
  void operator()(int64_t& v) {
    uint64_t u = 0;
    (*this)(u);
    v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }
  void operator()(bool& v) {
    if (pos_ >= in_.size()) return broken();
    v = in_[pos_++] != 0;
  }
  void operator()(std::string& s) {
    uint64_t n = 0;
    (*this)(n);
    if (!ok_ || n > in_.size() - pos_) return broken();
    s.assign(in_.substr(pos_, n));
    pos_ += n;
  }
  template <class T>
  void operator()(std::vector<T>& v) {
    uint64_t n = 0;
    (*this)(n);
    // Every element takes at least one byte: a count beyond the bytes left is corruption, and
    // checking it first keeps a corrupt count from reserving gigabytes.
    if (!ok_ || n > in_.size() - pos_) return broken();
    v.clear();
    v.reserve(n);
    for (uint64_t i = 0; i < n && ok_; ++i) (*this)(v.emplace_back());
  }
  template <class T, std::enable_if_t<std::is_class_v<T>, int> = 0>
  void operator()(T& x) {
    if (ok_) visit(*this, x);
  }

 private:
  void broken() {
    ok_ = false;
    pos_ = in_.size();
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string encode_record(const PatientRecord& record) {
  std::string out;
  out.reserve(512);
  out.push_back(static_cast<char>(kFormatVersion));
  Encoder e(out);
  e(record);
  return out;
}

Result<PatientRecord> decode_record(std::string_view bytes) {
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != kFormatVersion) {
    return fail("record: stored patient record has an unknown format");
  }
  PatientRecord record;
  Decoder d(bytes.substr(1));
  d(record);
  if (!d.ok() || !d.at_end()) return fail("record: stored patient record is corrupt");
  return record;
}

}  // namespace irwell::record
