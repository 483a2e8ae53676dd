// irwell inspect: JSON and --path output over fixture files in a TempDir (SPEC.md).
#include <catch2/catch.hpp>
#include <sstream>

#include "engine/app/commands.h"
#include "tests/support/test_support.h"

using irwell::app::inspect_command;
namespace t = irwell::testing;

namespace {

struct Run {
  int status;
  std::string out, err;
};

Run inspect(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int status = inspect_command(args, out, err);
  return {status, out.str(), err.str()};
}

const std::string kAdt = t::cr(
    "MSH|^~\\&|PAS|RXX01|EPR|RXX01|20260301120000||ADT^A01^ADT_A01|C1|P|2.4\n"
    "PID|1||K1^^^RXX01^MR~9990000018^^^NHS^NH||Tester&Jones^Zo\xC3\xAB||19800101|F|\"\"\n"
    "NTE|1||A\\T\\E \\F\\ ok\n");

}  // namespace

TEST_CASE("inspect --path prints one value per line, unescaped UTF-8", "[app][inspect]") {
  t::TempDir dir;
  t::write_file(dir / "adt.hl7", kAdt);
  auto r = inspect({"--path", "MSH-9.2", "-p", "PID-3[2].1", "--path=PID-5.2", "--path", "NTE-3",
                    "--path", "PV1-2", "--path", "PID-9", (dir / "adt.hl7").string()});
  CHECK(r.status == 0);
  CHECK(r.out == "A01\n9990000018\nZo\xC3\xAB\nA&E | ok\n\n\n");
  CHECK(r.err.empty());
}

TEST_CASE("inspect prints each message as JSON", "[app][inspect]") {
  t::TempDir dir;
  t::write_file(dir / "adt.hl7", kAdt);
  auto r = inspect({"--compact", (dir / "adt.hl7").string()});
  REQUIRE(r.status == 0);
  CHECK(r.out.find('\n') == r.out.size() - 1);  // one line per message
  CHECK_THAT(r.out, Catch::StartsWith("{\"file\":\"" + (dir / "adt.hl7").string() +
                                      "\",\"message\":1,\"charset\":\"UNICODE UTF-8\","
                                      "\"delimiters\":\"|^~\\\\&\",\"header\":{"));
  CHECK_THAT(r.out, Catch::Contains("\"message_type\":\"ADT\",\"trigger_event\":\"A01\""));
  CHECK_THAT(r.out, Catch::Contains("{\"id\":\"MSH\",\"fields\":{\"1\":\"|\",\"2\":\"^~\\\\&\","
                                    "\"3\":\"PAS\""));
  CHECK_THAT(r.out, Catch::Contains("\"9\":{\"1\":\"ADT\",\"2\":\"A01\",\"3\":\"ADT_A01\"}"));
  // Repetitions are arrays, components and subcomponents objects, "" is null.
  CHECK_THAT(
      r.out,
      Catch::Contains("{\"id\":\"PID\",\"fields\":{\"1\":\"1\",\"3\":[{\"1\":\"K1\",\"4\":"
                      "\"RXX01\",\"5\":\"MR\"},{\"1\":\"9990000018\",\"4\":\"NHS\",\"5\":\"NH\"}],"
                      "\"5\":{\"1\":{\"1\":\"Tester\",\"2\":\"Jones\"},\"2\":\"Zo\xC3\xAB\"},"
                      "\"7\":\"19800101\",\"8\":\"F\",\"9\":null}}"));
  CHECK_THAT(r.out,
             Catch::Contains("{\"id\":\"NTE\",\"fields\":{\"1\":\"1\",\"3\":\"A&E | ok\"}}"));

  auto pretty = inspect({(dir / "adt.hl7").string()});
  REQUIRE(pretty.status == 0);
  CHECK_THAT(pretty.out, Catch::StartsWith("{\n  \"file\": "));
}

TEST_CASE("inspect handles batches and multi-message files", "[app][inspect]") {
  t::TempDir dir;
  t::write_file(dir / "batch.hl7",
                "FHS|^~\\&\nBHS|^~\\&\n"
                "MSH|^~\\&|A|B|||1||ADT^A01|1\nPID|1||K1\n"
                "MSH|^~\\&|A|B|||1||ADT^A08|2\nPID|1||K2\nBTS|3\n");
  t::write_file(dir / "two.hl7",
                t::cr("MSH|^~\\&|A|B|||1||ORU^R01|3\n\nMSH|^~\\&|A|B|||1||SIU^S12|4\n"));
  auto r = inspect({"--path", "MSH-10", "--path", "PID-3", (dir / "batch.hl7").string(),
                    (dir / "two.hl7").string()});
  CHECK(r.status == 0);
  CHECK(r.out == "1\nK1\n2\nK2\n3\n\n4\n\n");
  CHECK(r.err == (dir / "batch.hl7").string() + ": warning: BTS-1 says 3 messages, found 2\n");

  auto json = inspect({"--compact", (dir / "two.hl7").string()});
  CHECK(json.status == 0);
  CHECK_THAT(json.out, Catch::Contains("\"message\":2,"));
}

TEST_CASE("inspect reports unparseable messages with their position and exits 1",
          "[app][inspect]") {
  t::TempDir dir;
  t::write_file(dir / "bad.hl7",
                t::cr("MSH|^~\\&|A|B|||1||ADT^A01|1\n\nMSH|^~\\\\&|A|B|||1||ADT^A01|2\n"));
  t::write_file(dir / "pid.hl7", t::cr("PID|1||K1\n"));
  auto r = inspect({"--path", "MSH-10", (dir / "bad.hl7").string(), (dir / "pid.hl7").string(),
                    (dir / "missing.hl7").string()});
  CHECK(r.status == 1);
  CHECK(r.out == "1\n");  // the good message is still printed
  CHECK(r.err == (dir / "bad.hl7").string() +
                     ": message 2: error: segment 1 (MSH) field 2, byte 4: MSH-1/MSH-2 delimiters "
                     "are unusable (repeated, alphanumeric or control characters): \"|^~\\\\&\" "
                     "(code 102)\n" +
                     (dir / "pid.hl7").string() +
                     ": error: segment 1 (PID), byte 0: no MSH segment: not an HL7 message "
                     "(code 100)\n" +
                     (dir / "missing.hl7").string() + ": error: cannot read the file\n");
}

TEST_CASE("inspect usage: --help, bad paths, no files", "[app][inspect]") {
  auto help = inspect({"--help"});
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::StartsWith("usage: irwell inspect"));
  auto none = inspect({});
  CHECK(none.status == 2);
  CHECK_THAT(none.err, Catch::Contains("no FILE given"));
  auto bad = inspect({"--path", "PID3", "x.hl7"});
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("invalid path \"PID3\""));
  auto dangling = inspect({"x.hl7", "--path"});
  CHECK(dangling.status == 2);
  auto unknown = inspect({"--frobnicate", "x.hl7"});
  CHECK(unknown.status == 2);
}

TEST_CASE("inspect on the fixture files", "[app][inspect]") {
  auto dir = t::data_dir() / "hl7";
  auto r = inspect({"--path", "MSH-9.2", "--path", "OBX[20]-5",
                    (dir / "oru_r01_20obx.hl7").string(), (dir / "batch_3msg.hl7").string()});
  CHECK(r.status == 0);
  CHECK(r.out ==
        "R01\nSample slightly haemolysed\\.br\\Repeat not required\n"
        "A01\n\nA01\n\nR01\n\n");
}
