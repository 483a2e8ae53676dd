// The shared corpus of real-world sample messages (IRWELL_CORPUS): every file has a stated
// outcome below, so none is skipped silently; a good sample has path queries with expected
// values; every file is truncated at a few hundred offsets to show parse never crashes (K3).
#include <algorithm>
#include <catch2/catch.hpp>
#include <iostream>
#include <map>
#include <set>

#include "engine/hl7/batch.h"
#include "engine/hl7/escape.h"
#include "engine/hl7/message.h"
#include "tests/support/test_support.h"

using namespace irwell::hl7;
namespace t = irwell::testing;

namespace {

enum class Kind {
  round_trip,  // parses; encode() == raw() byte for byte (K5)
  normalised,  // parses; encode() == the raw bytes with CR terminators, no blank lines/BOM (B1-B3)
  batch,       // split_batch() gives `count` messages, each parses and re-encodes (J1-J5)
  error,       // parse fails with `count` = table 0357 code at `segment`/`field`
  junk_first,  // parse fails (100, junk before MSH); split_batch skips the junk: 1 message (B7)
};

struct Expect {
  Kind kind;
  int count = 0;
  size_t segment = 0;
  int field = 0;
};

constexpr Expect rt{Kind::round_trip};
constexpr Expect norm{Kind::normalised};
constexpr Expect batch(int n) { return {Kind::batch, n}; }
constexpr Expect error(int code, size_t segment, int field) {
  return {Kind::error, code, segment, field};
}

const std::map<std::string, Expect>& outcomes() {
  static const std::map<std::string, Expect> table = {
      {"ack/cdc-iis-ack-v04-aa-v251.hl7", rt},
      {"ack/cdc-iis-ack-v04-aa-warning-err-v251.hl7", rt},
      {"ack/cdc-iis-ack-v04-ae-2err-v251.hl7", rt},
      {"ack/cdc-iis-ack-v04-ae-3err-v251.hl7", rt},
      {"ack/cdc-iis-ack-v04-ar-err-203-v251.hl7", rt},
      {"ack/hapi-ack-v21-nondefault-subcomp.hl7", rt},
      {"ack/hapi-orl-o34-response-v251.hl7", rt},
      {"ack/ihe-pix-ack-a04-v231.hl7", rt},
      {"ack/ihe-pix-ack-a40-v231.hl7", rt},
      {"ack/izgw-rsp-k11-err-202-v251.hl7", rt},
      {"ack/ti-natus-ack-empty-msh7-v251.hl7", rt},
      {"ack/uclh-winpath-orr-o02-cr-v23.hl7", rt},
      {"adt/ihe-pix-adt-a04-v231.hl7", rt},
      {"adt/ihe-pix-adt-a40-adt_a39-v231.hl7", rt},
      {"adt/mirth-adt-a01-v231.hl7", rt},
      {"adt/mirth-adt-a08-v23.hl7", rt},
      {"adt/mirth-adt-a40-v23.hl7", rt},
      {"adt/msft-adt-a01-full-v28.hl7", rt},
      {"adt/msft-adt-a02-v28.hl7", rt},
      {"adt/msft-adt-a03-v28.hl7", rt},
      {"adt/msft-adt-a04-v28.hl7", rt},
      {"adt/msft-adt-a05-preadmit-v28.hl7", rt},
      {"adt/msft-adt-a08-v28.hl7", rt},
      {"adt/msft-adt-a11-cancel-admit-v28.hl7", rt},
      {"adt/msft-adt-a13-cancel-discharge-v28.hl7", rt},
      {"adt/msft-adt-a28-add-person-v28.hl7", rt},
      {"adt/msft-adt-a31-update-person-v28.hl7", rt},
      {"adt/msft-adt-a40-merge-two-pairs-v28.hl7", rt},
      {"adt/rh-adt-a01-full-v251.hl7", rt},
      {"adt/uclh-adt-a12-cancel-transfer-v24.hl7", rt},
      {"adt/uclh-adt-a17-swap-zpd-v24.hl7", rt},
      {"adt/uclh-adt-a40-merge-v24.hl7", rt},
      {"batch/mieweb-2msg-dft-p03-blank-line-separated.hl7", batch(2)},
      {"batch/mirth-124msg-adt-blank-line-separated.hl7", batch(124)},
      {"batch/mirth-3msg-siu-no-headers.hl7", batch(3)},
      {"batch/mirth-fhs-bhs-no-trailers-v24.hl7", batch(1)},
      {"batch/rs-fhs-bhs-20msg-bts-fts-cr.hl7", batch(20)},
      {"batch/rs-fhs-bhs-2msg-bts-fts.hl7", batch(2)},
      {"batch/rs-fhs-bhs-5msg-bts-fts.hl7", batch(5)},
      {"batch/ti-fhs-bhs-no-trailers.hl7", batch(1)},
      {"charset/dex-oru-r01-double-encoded-utf8.hl7", rt},
      {"charset/hapi-oml-o21-utf8-accent-empty-msh7-msh10.hl7", rt},
      {"charset/msft-adt-a01-utf8-bom-trailing-spaces-v23.hl7", norm},  // BOM dropped (B3)
      {"charset/rh-adt-a01-utf8-no-msh18.hl7", rt},
      {"charset/rs-msh18-repeated-utf8-unicode.hl7", rt},
      {"charset/rs-oru-r01-msh18-8859-1-with-utf8-bytes.hl7", rt},
      {"charset/ti-oru-r01-micro-sign-utf8-v251.hl7", rt},
      {"delimiters/hapi-adt-a24-caret-field-separator.hl7", rt},
      {"delimiters/hapi-qry-q01-v21-subcomp-brace.hl7", rt},
      {"delimiters/rh-adt-a01-custom-delimiters-hash.hl7", rt},
      {"delimiters/rs-oru-r01-truncation-char-aoe-v251.hl7", rt},
      {"delimiters/rs-oru-r01-truncation-char-hash-v251.hl7", rt},
      {"escape/eff-orm-o01-br-h-n-x-escapes-v23.hl7", rt},
      {"escape/rh-adt-a01-delimiter-escapes.hl7", rt},
      {"escape/ti-ca-oru-r01-br-and-r-escapes-v251.hl7", rt},
      {"large/ti-natus-oru-r01-ed-base64-html-35k-field.hl7", rt},
      {"large/uclh-copath-oru-r01-pdf-base64-split-obx.hl7", rt},
      {"line-endings/cr-segments-plus-final-lf-oru-r01.hl7", norm},
      {"line-endings/crlf-adt-a01-v25.hl7", norm},
      {"line-endings/lf-no-final-terminator-adt-a40.hl7", norm},
      {"line-endings/lf-only-adt-a01-v251.hl7", norm},
      {"malformed/adt-a01-msh2-double-backslash-literal-cr.hl7", error(102, 1, 2)},  // C4
      {"malformed/adt-a01-segments-joined-by-spaces.hl7", rt},                  // B6: one long MSH
      {"malformed/adt-a01-v22-literal-backslash-r-zuk.hl7", error(102, 1, 2)},  // C4
      {"malformed/adt-o01-blank-line-mid-message-crlf.hl7", norm},              // B2
      {"malformed/bad-segment-id-lengths.hl7", rt},                             // B5
      {"malformed/bar-p01-msh11-holds-message-type.hl7", rt},                   // G3
      {"malformed/empty-file.hl7", error(100, 0, 0)},                           // B8
      {"malformed/mdm-t04-hard-wrapped-lines.hl7", rt},                         // B6
      {"malformed/msh-missing-msh2.hl7", error(101, 1, 2)},
      {"malformed/msh-missing-msh9.hl7", error(101, 1, 9)},  // G2
      {"malformed/msh-only-no-fields.hl7", error(101, 1, 2)},
      {"malformed/msh12-version-1-0.hl7", rt},              // G1
      {"malformed/no-msh-segment.hl7", error(100, 1, 0)},   // B8
      {"malformed/oml-o21-empty-msh7-msh10.hl7", rt},       // I2, D7
      {"malformed/orm-o01-epic-hard-wrapped-obr.hl7", rt},  // B6
      {"malformed/oru-r01-copath-corrupt-base64.hl7", rt},
      {"malformed/oru-r01-trailing-junk-lines.hl7", {Kind::junk_first}},  // B7
      {"malformed/oru-r01-v22-obx-run-on-with-msa.hl7", rt},              // B6
      {"oru/dex-hepatitis-oru-r01-cr-v251.hl7", rt},
      {"oru/dex-tbrd-oru-r01-case-notification-v251.hl7", norm},  // interior blank lines (B2)
      {"oru/hapi-oru-r01-spanish-v251.hl7", rt},
      {"oru/lfh-oru-r01-v26.hl7", rt},
      {"oru/mirth-donkey-oru-r01-cr-v24.hl7", rt},
      {"oru/msft-oru-r01-small-v24.hl7", rt},
      {"oru/msft-oru-r01-v251.hl7", rt},
      {"oru/nhc-nist-oru-r01-tc1-v251.hl7", rt},
      {"oru/nhc-realm-oru-r01-joeslab-v251.hl7", rt},
      {"oru/rs-flf-oru-r01-v23.hl7", rt},
      {"oru/ti-ca-oru-r01-nbs-escapes-utf8-v251.hl7", rt},
      {"oru/ti-epic-oru-r01-template-v23.hl7", rt},
      {"oru/ti-tn-oru-r01-lri-nbs-v251.hl7", rt},
      {"oru/ti-tx-oru-r01-nbs-nte-v251.hl7", rt},
      {"oru/uclh-vitals-oru-r01-explicit-null-v24.hl7", rt},
      {"oru/uclh-winpath-oru-r01-sensitivity-v23.hl7", rt},
      {"other/hapi-omd-o03-repetitions-v25.hl7", rt},
      {"other/hapi-oml-o21-msh13-sequence-number-v251.hl7", rt},
      {"other/hapi-orm-o01-v22-msh13-seq.hl7", rt},
      {"other/mfn-m02-8859-1-french-msh13-zero-v231.hl7", rt},
      {"other/msft-mdm-t02-35obx-v23.hl7", rt},
      {"other/rs-orm-o01-v27.hl7", rt},
      {"other/ti-oracle-cerner-orm-o01-quoted-nulls-8859-1-v23.hl7", rt},
      {"other/uclh-ppr-pc1-problem-list-v24.hl7", rt},
      {"siu/corepoint-siu-s14-v23.hl7", rt},
      {"siu/mirth-siu-s12-v23.hl7", rt},
      {"siu/msft-siu-s12-long-v28.hl7", rt},
      {"siu/msft-siu-s12-v28.hl7", rt},
      {"siu/msft-siu-s13-v28.hl7", rt},
      {"siu/msft-siu-s14-v28.hl7", rt},
      {"siu/msft-siu-s15-v28.hl7", rt},
      {"siu/msft-siu-s26-v28.hl7", rt},
      {"siu/rh-siu-s12-v251.hl7", rt},
      {"zsegments/hapi-erp-r09-znt-8859-1-v231.hl7", rt},
      {"zsegments/rh-adt-a01-zvn-zpd.hl7", rt},
      {"zsegments/uclh-adt-a03-zlw-v24.hl7", rt},
      {"zsegments/uclh-adt-a05-zif-v24.hl7", rt},
      {"zsegments/uclh-adt-a15-zpd-v24.hl7", rt},
      {"zsegments/uclh-oru-r01-imaging-zds-zpf-v24.hl7", rt},
  };
  return table;
}

// What encode() should give for `raw`, computed independently of the parser: lines split at
// CR, LF or CRLF, whitespace-only lines and a leading BOM dropped, each line ended by CR.
std::string normalise(std::string raw) {
  if (raw.rfind("\xEF\xBB\xBF", 0) == 0) raw.erase(0, 3);
  std::string out, line;
  auto flush = [&] {
    if (line.find_first_not_of(" \t") != std::string::npos) out += line + "\r";
    line.clear();
  };
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' || raw[i] == '\n') {
      flush();
      if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      line.push_back(raw[i]);
    }
  }
  flush();
  return out;
}

bool corpus_available() {
  if (!t::corpus_dir().empty()) return true;
  WARN("IRWELL_CORPUS is not set: corpus tests skipped (CI sets it)");
  return false;
}

std::string read(const std::string& rel) { return t::read_file(t::corpus_dir() / rel); }

}  // namespace

TEST_CASE("corpus: every file has its stated outcome", "[hl7][corpus]") {
  if (!corpus_available()) return;
  const auto files = t::corpus_files();
  REQUIRE_FALSE(files.empty());
  std::map<Kind, int> counts;
  for (const std::string& rel : files) {
    INFO(rel);
    auto it = outcomes().find(rel);
    if (it == outcomes().end()) FAIL("corpus file with no stated outcome: add it to the table");
    const Expect& e = it->second;
    ++counts[e.kind];
    const std::string raw = read(rel);
    auto m = Message::parse(raw);
    switch (e.kind) {
      case Kind::round_trip:
        REQUIRE(m);
        CHECK(m->raw() == raw);
        CHECK(m->encode() == raw);
        break;
      case Kind::normalised:
        REQUIRE(m);
        CHECK(m->encode() != raw);
        CHECK(m->encode() == normalise(raw));
        break;
      case Kind::batch: {
        auto b = split_batch(raw);
        REQUIRE(b);
        CHECK(b->messages.size() == static_cast<size_t>(e.count));
        CHECK_FALSE(b->count_mismatch);
        for (const std::string& one : b->messages) {
          auto part = Message::parse(one);
          REQUIRE(part);
          CHECK(part->encode() == normalise(one));
        }
        break;
      }
      case Kind::error:
        REQUIRE_FALSE(m);
        CHECK(m.error().code == e.count);
        CHECK(m.error().segment == e.segment);
        CHECK(m.error().field == e.field);
        break;
      case Kind::junk_first: {
        REQUIRE_FALSE(m);
        CHECK(m.error().code == 100);
        auto b = split_batch(raw);
        REQUIRE(b);
        CHECK(b->messages.size() == 1);
        CHECK(b->warnings.size() == 1);
        CHECK(Message::parse(b->messages.at(0)));
        break;
      }
    }
  }
  // Table entries must name real files, so the table cannot rot silently either.
  std::set<std::string> present(files.begin(), files.end());
  for (const auto& [rel, e] : outcomes()) {
    INFO(rel);
    CHECK(present.count(rel) == 1);
  }
  std::cout << "hl7 corpus: checked " << files.size() << " files (" << counts[Kind::round_trip]
            << " byte-exact round trips, " << counts[Kind::normalised] << " normalised, "
            << counts[Kind::batch] << " batch/multi-message, " << counts[Kind::error]
            << " parse errors, " << counts[Kind::junk_first] << " junk-first)\n";
}

TEST_CASE("corpus: path queries return the expected values", "[hl7][corpus][path]") {
  if (!corpus_available()) return;
  struct Query {
    const char* file;
    const char* path;
    const char* expected;
  };
  const Query queries[] = {
      {"ack/cdc-iis-ack-v04-aa-v251.hl7", "MSH-9.2", "V04"},
      {"ack/hapi-ack-v21-nondefault-subcomp.hl7", "MSH-10", "589888ADT30502184808"},
      {"ack/hapi-orl-o34-response-v251.hl7", "PID-5.1", "ILL"},
      {"ack/izgw-rsp-k11-err-202-v251.hl7", "PID-3[1].1", "234819"},
      {"ack/ti-natus-ack-empty-msh7-v251.hl7", "MSH-7", ""},
      {"adt/ihe-pix-adt-a04-v231.hl7", "PID-5.1", "FARNSWORTH"},
      {"adt/mirth-adt-a40-v23.hl7", "PID-3[1].1", "1765431"},
      {"adt/msft-adt-a01-full-v28.hl7", "MSH-4.2", "2.16.840.1.122848.1.30"},
      {"adt/msft-adt-a01-full-v28.hl7", "PID-3[1].4.2", "2.16.1"},
      {"adt/msft-adt-a01-full-v28.hl7", "PID-3[2].1", "123456789"},
      {"adt/msft-adt-a01-full-v28.hl7", "PID-5.1.1", "EVERYMAN"},
      {"adt/msft-adt-a01-full-v28.hl7", "PID-5.1.5", "Aniston"},
      {"adt/msft-adt-a01-full-v28.hl7", "PID-5[2].1.1", "Josh"},
      {"adt/msft-adt-a01-full-v28.hl7", "OBX-5[2]", "120"},
      {"adt/rh-adt-a01-full-v251.hl7", "MSH-10", "CTRL0042"},
      {"adt/uclh-adt-a40-merge-v24.hl7", "PID-5.1", "TEST-CHU"},
      {"charset/rh-adt-a01-utf8-no-msh18.hl7", "PID-5.1", "M\xC3\x9CLLER"},
      {"charset/rh-adt-a01-utf8-no-msh18.hl7", "PID-11.1",
       "Stra\xC3\x9F"
       "e der Einheit 42"},
      {"charset/ti-oru-r01-micro-sign-utf8-v251.hl7", "OBX-6", "\xC2\xB5mol/L"},
      {"charset/ti-oru-r01-micro-sign-utf8-v251.hl7", "PID-5.2", "BOY  MOMSIX"},
      {"charset/rs-msh18-repeated-utf8-unicode.hl7", "MSH-18[2]", "UNICODE"},
      {"charset/hapi-oml-o21-utf8-accent-empty-msh7-msh10.hl7", "MSH-10", ""},
      {"delimiters/hapi-adt-a24-caret-field-separator.hl7", "MSH-9.2", "A24"},
      {"delimiters/hapi-adt-a24-caret-field-separator.hl7", "PID-3.4.3", "0363"},
      {"delimiters/hapi-adt-a24-caret-field-separator.hl7", "PID[2]-1", "2"},
      {"delimiters/hapi-qry-q01-v21-subcomp-brace.hl7", "QRD-7.2", "ZO"},
      {"delimiters/rh-adt-a01-custom-delimiters-hash.hl7", "PID-5.2", "JOHN"},
      {"delimiters/rs-oru-r01-truncation-char-hash-v251.hl7", "MSH-2", "^~\\&#"},
      {"delimiters/rs-oru-r01-truncation-char-hash-v251.hl7", "OBX[2]-5", "Reactive"},
      {"escape/rh-adt-a01-delimiter-escapes.hl7", "PID-5.1", "DOE&SMITH"},
      {"escape/rh-adt-a01-delimiter-escapes.hl7", "PID-5.2", "JOHN^JANE"},
      {"escape/rh-adt-a01-delimiter-escapes.hl7", "OBX-5",
       "Result contains pipe | and ampersand & and caret ^ and tilde ~ and backslash \\ chars"},
      {"escape/eff-orm-o01-br-h-n-x-escapes-v23.hl7", "NTE[2]-3",
       "some text\\X0D\\\\X0A\\some text after new line\\X0D\\\\X0A\\issue Efferent-Health#81"},
      {"line-endings/crlf-adt-a01-v25.hl7", "MSH-10", "MSG006"},
      {"line-endings/lf-only-adt-a01-v251.hl7", "PID-5.1", "DOE"},
      {"malformed/bar-p01-msh11-holds-message-type.hl7", "MSH-11.2", "A01"},
      {"malformed/msh12-version-1-0.hl7", "MSH-12", "1.0"},
      {"malformed/oru-r01-v22-obx-run-on-with-msa.hl7", "MSA-2", "msgCtrlId"},
      {"oru/hapi-oru-r01-spanish-v251.hl7", "OBX[2]-5", "41.86"},
      {"oru/nhc-realm-oru-r01-joeslab-v251.hl7", "MSH-4.1", "Joe's Lab"},
      {"oru/nhc-realm-oru-r01-joeslab-v251.hl7", "PID-3[1].4.2", "2.16.840.1.113883.19.3.2.1"},
      {"oru/nhc-realm-oru-r01-joeslab-v251.hl7", "OBX[2]-5", "50"},
      {"oru/uclh-vitals-oru-r01-explicit-null-v24.hl7", "OBX[2]-5", "102.2"},
      {"oru/mirth-donkey-oru-r01-cr-v24.hl7", "PID-5.1", "Hanso"},
      {"other/mfn-m02-8859-1-french-msh13-zero-v231.hl7", "MSH-13", "0"},
      {"other/mfn-m02-8859-1-french-msh13-zero-v231.hl7", "STF-3.2", "ETIENNE"},
      {"siu/msft-siu-s14-v28.hl7", "MSH-10", "MSG00014"},
      {"siu/rh-siu-s12-v251.hl7", "PID-5.1", "JOHNSON"},
      {"zsegments/hapi-erp-r09-znt-8859-1-v231.hl7", "PID-3.9.2", "ONTARIO"},
      {"zsegments/hapi-erp-r09-znt-8859-1-v231.hl7", "ZNT-1.2", "2.16.840.1.113883.3.59.1:4006"},
      {"zsegments/uclh-adt-a03-zlw-v24.hl7", "MSH-10", "eh"},
  };
  std::set<std::string> files;
  for (const Query& q : queries) {
    INFO(q.file << " " << q.path);
    auto m = Message::parse(read(q.file));
    REQUIRE(m);
    auto p = Path::parse(q.path);
    REQUIRE(p);
    CHECK(m->get(*p) == q.expected);
    files.insert(q.file);
  }
  CHECK(files.size() >= 25);
  std::cout << "hl7 corpus: " << std::size(queries) << " path queries over " << files.size()
            << " files\n";
}

TEST_CASE("corpus: decoded header fields and charsets", "[hl7][corpus][charset]") {
  if (!corpus_available()) return;
  struct Case {
    const char* file;
    const char* charset;
  };
  for (auto [file, charset] : {
           Case{"adt/msft-adt-a01-full-v28.hl7", "ASCII"},
           Case{"charset/rh-adt-a01-utf8-no-msh18.hl7", "UNICODE UTF-8"},                 // F2
           Case{"charset/rs-oru-r01-msh18-8859-1-with-utf8-bytes.hl7", "UNICODE UTF-8"},  // F3
           Case{"charset/rs-msh18-repeated-utf8-unicode.hl7", "UNICODE UTF-8"},           // F4
           Case{"other/mfn-m02-8859-1-french-msh13-zero-v231.hl7", "8859/1"},
       }) {
    INFO(file);
    auto m = Message::parse(read(file));
    REQUIRE(m);
    CHECK(m->charset() == charset);
  }
  auto pix = Message::parse(read("adt/ihe-pix-adt-a40-adt_a39-v231.hl7"));
  REQUIRE(pix);
  CHECK(pix->header().structure == "ADT_A39");
  CHECK(pix->header().trigger_event == "A40");
  auto tbrd = Message::parse(read("oru/dex-tbrd-oru-r01-case-notification-v251.hl7"));
  REQUIRE(tbrd);
  CHECK(tbrd->header().control_id == "MESSAGE CONTROL ID");  // H5: verbatim
}

// Every leaf (subcomponent) of every field, in order, unescaped; escape sequences that stay
// verbatim (\.br\, \X..\) are written with the standard `\` so messages with different
// escape characters compare equal.
std::vector<std::string> leaves(const Message& m) {
  const Delimiters& d = m.delimiters();
  const Delimiters standard;
  std::vector<std::string> out;
  for (size_t i = 0; i < m.segment_count(); ++i) {
    out.push_back("segment " + std::string(m.segment_id(i)));
    bool header = m.segment_id(i) == "MSH";
    for (size_t f = header ? 3 : 1; f <= m.field_count(i); ++f) {
      for (auto rep : split(m.field_raw(i, static_cast<int>(f)).value_or(""), d.repetition)) {
        for (auto comp : split(rep, d.component)) {
          for (auto sub : split(comp, d.subcomponent)) {
            out.push_back(unescape(reescape(sub, d, standard), standard));
          }
        }
      }
    }
  }
  return out;
}

TEST_CASE("corpus: E8 re-encoding with other delimiters keeps every value", "[hl7][corpus]") {
  if (!corpus_available()) return;
  const Delimiters hash{'#', '!', '@', '%', '*'};
  size_t checked = 0;
  for (const std::string& rel : t::corpus_files()) {
    auto m = Message::parse(read(rel));
    if (!m) continue;
    INFO(rel);
    auto moved = Message::parse(m->encode(hash));
    REQUIRE(moved);
    CHECK(moved->delimiters().field == '#');
    CHECK(leaves(*moved) == leaves(*m));
    CHECK(moved->encode(m->delimiters()) == m->encode());
    ++checked;
  }
  std::cout << "hl7 corpus: " << checked << " messages re-encoded with #!@%*\n";
}

TEST_CASE("corpus: truncated files never crash the parser or the batch splitter (K3)",
          "[hl7][corpus][robustness]") {
  if (!corpus_available()) return;
  const Path probes[] = {Path::parse("MSH-9.2").value(), Path::parse("PID-3[2].4.1").value(),
                         Path::parse("OBX[2]-5").value(), Path::parse("MSH-2").value()};
  size_t parses = 0, ok = 0;
  for (const std::string& rel : t::corpus_files()) {
    const std::string raw = read(rel);
    std::vector<size_t> cuts;
    for (size_t i = 0; i < std::min<size_t>(raw.size(), 64); ++i) cuts.push_back(i);
    for (size_t k = 0; k < 300 && raw.size() > 64; ++k)
      cuts.push_back(64 + k * (raw.size() - 64) / 300);
    for (size_t cut : cuts) {
      std::string_view prefix(raw.data(), cut);
      ++parses;
      auto m = Message::parse(prefix);
      if (m) {
        ++ok;
        for (const Path& p : probes) {
          (void)m->get(p);
          (void)m->state(p);
        }
        (void)m->header();
        (void)m->patient_identifiers();
        CHECK(m->encode() == normalise(std::string(prefix)));
      } else {
        CHECK(m.error().code >= 100);
        CHECK(m.error().offset <= cut);
      }
      (void)split_batch(prefix);
    }
  }
  std::cout << "hl7 corpus: " << parses << " truncated parses, " << ok << " parsed\n";
}
