//===- UntrustedText.cpp - strings from model files, made safe ------------===//
#include "qcc/Support/UntrustedText.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace qcc {
namespace {

/// The bytes kept from a long name, and the tag that replaces the rest: the
/// hash keeps two long names that share a prefix apart.
llvm::StringRef kept(llvm::StringRef text, size_t maxBytes) {
  return text.size() <= maxBytes ? text : text.take_front(maxBytes);
}

std::string cutTag(llvm::StringRef text, size_t maxBytes) {
  if (text.size() <= maxBytes)
    return "";
  std::string tag;
  llvm::raw_string_ostream os(tag);
  os << "...(" << text.size() << " bytes, hash "
     << llvm::format_hex_no_prefix(static_cast<uint64_t>(llvm::hash_value(text)), 16) << ")";
  return tag;
}

bool isCommentSafe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == ':' || c == '-' || c == ' ';
}

} // namespace

std::string commentSafe(llvm::StringRef text, size_t maxBytes) {
  std::string out;
  for (char c : kept(text, maxBytes))
    out += isCommentSafe(c) ? c : '_';
  return out + cutTag(text, maxBytes);
}

std::string cStringLiteral(llvm::StringRef text, size_t maxBytes) {
  std::string out = "\"";
  auto append = [&](llvm::StringRef bytes) {
    for (char c : bytes) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\' && c != '?') {
        out += c;
      } else {
        // Three octal digits always: the escape cannot absorb a following digit.
        out += '\\';
        out += static_cast<char>('0' + (u >> 6));
        out += static_cast<char>('0' + ((u >> 3) & 7));
        out += static_cast<char>('0' + (u & 7));
      }
    }
  };
  append(kept(text, maxBytes));
  append(cutTag(text, maxBytes));
  return out + "\"";
}

std::string diagnosticSafe(llvm::StringRef text, size_t maxBytes) {
  std::string out;
  llvm::raw_string_ostream os(out);
  for (char c : kept(text, maxBytes)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\')
      os << c;
    else
      os << "\\x" << llvm::format_hex_no_prefix(u, 2);
  }
  os << cutTag(text, maxBytes);
  return out;
}

} // namespace qcc
