#include "channels/client/client_options.h"

#include <charconv>
#include <cmath>
#include <ostream>

namespace irwell::client {

const char* const kClientOptionsHelp =
    R"(  --timeout SECONDS   wait at most this long for a connection and for each ACK (default 30)
  --tls               connect with TLS; the server certificate must be valid for HOST
  --ca FILE           PEM CA certificate(s) to verify the server with (default: system store)
  --cert FILE         PEM client certificate for mutual TLS
  --key FILE          PEM private key of --cert (default: in the --cert file)
  --help              print this help
)";

bool option_value(const std::vector<std::string>& args, size_t& i, const std::string& name,
                  std::string& value, bool& ok, std::string& message) {
  const std::string& a = args[i];
  if (a == name) {
    if (i + 1 >= args.size()) {
      ok = false;
      message = name + " needs a value";
      return true;
    }
    value = args[++i];
    ok = true;
    return true;
  }
  if (a.size() > name.size() && a.compare(0, name.size(), name) == 0 && a[name.size()] == '=') {
    value = a.substr(name.size() + 1);
    ok = true;
    return true;
  }
  return false;
}

OptionTaken take_client_option(const std::vector<std::string>& args, size_t& i,
                               ClientOptions& options, std::string& message) {
  if (args[i] == "--tls") {
    options.tls.enabled = true;
    return OptionTaken::taken;
  }
  std::string value;
  bool ok = false;
  if (option_value(args, i, "--timeout", value, ok, message)) {
    if (!ok) return OptionTaken::error;
    double seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(seconds) ||
        seconds <= 0 || seconds > 86400) {
      message = "--timeout needs a number of seconds above 0, got \"" + value + "\"";
      return OptionTaken::error;
    }
    options.timeout_seconds = seconds;
    return OptionTaken::taken;
  }
  for (auto [name, field] :
       {std::pair{"--ca", &TlsClientOptions::ca}, std::pair{"--cert", &TlsClientOptions::cert},
        std::pair{"--key", &TlsClientOptions::key}}) {
    if (option_value(args, i, name, value, ok, message)) {
      if (!ok) return OptionTaken::error;
      if (value.empty()) {
        message = std::string(name) + " needs a file name";
        return OptionTaken::error;
      }
      options.tls.*field = value;
      options.tls.enabled = true;
      return OptionTaken::taken;
    }
  }
  return OptionTaken::not_mine;
}

int parse_tool_args(std::string_view tool, std::string_view usage,
                    const std::vector<std::string>& args, const ToolOption& tool_option,
                    size_t min_operands, ToolArgs& parsed, std::ostream& out, std::ostream& err) {
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << usage << kClientOptionsHelp;
      return -1;
    }
    std::string message;
    OptionTaken taken = tool_option ? tool_option(args, i, message) : OptionTaken::not_mine;
    if (taken == OptionTaken::not_mine) taken = take_client_option(args, i, parsed.client, message);
    if (taken == OptionTaken::error) {
      err << tool << ": " << message << "\n";
      return 2;
    }
    if (taken == OptionTaken::taken) continue;
    if (a.size() > 1 && a[0] == '-') {
      err << tool << ": unknown option " << a << " (try --help)\n";
      return 2;
    }
    positional.push_back(a);
  }
  if (positional.empty() || positional.size() - 1 < min_operands) {
    err << tool << ": need HOST:PORT" << (min_operands ? " and at least one FILE" : "")
        << " (try --help)\n";
    return 2;
  }
  auto endpoint = parse_endpoint(positional[0]);
  if (!endpoint) {
    err << tool << ": " << endpoint.error().message << "\n";
    return 2;
  }
  parsed.endpoint = std::move(*endpoint);
  parsed.operands.assign(positional.begin() + 1, positional.end());
  return 0;
}

}  // namespace irwell::client
