#include "channels/client/bench_messages.h"

#include <fmt/format.h>

#include <array>
#include <chrono>

namespace irwell::client {

namespace {

struct Person {
  const char* family;
  const char* given;
  char sex;
};

// Invented people: common surnames and given names, no real patient behind any of them.
constexpr std::array<Person, 12> kPeople{{
    {"Ashworth", "Lena", 'F'},
    {"Butterworth", "Owen", 'M'},
    {"Cheetham", "Priya", 'F'},
    {"Dobson", "Callum", 'M'},
    {"Entwistle", "Maya", 'F'},
    {"Fairclough", "Idris", 'M'},
    {"Greenhalgh", "Zara", 'F'},
    {"Hargreaves", "Tomas", 'M'},
    {"Ingham", "Ruth", 'F'},
    {"Jolley", "Samir", 'M'},
    {"Kershaw", "Alys", 'F'},
    {"Lomax", "Dev", 'M'},
}};

constexpr std::array<const char*, 4> kWards{"WARD7", "AMU1", "CCU", "WARD12"};

// The PID segment of message n's invented patient (two messages per patient: n and n+1 share
// one when n is even), without PID-11 unless `address`.
std::string pid_segment(std::uint64_t n, bool address) {
  const Person& p = kPeople[(n / 2) % kPeople.size()];
  std::uint64_t patient = n / 2;
  std::string pid =
      fmt::format("PID|1||{}^^^NHS^NH~RXA{:07}^^^RXA^MR||{}^{}^^^||19{:02}0{}1{}|{}",
                  test_nhs_number(patient % 1'000'000), patient % 10'000'000, p.family, p.given,
                  30 + patient % 60, 1 + patient % 9, patient % 10, p.sex);
  if (address) pid += fmt::format("|||{} Mill Lane^^Salford^^M5 4WT^GBR", 1 + patient % 200);
  return pid + "\r";
}

std::string adt_a01(std::uint64_t n, std::string_view control_id) {
  return fmt::format(
      "MSH|^~\\&|PAS|RXA|IRWELL|GMIH|20261101093000||ADT^A01^ADT_A01|{}|P|2.4\r"
      "EVN|A01|20261101092900\r"
      "{}"
      "PV1|1|I|{}^BED{}^RXA||||C123^Bones^Jim|||GEN|||||||||V{:08}"
      "|||||||||||||||||||||||||20261101092900\r",
      control_id, pid_segment(n, true), kWards[n % kWards.size()], 1 + n % 30, n % 100'000'000);
}

std::string oru_r01(std::uint64_t n, std::string_view control_id) {
  return fmt::format(
      "MSH|^~\\&|LIMS|RXA|IRWELL|GMIH|20261101101500||ORU^R01^ORU_R01|{0}|P|2.4\r"
      "{1}"
      "OBR|1|ORD{2}|LAB{2}|U&E^Urea and electrolytes^L|||20261101090000\r"
      "OBX|1|NM|NA^Sodium^L||{3}|mmol/L|133-146|N|||F\r"
      "OBX|2|NM|K^Potassium^L||4.{4}|mmol/L|3.5-5.3|N|||F\r"
      "OBX|3|NM|CREA^Creatinine^L||{5}|umol/L|59-104|N|||F\r",
      control_id, pid_segment(n, false), n, 135 + n % 10, n % 10, 60 + n % 40);
}

}  // namespace

std::string test_nhs_number(std::uint64_t seed) {
  for (std::uint64_t body = 999'000'000 + seed % 1'000'000;; ++body) {
    std::string digits = std::to_string(body);
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    if (check == 10) continue;  // no valid number with this body
    return digits + static_cast<char>('0' + check);
  }
}

std::string replace_control_id(std::string_view message, std::string_view control_id) {
  if (message.size() < 4 || message.substr(0, 3) != "MSH") return std::string(message);
  const char sep = message[3];
  size_t seg_end = message.find_first_of("\r\n");
  if (seg_end == std::string_view::npos) seg_end = message.size();
  // MSH-1 is the separator at offset 3 itself, so the field after the separator at `pos` is
  // MSH-`field`, starting with MSH-2 after offset 3.
  size_t pos = 3;
  int field = 2;
  while (field < 10) {
    size_t next = message.find(sep, pos + 1);
    if (next == std::string_view::npos || next >= seg_end) break;
    pos = next;
    ++field;
  }
  std::string out(message.substr(0, field < 10 ? seg_end : pos + 1));
  if (field < 10) {
    out.append(static_cast<size_t>(10 - field), sep);
    out += control_id;
    out += message.substr(seg_end);
    return out;
  }
  size_t value_end = message.find(sep, pos + 1);
  if (value_end == std::string_view::npos || value_end > seg_end) value_end = seg_end;
  out += control_id;
  out += message.substr(value_end);
  return out;
}

BenchMessages::BenchMessages(std::string run_id) : run_id_(std::move(run_id)) {}

BenchMessages::BenchMessages(std::vector<std::string> templates, std::string run_id)
    : templates_(std::move(templates)), run_id_(std::move(run_id)) {}

std::string BenchMessages::make(std::uint64_t n) const {
  std::string cid = control_id(n);
  if (!templates_.empty()) return replace_control_id(templates_[n % templates_.size()], cid);
  return n % 2 == 0 ? adt_a01(n, cid) : oru_r01(n, cid);
}

std::string new_run_id() {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::string digits;
  for (auto v = static_cast<std::uint64_t>(ms); v > 0; v /= 36) {
    digits.insert(digits.begin(), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[v % 36]);
  }
  return "B" + digits + "-";
}

}  // namespace irwell::client
