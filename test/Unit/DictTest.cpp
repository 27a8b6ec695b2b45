//===- DictTest.cpp - The CMU dictionary reader, split and encoding -------===//
//
// The letter and phone vocabularies; a small inline dictionary (several
// pronunciations, a duplicate merged, stress dropped, an upper-case word,
// the split by FNV-1a); each kind of bad line rejected with NAME:LINE:COL;
// bad files; encoding into [S] / [T] rows with skips; user-typed words; and
// the real festlex-cmu file when it is installed.
//
//===----------------------------------------------------------------------===//
#include "Dict.h"
#include "Error.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

using namespace nnrt;
using namespace nnrt::test;

namespace {

const char *kCmudict = "/usr/share/festival/dicts/cmu/cmudict-0.4.out";

/// "a" and "hat" are held out (FNV-1a-32 % 10 == 0), the others train.
const char *kSmall = "MNCL\n"
                     "(\"a\" dt (((ax) 0)))\n"
                     "(\"a\" n (((ey) 1)))\n"
                     "(\"hat\" nil (((hh ae t) 1)))\n"
                     "(\"read\" v (((r iy d) 1)))\n"
                     "(\"read\" n (((r eh d) 1)))\n"
                     "(\"read\" nil (((r iy d) 0)))\n"
                     "(\"AWOL\" nil (((ey) 1) ((w ao l) 0)))\n"
                     "(\"aardvark\" nil (((aa r d) 1) ((v aa r k) 1)))\n";

/// Phone ids of space-separated names.
std::vector<int32_t> phones(const std::string &names) {
  std::vector<int32_t> ids;
  std::istringstream in(names);
  for (std::string p; in >> p;)
    ids.push_back(phoneId(p));
  return ids;
}

/// The error of parsing the header and one entry line `line` as "d".
std::string lineError(const std::string &line) {
  return errorOf([&] { parseCmudict("MNCL\n" + line + "\n", "d"); });
}

} // namespace

TEST(Dict, Vocabularies) {
  EXPECT_EQ(letterId('a'), 1);
  EXPECT_EQ(letterId('z'), 26);
  EXPECT_EQ(letterId('Q'), 17);
  EXPECT_EQ(letterId('1'), -1);
  EXPECT_EQ(letterId('\''), -1);
  for (int32_t id = 1; id <= 26; ++id)
    EXPECT_EQ(letterId(letterChar(id)), id);
  EXPECT_EQ(phoneId("aa"), 3);
  EXPECT_EQ(phoneId("zh"), 42);
  EXPECT_EQ(phoneId("aa1"), -1);
  EXPECT_EQ(phoneId("AA"), -1);
  for (int32_t id = 3; id < kPhoneClasses; ++id)
    EXPECT_EQ(phoneId(phoneName(id)), id);
  EXPECT_EQ(phoneName(kEndId), "</s>");
  EXPECT_EQ(phoneName(43), "<?>");
  EXPECT_EQ(phonesText(phones("ae r d")), "ae r d");
}

TEST(Dict, Fnv1aAndSplit) {
  // The published FNV-1a-32 test vectors.
  EXPECT_EQ(fnv1a32(""), 0x811c9dc5u);
  EXPECT_EQ(fnv1a32("a"), 0xe40c292cu);
  EXPECT_EQ(fnv1a32("foobar"), 0xbf9cf968u);
  EXPECT_TRUE(isHeldOut("a"));      // 0xe40c292c % 10 == 0
  EXPECT_TRUE(isHeldOut("foobar")); // 0xbf9cf968 % 10 == 0
  EXPECT_FALSE(isHeldOut("read"));  // 0xcedfa3c5 % 10 == 9
}

TEST(Dict, ParsesSmallFile) {
  Dictionary d = parseCmudict(kSmall, "small");
  EXPECT_EQ(d.entries, 8);
  EXPECT_EQ(d.mergedDuplicates, 1); // read's "r iy d" with stress 0
  ASSERT_EQ(d.train.size(), 3u);
  ASSERT_EQ(d.test.size(), 2u);
  EXPECT_EQ(d.test[0].word, "a");
  ASSERT_EQ(d.test[0].prons.size(), 2u);
  EXPECT_EQ(d.test[0].prons[0].phones, phones("ax"));
  EXPECT_EQ(d.test[0].prons[1].phones, phones("ey"));
  EXPECT_EQ(d.test[1].word, "hat");
  const DictWord &read = d.train[0];
  EXPECT_EQ(read.word, "read");
  EXPECT_EQ(read.letters, (std::vector<int32_t>{18, 5, 1, 4}));
  ASSERT_EQ(read.prons.size(), 2u);
  EXPECT_EQ(read.prons[0].phones, phones("r iy d"));
  EXPECT_EQ(read.prons[1].phones, phones("r eh d"));
  EXPECT_EQ(d.train[1].word, "awol"); // lower-cased
  EXPECT_EQ(d.train[1].letters, (std::vector<int32_t>{1, 23, 15, 12}));
  EXPECT_EQ(d.train[1].prons[0].phones, phones("ey w ao l")); // syllables
  EXPECT_EQ(d.train[2].prons[0].phones, phones("aa r d v aa r k"));
}

TEST(Dict, AcceptsCrlfAndBlankLines) {
  Dictionary d = parseCmudict(
      "MNCL\r\n\r\n(\"abc\" nil (((ey) 1) ((b iy) 1)))\r\n\n", "crlf");
  EXPECT_EQ(d.entries, 1);
  ASSERT_EQ(d.train.size() + d.test.size(), 1u);
}

TEST(Dict, RejectsBadLines) {
  auto expectError = [](const std::string &line, const std::string &message) {
    std::string e = lineError(line);
    EXPECT_NE(e.find(message), std::string::npos) << line << "\n" << e;
  };
  expectError("(\"abc\" nil (((ae b) 1))",
              "d:2:24: expected ')' to close the entry, found end of line");
  expectError("(\"abc\" nil (((ae b) 1)))))",
              "d:2:25: expected the end of the line after the entry, found "
              "')'");
  expectError("(abc nil (((ae) 1)))",
              "d:2:2: expected '\"' before the word, found 'a'");
  expectError("(\"abc nil (((ae) 1)))",
              "d:2:22: expected '\"' to close the word, found end of line");
  expectError("(\"\" nil (((ae) 1)))",
              "d:2:3: expected a word between the quotes, found '\"'");
  expectError("(\"ab1\" nil (((ae) 1)))",
              "d:2:5: expected letters a-z in the word 'ab1', found '1'");
  expectError("(\"abc\" nil (((ae qq) 1)))",
              "d:2:18: expected a phone (one of aa ae");
  expectError("(\"abc\" nil (((ae qq) 1)))", "zh) instead of 'qq', found 'q'");
  expectError("(\"abc\" nil ())",
              "d:2:13: expected a syllable '((phones) stress)' (empty "
              "pronunciation), found ')'");
  expectError("(\"abc\" nil ((() 1)))",
              "d:2:15: expected a phone in the syllable, found ')'");
  expectError("(\"abc\" nil (((ae))))",
              "d:2:18: expected a stress digit after the phones, found ')'");
  expectError("(\"abc\" (((ae) 1)))",
              "d:2:8: expected a part-of-speech tag after the word, found "
              "'('");
  expectError("abc", "d:2:1: expected '(' to open the entry, found 'a'");
}

TEST(Dict, RejectsBadFiles) {
  TempDir t;
  std::string e = errorOf([&] { readCmudict(t.path("missing")); });
  EXPECT_NE(e.find("missing: cannot open"), std::string::npos) << e;
  writeFile(t.path("empty"), "");
  e = errorOf([&] { readCmudict(t.path("empty")); });
  EXPECT_NE(e.find("empty: empty file"), std::string::npos) << e;
  writeFile(t.path("noheader"), "(\"abc\" nil (((ae) 1)))\n");
  e = errorOf([&] { readCmudict(t.path("noheader")); });
  EXPECT_NE(e.find("noheader:1:1: expected the header line 'MNCL'"),
            std::string::npos)
      << e;
  writeFile(t.path("headeronly"), "MNCL\n\n");
  e = errorOf([&] { readCmudict(t.path("headeronly")); });
  EXPECT_NE(e.find("headeronly: no entries"), std::string::npos) << e;
  writeFile(t.path("good"), kSmall);
  EXPECT_EQ(readCmudict(t.path("good")).entries, 8);
}

TEST(Dict, EncodesAndSkips) {
  Dictionary d = parseCmudict(kSmall, "small");
  // train: read (2 prons of 3 phones), awol (4 phones), aardvark (8
  // letters). S = 4, T = 5: aardvark's word and nothing else is too long.
  G2PSamples s = encodeG2P(d.train, 4, 5);
  EXPECT_EQ(s.samples, 4);
  EXPECT_EQ(s.skipped, 1);
  EXPECT_EQ(s.skippedWords, 1);
  ASSERT_EQ(s.rows, 3);
  EXPECT_EQ(s.wordOf, (std::vector<int64_t>{0, 0, 1}));
  std::vector<int32_t> x0(s.x.begin(), s.x.begin() + 4);
  EXPECT_EQ(x0, d.train[0].letters);
  std::vector<int32_t> y1(s.y.begin() + 5, s.y.begin() + 10);
  std::vector<int32_t> want = phones("r eh d");
  want.insert(want.end(), {kEndId, kPadId});
  EXPECT_EQ(y1, want);
  std::vector<int32_t> y2(s.y.begin() + 10, s.y.end());
  want = phones("ey w ao l");
  want.push_back(kEndId);
  EXPECT_EQ(y2, want);
  // T = 4 leaves room for 3 phones: awol's 4 do not fit.
  s = encodeG2P(d.train, 8, 4);
  EXPECT_EQ(s.rows, 2);
  EXPECT_EQ(s.skipped, 2);
  EXPECT_EQ(s.skippedWords, 2);
  // Padding with 0 up to S.
  G2PWords w = encodeWords(d.test, 4);
  ASSERT_EQ(w.rows, 2);
  EXPECT_EQ(w.skipped, 0);
  EXPECT_EQ(w.x, (std::vector<int32_t>{1, 0, 0, 0, 8, 1, 20, 0}));
  EXPECT_EQ(encodeWords(d.train, 4).skipped, 1);
  EXPECT_NE(errorOf([&] { encodeG2P(d.train, 0, 5); }).find("S >= 1"),
            std::string::npos);
}

TEST(Dict, ReadsUserWords) {
  std::istringstream in("Hello\n\n  world \r\nxyz\n");
  std::vector<DictWord> w = readUserWords(in, "stdin", 5);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].word, "hello");
  EXPECT_EQ(w[0].letters, (std::vector<int32_t>{8, 5, 12, 12, 15}));
  EXPECT_EQ(w[1].word, "world");
  EXPECT_TRUE(w[1].prons.empty());
  std::istringstream bad("ok\nfoo1\n");
  EXPECT_EQ(errorOf([&] { readUserWords(bad, "words.txt", 24); }),
            "words.txt:2: 'foo1' has '1', expected letters a-z");
  std::istringstream space("two words\n");
  EXPECT_EQ(errorOf([&] { readUserWords(space, "stdin", 24); }),
            "stdin:1: 'two words' has ' ', expected letters a-z");
  std::istringstream lng("abcdef\n");
  EXPECT_EQ(errorOf([&] { readUserWords(lng, "stdin", 5); }),
            "stdin:1: 'abcdef' has 6 letters, the model takes at most 5");
}

/// The installed festlex-cmu dictionary: counts checked against an
/// independent Python reading of the file (bench/g2p_torch.py).
TEST(Dict, RealFile) {
  if (!std::ifstream(kCmudict))
    GTEST_SKIP() << kCmudict << " is not installed (festlex-cmu)";
  Dictionary d = readCmudict(kCmudict);
  EXPECT_EQ(d.entries, 105901);
  EXPECT_EQ(d.mergedDuplicates, 69);
  EXPECT_EQ(d.train.size() + d.test.size(), 105664u);
  EXPECT_EQ(d.test.size(), 10430u);
  size_t longestWord = 0, longestPron = 0, prons = 0, testProns = 0;
  std::set<std::string> trainWords;
  for (const DictWord &w : d.train) {
    EXPECT_FALSE(isHeldOut(w.word)) << w.word;
    trainWords.insert(w.word);
  }
  for (const DictWord &w : d.test) {
    EXPECT_TRUE(isHeldOut(w.word)) << w.word;
    EXPECT_EQ(trainWords.count(w.word), 0u) << w.word;
    testProns += w.prons.size();
  }
  for (const auto *side : {&d.train, &d.test})
    for (const DictWord &w : *side) {
      longestWord = std::max(longestWord, w.letters.size());
      for (const Pron &p : w.prons) {
        longestPron = std::max(longestPron, p.phones.size());
        ++prons;
      }
    }
  EXPECT_EQ(trainWords.size(), d.train.size()); // each word once
  EXPECT_EQ(prons, 105832u);
  EXPECT_EQ(testProns, 10449u);
  EXPECT_EQ(longestWord, 22u); // deinstitutionalization
  EXPECT_EQ(longestPron, 20u);
  // S = T = 24 fits everything; S = 12 skips the long words' samples.
  G2PSamples all = encodeG2P(d.train, 24, 24);
  EXPECT_EQ(all.skipped, 0);
  EXPECT_EQ(all.rows, int64_t(prons - testProns));
  G2PSamples some = encodeG2P(d.train, 12, 24);
  EXPECT_GT(some.skippedWords, 0);
  EXPECT_EQ(some.rows + some.skipped, some.samples);
}
