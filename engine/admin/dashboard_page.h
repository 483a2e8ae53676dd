#pragma once
// The dashboard served at `/`: one self-contained HTML page (inline CSS and JS, nothing loaded
// from elsewhere) compiled into the binary. It signs in with a bearer token kept in
// sessionStorage and reads the JSON API (api_handler.h): sources and destinations with live
// rates, queue depths, oldest age and errors (polling /api/v1/channels), a chart of throughput
// and queue depth over the last hour (/api/v1/history), message search, detail and replay, and
// pause/resume. With the viewer role it shows counters and search results only; content,
// replay and pause need the operator role (the server enforces this; the page only hides what
// would be refused). Every value is inserted as text, never as HTML.
#include <string_view>

namespace irwell::admin {

std::string_view dashboard_html();

}  // namespace irwell::admin
