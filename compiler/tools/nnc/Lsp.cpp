//===- Lsp.cpp - `nnc lsp`: the language server ---------------------------===//
//
// Framing (Content-Length headers), JSON-RPC dispatch and the LSP methods:
// initialize, initialized, shutdown, exit; textDocument/didOpen, didChange
// (full text), didClose, each followed by publishDiagnostics; hover and
// definition. A request with an unknown method gets "method not found"; an
// unknown notification is ignored. A request whose handling fails in any way
// gets an error response; the server keeps running.
//
//===----------------------------------------------------------------------===//
#include "Lsp.h"
#include "LspDocument.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

using namespace nnc;
using namespace nnc::lsp;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// JSON-RPC and LSP error codes.
enum ErrorCode {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  ServerNotInitialized = -32002,
};

/// Largest message accepted.
constexpr size_t kMaxMessage = size_t(64) << 20;

/// `text` cut to 40 bytes with control bytes as '?', for error messages.
std::string shown(const std::string &text) {
  std::string s = text.substr(0, 40);
  for (char &c : s)
    if ((unsigned char)c < 0x20 || c == 0x7f)
      c = '?';
  return s + (text.size() > 40 ? "..." : "");
}

enum class Read { Ok, End, Bad };

/// Reads one message's body into `body`. End: the input ended between
/// messages; Bad: it is not LSP framing (`why` says how).
Read readMessage(std::istream &in, std::string &body, std::string &why) {
  size_t length = std::string::npos;
  std::string line;
  for (bool first = true;; first = false) {
    if (!std::getline(in, line)) {
      if (first)
        return Read::End;
      why = "the input ended inside a message header";
      return Read::Bad;
    }
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty()) {
      if (first)
        continue; // blank lines between messages
      break;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      why = "expected a header 'Content-Length: N', got '" + shown(line) + "'";
      return Read::Bad;
    }
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    for (char &c : name)
      c = (char)std::tolower((unsigned char)c);
    value.erase(0, value.find_first_not_of(" \t"));
    if (name != "content-length")
      continue; // Content-Type
    char *end = nullptr;
    unsigned long long n = std::strtoull(value.c_str(), &end, 10);
    if (value.empty() || !std::isdigit((unsigned char)value[0]) || *end ||
        n > kMaxMessage) {
      why = "bad Content-Length '" + shown(value) + "' (at most " +
            std::to_string(kMaxMessage) + " bytes)";
      return Read::Bad;
    }
    length = (size_t)n;
  }
  if (length == std::string::npos) {
    why = "a message header without Content-Length";
    return Read::Bad;
  }
  body.assign(length, '\0');
  in.read(body.data(), (std::streamsize)length);
  if ((size_t)in.gcount() != length) {
    why = "the input ended inside a message (Content-Length " +
          std::to_string(length) + ")";
    return Read::Bad;
  }
  return Read::Ok;
}

std::string uriToPath(const std::string &uri) {
  if (uri.rfind("file://", 0) != 0)
    return uri;
  std::string rest = uri.substr(7);
  size_t slash = rest.find('/'); // file://host/path
  rest = slash == std::string::npos ? "" : rest.substr(slash);
  std::string path;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() &&
        std::isxdigit((unsigned char)rest[i + 1]) &&
        std::isxdigit((unsigned char)rest[i + 2])) {
      path += (char)std::stoi(rest.substr(i + 1, 2), nullptr, 16);
      i += 2;
    } else {
      path += rest[i];
    }
  }
  return path;
}

std::string pathToUri(const std::string &path) {
  std::error_code ec;
  std::string abs = fs::absolute(path, ec).lexically_normal().string();
  std::string uri = "file://";
  for (unsigned char c : ec ? path : abs) {
    if (std::isalnum(c) || std::strchr("/-._~", c)) {
      uri += (char)c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      uri += buf;
    }
  }
  return uri;
}

json toJson(const Position &p) {
  return {{"line", p.line}, {"character", p.character}};
}
json toJson(const Range &r) {
  return {{"start", toJson(r.start)}, {"end", toJson(r.end)}};
}

class Server {
public:
  Server(std::ostream &out, const Options &options)
      : out(out), options(options) {}

  /// Handles one message; returns the exit status once `exit` came.
  std::optional<int> handle(const std::string &body);

private:
  std::ostream &out;
  const Options &options;
  std::map<std::string, std::unique_ptr<Document>> docs; ///< by URI
  bool initialized = false, shutDown = false;

  void send(const json &message) {
    std::string s =
        message.dump(-1, ' ', false, json::error_handler_t::replace);
    out << "Content-Length: " << s.size() << "\r\n\r\n" << s;
    out.flush();
  }
  void reply(const json &id, const json &result) {
    send({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
  }
  void replyError(const json &id, int code, const std::string &message) {
    send({{"jsonrpc", "2.0"},
          {"id", id},
          {"error", {{"code", code}, {"message", message}}}});
  }
  void update(const std::string &uri, const std::string &text);
  void close(const std::string &uri);
  json request(const std::string &method, const json &params);
  const Document *document(const json &params, Position &pos) const;
};

void Server::update(const std::string &uri, const std::string &text) {
  auto doc = std::make_unique<Document>(uriToPath(uri), text, options.stdlibDir,
                                        options.seqLen);
  json diagnostics = json::array();
  for (const Diagnostic &d : doc->diagnostics())
    diagnostics.push_back({{"range", toJson(d.range)},
                           {"severity", 1},
                           {"source", "nnc"},
                           {"message", d.message}});
  docs[uri] = std::move(doc);
  send({{"jsonrpc", "2.0"},
        {"method", "textDocument/publishDiagnostics"},
        {"params", {{"uri", uri}, {"diagnostics", diagnostics}}}});
}

void Server::close(const std::string &uri) {
  docs.erase(uri);
  send({{"jsonrpc", "2.0"},
        {"method", "textDocument/publishDiagnostics"},
        {"params", {{"uri", uri}, {"diagnostics", json::array()}}}});
}

const Document *Server::document(const json &params, Position &pos) const {
  pos.line = params.at("position").at("line").get<int>();
  pos.character = params.at("position").at("character").get<int>();
  auto it = docs.find(params.at("textDocument").at("uri").get<std::string>());
  return it == docs.end() ? nullptr : it->second.get();
}

/// The result of request `method` (throws json errors on bad params).
json Server::request(const std::string &method, const json &params) {
  Position pos;
  if (method == "textDocument/hover") {
    const Document *doc = document(params, pos);
    std::optional<Hover> h = doc ? doc->hover(pos) : std::nullopt;
    if (!h)
      return nullptr;
    return {{"contents", {{"kind", "markdown"}, {"value", h->markdown}}},
            {"range", toJson(h->range)}};
  }
  // textDocument/definition
  const Document *doc = document(params, pos);
  std::optional<Location> loc = doc ? doc->definition(pos) : std::nullopt;
  if (!loc)
    return nullptr;
  std::string uri = params["textDocument"]["uri"].get<std::string>();
  if (loc->path != uriToPath(uri))
    uri = pathToUri(loc->path);
  return {{"uri", uri}, {"range", toJson(loc->range)}};
}

std::optional<int> Server::handle(const std::string &body) {
  json msg = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (msg.is_discarded() || !msg.is_object()) {
    replyError(nullptr, msg.is_discarded() ? ParseError : InvalidRequest,
               msg.is_discarded() ? "the message is not JSON"
                                  : "the message is not a JSON object");
    return std::nullopt;
  }
  if (!msg.contains("method") || !msg["method"].is_string()) {
    if (msg.contains("id") && !msg.contains("result") && !msg.contains("error"))
      replyError(msg["id"], InvalidRequest, "a request without a method");
    return std::nullopt; // otherwise a response: we send no requests
  }
  std::string method = msg["method"];
  bool isRequest = msg.contains("id");
  json id = isRequest ? msg["id"] : json();
  json params = msg.contains("params") ? msg["params"] : json::object();
  if (method == "exit")
    return shutDown ? 0 : 1;
  try {
    if (method == "initialize") {
      if (initialized || shutDown) { // the protocol allows one
        if (isRequest)
          replyError(id, InvalidRequest,
                     shutDown ? "the server is shutting down: only 'exit' now"
                              : "the server is already initialized");
        return std::nullopt;
      }
      initialized = true;
      json capabilities = {
          {"textDocumentSync", {{"openClose", true}, {"change", 1}}},
          {"hoverProvider", true},
          {"definitionProvider", true}};
      if (isRequest)
        reply(id, {{"capabilities", capabilities},
                   {"serverInfo",
                    {{"name", "nnc"}, {"version", options.version}}}});
      return std::nullopt;
    }
    if (!initialized || shutDown) {
      if (isRequest)
        replyError(id, shutDown ? InvalidRequest : ServerNotInitialized,
                   shutDown ? "the server is shutting down: only 'exit' now"
                            : "the server is not initialized");
      return std::nullopt;
    }
    if (method == "shutdown") {
      shutDown = true;
      if (isRequest)
        reply(id, nullptr);
    } else if (method == "textDocument/didOpen") {
      const json &doc = params.at("textDocument");
      update(doc.at("uri").get<std::string>(),
             doc.at("text").get<std::string>());
    } else if (method == "textDocument/didChange") {
      // Full sync: the last change is the whole text.
      const json &changes = params.at("contentChanges");
      if (!changes.empty())
        update(params.at("textDocument").at("uri").get<std::string>(),
               changes.back().at("text").get<std::string>());
    } else if (method == "textDocument/didClose") {
      close(params.at("textDocument").at("uri").get<std::string>());
    } else if (isRequest && (method == "textDocument/hover" ||
                             method == "textDocument/definition")) {
      reply(id, request(method, params));
    } else if (isRequest) {
      replyError(id, MethodNotFound, "method not found: " + method);
    }
  } catch (const json::exception &e) {
    if (isRequest)
      replyError(id, InvalidParams,
                 "invalid params for " + method + ": " + e.what());
  } catch (const std::exception &e) {
    if (isRequest)
      replyError(id, InternalError,
                 "internal failure in " + method + ": " + e.what());
  } catch (...) {
    if (isRequest)
      replyError(id, InternalError, "internal failure in " + method);
  }
  return std::nullopt;
}

} // namespace

int lsp::serve(std::istream &in, std::ostream &out, std::ostream &err,
               const Options &options) {
  Server server(out, options);
  std::string body, why;
  for (;;) {
    switch (readMessage(in, body, why)) {
    case Read::End:
      return 1; // no `exit`
    case Read::Bad:
      err << "nnc lsp: error: " << why << "\n";
      return 1;
    case Read::Ok:
      if (std::optional<int> status = server.handle(body))
        return *status;
    }
  }
}
