//===- Dict.h - The CMU pronouncing dictionary for G2P ----------*- C++ -*-===//
//
// Reads the CMU pronouncing dictionary 0.4 as Debian's festlex-cmu installs it
// (/usr/share/festival/dicts/cmu/cmudict-0.4.out): a header line `MNCL`, then
// one entry per line, `("aardvark" nil (((aa r d) 1) ((v aa r k) 1)))`: the
// word, a part-of-speech tag, its syllables `((phones...) stress)`. A word can
// appear on several lines (one per part of speech).
//
// Vocabularies: letters are lower-cased, 0 pad, 'a'..'z' = 1..26 (27 classes);
// phones lose their stress (it belongs to the syllable), 0 pad, 1 <s>, 2 </s>,
// then the 40 phones aa .. zh = 3..42 (43 classes). A word's pronunciations
// are kept in the order first seen; identical ones (after dropping stress)
// are merged and counted.
//
// Split: a word is held out for testing when FNV-1a-32 of its lower-case bytes
// % 10 == 0 (about 10%); all its pronunciations go to the same side, so no
// held-out word is seen in training. Samples are one per (word,
// pronunciation): x = letters padded with 0 to [S], y = phones, </s>, padded
// with 0 to [T]; a sample with more than S letters or T - 1 phones does not
// fit and is skipped (counted).
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_DICT_H
#define NNRT_DICT_H

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace nnrt {

constexpr int32_t kLetterClasses = 27, kPhoneClasses = 43;
constexpr int32_t kPadId = 0, kStartId = 1, kEndId = 2;

/// 1..26 for 'a'..'z' and 'A'..'Z', -1 for any other byte.
int32_t letterId(char c);
/// The lower-case letter of id 1..26 ('?' otherwise).
char letterChar(int32_t id);
/// 3..42 for a phone name (lower case, no stress), -1 otherwise.
int32_t phoneId(std::string_view name);
/// The phone of id 3..42, or "<pad>", "<s>", "</s>"; "<?>" otherwise.
std::string phoneName(int32_t id);
/// Phone ids as space-separated names ("ae r d"); ids outside 3..42 print
/// as phoneName gives them.
std::string phonesText(const std::vector<int32_t> &phones);

/// FNV-1a, 32 bits, of the bytes of s.
uint32_t fnv1a32(std::string_view s);
/// The split: true when `word` (lower case) is held out for testing.
bool isHeldOut(std::string_view word);

/// One pronunciation: phone ids 3..42, never empty.
struct Pron {
  std::vector<int32_t> phones;
};

/// A lower-case word, its letter ids 1..26, and its distinct pronunciations.
struct DictWord {
  std::string word;
  std::vector<int32_t> letters;
  std::vector<Pron> prons;
};

/// The dictionary split into training and held-out words (file order).
struct Dictionary {
  std::vector<DictWord> train, test;
  int64_t entries = 0;          ///< entry lines (the header not counted)
  int64_t mergedDuplicates = 0; ///< entries identical to an earlier one
};

/// Parses a dictionary from `text`; `name` prefixes error messages. Throws
/// Error("NAME:LINE:COL: expected ...") for a line that does not parse
/// (unbalanced parentheses, missing quotes, an empty word or pronunciation,
/// a character outside a-z in a word, an unknown phone) and
/// Error("NAME: ...") for an empty text or a missing `MNCL` header.
Dictionary parseCmudict(const std::string &text, const std::string &name);

/// parseCmudict of a file; Error("PATH: cannot open: ...") when unreadable.
Dictionary readCmudict(const std::string &path);

/// Samples encoded for fixed shapes S and T.
struct G2PSamples {
  int64_t rows = 0;
  std::vector<int32_t> x;      ///< [rows, S] letters, 0-padded
  std::vector<int32_t> y;      ///< [rows, T] phones, </s>, 0-padded
  std::vector<int64_t> wordOf; ///< [rows] index of the row's word
  int64_t samples = 0;         ///< (word, pron) pairs offered
  int64_t skipped = 0;         ///< of them, those that do not fit
  int64_t skippedWords = 0;    ///< words with no sample that fits
};

/// One row per (word, pronunciation) of `words` that fits in S letters and
/// T - 1 phones (S, T >= 1, else Error).
G2PSamples encodeG2P(const std::vector<DictWord> &words, int64_t S, int64_t T);

/// Words encoded for decoding: one row per word with at most S letters.
struct G2PWords {
  int64_t rows = 0;
  std::vector<int32_t> x;      ///< [rows, S] letters, 0-padded
  std::vector<int64_t> wordOf; ///< [rows] index of the row's word
  int64_t skipped = 0;         ///< words longer than S letters
};

/// The words of `words` that fit in S letters (S >= 1, else Error).
G2PWords encodeWords(const std::vector<DictWord> &words, int64_t S);

/// Words typed by a user, one per line (surrounding blanks ignored, blank
/// lines skipped), lower-cased, with no pronunciations. Throws
/// Error("NAME:N: 'foo1' has '1', expected letters a-z") and
/// Error("NAME:N: 'xx..' has L letters, the model takes at most S").
std::vector<DictWord> readUserWords(std::istream &in, const std::string &name,
                                    int64_t S);

} // namespace nnrt

#endif // NNRT_DICT_H
