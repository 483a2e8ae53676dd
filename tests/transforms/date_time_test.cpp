// DateTime: the layouts of the format_date transform (D7: odd HL7 date/times must not break us).
#include "transforms/date_time.h"

#include <catch2/catch.hpp>

using irwell::transforms::DateTime;
using irwell::transforms::valid_date_pattern;

namespace {

std::string convert(std::string_view text, std::string_view from, std::string_view to) {
  auto dt = DateTime::read(text, from);
  if (!dt) return "read error: " + dt.error().message;
  auto out = dt->write(to);
  if (!out) return "write error: " + out.error().message;
  return *out;
}

}  // namespace

TEST_CASE("format_date: HL7 DTM keeps the precision it was given (D7)") {
  CHECK(convert("1980", "hl7", "hl7") == "1980");
  CHECK(convert("198002", "hl7", "hl7") == "198002");
  CHECK(convert("19800201", "hl7", "hl7") == "19800201");
  CHECK(convert("202406221314", "hl7", "hl7") == "202406221314");
  CHECK(convert("20210622131413.8343-0400", "hl7", "hl7") == "20210622131413.8343-0400");
  CHECK(convert("20240101120000+0215", "hl7", "iso8601") == "2024-01-01T12:00:00+02:15");
  CHECK(convert("20240101", "hl7", "iso8601") == "2024-01-01");
}

TEST_CASE("format_date: UK day-first dates with one or two digits") {
  CHECK(convert("01/02/1980", "%d/%m/%Y", "hl7") == "19800201");
  CHECK(convert("1/2/1980", "%d/%m/%Y", "hl7") == "19800201");
  CHECK(convert(" 29/02/2024 ", "%d/%m/%Y", "%Y-%m-%d") == "2024-02-29");
  CHECK(convert("01/02/2024 13:45", "%d/%m/%Y %H:%M", "hl7") == "202402011345");
  CHECK(convert("3 Mar 2024", "%d %b %Y", "hl7") == "20240303");
  CHECK(convert("3 MARCH 2024", "%d %B %Y", "%d/%m/%Y") == "03/03/2024");
  CHECK(convert("24-03-03", "%y-%m-%d", "hl7") == "20240303");
  CHECK(convert("75-03-03", "%y-%m-%d", "hl7") == "19750303");
}

TEST_CASE("format_date: ISO 8601 in and out") {
  CHECK(convert("2024-03-01T08:30:00Z", "iso8601", "hl7") == "20240301083000+0000");
  CHECK(convert("2024-03-01T08:30+01:00", "iso8601", "hl7") == "202403010830+0100");
  CHECK(convert("2024-03-01", "iso8601", "%d/%m/%Y") == "01/03/2024");
  CHECK(convert("202403010830", "hl7", "iso8601") == "2024-03-01T08:30");
  CHECK(convert("2024030108", "hl7", "iso8601") == "2024-03-01T08:00");
}

TEST_CASE("format_date: odd and impossible values are errors, not guesses") {
  CHECK(convert("20230230", "hl7", "hl7").starts_with("read error: the day does not exist"));
  CHECK(convert("20231301", "hl7", "hl7").starts_with("read error: the month"));
  CHECK(convert("2023010125", "hl7", "hl7").starts_with("read error: the hour"));
  CHECK(convert("29/02/2023", "%d/%m/%Y", "hl7").starts_with("read error: the day"));
  CHECK(convert("2023-01-01", "hl7", "hl7").starts_with("read error"));
  CHECK(convert("2023011", "hl7", "hl7").starts_with("read error"));  // odd digit count
  CHECK(convert("20230101 junk", "hl7", "hl7").starts_with("read error"));
  CHECK(convert("", "hl7", "hl7").starts_with("read error"));
  CHECK(convert("01/02/1980", "hl7", "hl7").starts_with("read error"));
  CHECK(convert("1980-02-01", "%d/%m/%Y", "hl7").starts_with("read error"));
  CHECK(convert("01/02/1980x", "%d/%m/%Y", "hl7").starts_with("read error: unexpected text"));
  CHECK(convert("32/01/1980", "%d/%m/%Y", "hl7").starts_with("read error: the day"));
}

TEST_CASE("format_date: writing a part the value lacks fails") {
  CHECK(convert("19800201", "hl7", "%Y%m%d%H%M") ==
        "write error: the value has no hour but the output pattern needs one");
  CHECK(convert("1980", "hl7", "%d/%m/%Y").starts_with("write error: the value has no day"));
  // An offset is optional in HL7: %z writes nothing when there is none.
  CHECK(convert("202402011345", "hl7", "%Y%m%d%H%M%z") == "202402011345");
}

TEST_CASE("format_date: pattern checking") {
  std::string why;
  CHECK(valid_date_pattern("hl7", why));
  CHECK(valid_date_pattern("%d/%m/%Y %H:%M:%S.%f%:z", why));
  CHECK_FALSE(valid_date_pattern("%d/%m/%Q", why));
  CHECK(why.starts_with("unknown directive %Q"));
  CHECK_FALSE(valid_date_pattern("%Y%", why));
  CHECK_FALSE(valid_date_pattern("", why));
}
