#pragma once
// Command-line options shared by mllp-send and mllp-bench: the ACK timeout and TLS, and the
// scan of a tool's whole command line.
//
// Contract: take_client_option looks at args[i]; when it is one of --timeout SECONDS, --tls,
// --ca FILE, --cert FILE, --key FILE (also --name=value), it stores the value, advances i past
// the option's value and returns taken; a missing or bad value is `error` with `message` set;
// anything else is not_mine and leaves i alone. --ca, --cert and --key imply --tls. Pure.
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "channels/client/endpoint.h"
#include "channels/client/tls_client_context.h"

namespace irwell::client {

struct ClientOptions {
  double timeout_seconds = 30;  // for each connect and each ACK
  TlsClientOptions tls;
};

enum class OptionTaken { not_mine, taken, error };

OptionTaken take_client_option(const std::vector<std::string>& args, size_t& i,
                               ClientOptions& options, std::string& message);

// Reads the value of option `name` at args[i] ("--name VALUE" or "--name=VALUE"). Returns false
// when args[i] is not that option; sets `message` and returns true with `ok` false when the
// value is missing.
bool option_value(const std::vector<std::string>& args, size_t& i, const std::string& name,
                  std::string& value, bool& ok, std::string& message);

// The help text lines of the shared options, for the tools' usage texts.
extern const char* const kClientOptionsHelp;

// A tool's command line: `[options] HOST:PORT [OPERAND...]`, options anywhere.
struct ToolArgs {
  Endpoint endpoint;
  std::vector<std::string> operands;  // the words after HOST:PORT (files)
  ClientOptions client;
};

// The tool's own options, tried before the shared ones; same protocol as take_client_option.
using ToolOption = std::function<OptionTaken(const std::vector<std::string>& args, size_t& i,
                                             std::string& message)>;

// Scans args with tool_option and take_client_option. --help/-h prints `usage` followed by
// kClientOptionsHelp to `out` and returns -1; a bad option, a bad HOST:PORT or fewer than
// `min_operands` operands is reported on `err` as "<tool>: ..." and returns 2; otherwise 0.
int parse_tool_args(std::string_view tool, std::string_view usage,
                    const std::vector<std::string>& args, const ToolOption& tool_option,
                    size_t min_operands, ToolArgs& parsed, std::ostream& out, std::ostream& err);

}  // namespace irwell::client
