//===- UntrustedText.h - strings from model files, made safe ----*- C++ -*-===//
//
// A model file is untrusted input: its node, value and tensor names and its
// file names can hold any bytes (newlines, "*/", quotes, NUL, invalid UTF-8,
// megabytes). They reach three places, each with its own rule:
//  - generated C/C++ comments: only [A-Za-z0-9_.:-] and spaces survive, so a
//    name can neither end the comment nor start a line or a preprocessor
//    directive; long names are cut and tagged with a hash of the full name;
//  - generated string literals: every byte outside printable ASCII, and the
//    quote, backslash and question mark (trigraphs), becomes a three-digit
//    octal escape; long names are cut the same way;
//  - diagnostics: one line, non-printable bytes as \xNN, long names cut.
// C identifiers in generated code never come from model names.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_SUPPORT_UNTRUSTEDTEXT_H
#define QCC_SUPPORT_UNTRUSTEDTEXT_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace qcc {

/// Longest part of a name kept in generated code and diagnostics.
constexpr size_t kMaxNameBytesInCode = 96;

/// Text safe inside a /* */ or // comment.
std::string commentSafe(llvm::StringRef text, size_t maxBytes = kMaxNameBytesInCode);

/// A complete C/C++ string literal, quotes included, whose value is `text`
/// (or, for long text, its first bytes and a hash tag).
std::string cStringLiteral(llvm::StringRef text, size_t maxBytes = kMaxNameBytesInCode);

/// `text` for a one-line diagnostic.
std::string diagnosticSafe(llvm::StringRef text, size_t maxBytes = kMaxNameBytesInCode);

} // namespace qcc

#endif // QCC_SUPPORT_UNTRUSTEDTEXT_H
