//===- Protobuf.h - The protobuf wire format, for writing ONNX --*- C++ -*-===//
//
// ONNX models are protobuf messages (onnx/onnx.proto). Writing one needs
// only the wire format: each field is a key (field number << 3 | wire type)
// followed by a varint (0), 4 little-endian bytes (5) or a length-delimited
// payload (2: strings, bytes, nested messages). No libprotobuf is needed.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_EXPORT_PROTOBUF_H
#define NNC_EXPORT_PROTOBUF_H

#include <cstdint>
#include <cstring>
#include <string>

namespace nnc {

class Message {
public:
  Message &i64(int field, int64_t v) {
    key(field, 0);
    varint(uint64_t(v));
    return *this;
  }
  Message &f32(int field, float v) {
    key(field, 5);
    char b[4];
    std::memcpy(b, &v, 4); // x86-64 and aarch64: little-endian, as protobuf
    bytes_.append(b, 4);
    return *this;
  }
  Message &str(int field, const std::string &s) {
    key(field, 2);
    varint(s.size());
    bytes_ += s;
    return *this;
  }
  Message &msg(int field, const Message &m) { return str(field, m.bytes_); }
  const std::string &bytes() const { return bytes_; }

private:
  void key(int field, int wire) { varint(uint64_t(field) << 3 | wire); }
  void varint(uint64_t v) {
    for (; v >= 0x80; v >>= 7)
      bytes_ += char(v | 0x80);
    bytes_ += char(v);
  }
  std::string bytes_;
};

} // namespace nnc

#endif // NNC_EXPORT_PROTOBUF_H
