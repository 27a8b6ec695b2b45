//===- WordsTest.cpp - The skip-gram corpus, pairs, neighbours, vectors ---===//
//
// Tokenising (lower case, inner apostrophes), the vocabulary's order and its
// error, directories read in name order without `.dat` files, the pairs of a
// tiny corpus (window 1, no subsampling: each word with its neighbours),
// negatives never equal to the context and all in the vocabulary, cosine
// neighbours, and the word2vec text file; windows never cross a document.
//
//===----------------------------------------------------------------------===//
#include "Words.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <set>

using namespace nnrt;
using namespace nnrt::test;

TEST(Words, TokenisesAndOrdersTheVocabulary) {
  TempDir t;
  writeFile(t.path("a"),
            "The cat's hat, the CAT... and 'the' dog!\n%\ntHe end'");
  Corpus c = readCorpus(t.path("a"), 3, 1);
  // Tokens: the cat's hat the cat and the dog the end ('the' loses its
  // quotes, end' its trailing one). "the" x4, then the words seen once in
  // alphabetical order: and, cat, cat's, ...
  ASSERT_EQ(c.words, (std::vector<std::string>{"the", "and", "cat"}));
  EXPECT_EQ(c.counts, (std::vector<int64_t>{4, 1, 1}));
  EXPECT_EQ(c.totalWords, 10);
  // The in-vocabulary words in order: the, the, cat, and, the, the.
  EXPECT_EQ(c.stream, (std::vector<int32_t>{0, 0, 2, 1, 0, 0}));
  std::string e = errorOf([&] { readCorpus(t.path("a"), 4, 2); });
  EXPECT_NE(e.find("only 1 distinct words occur at least 2 times; use vocab "
                   "<= 1"),
            std::string::npos)
      << e;
}

TEST(Words, ReadsADirectoryWithoutIndexes) {
  TempDir t;
  writeFile(t.path("b"), "beta beta");
  writeFile(t.path("a"), "alpha");
  writeFile(t.path("a.dat"), "zzz zzz zzz zzz");
  Corpus c = readCorpus(t.dir, 2, 1);
  EXPECT_EQ(c.words, (std::vector<std::string>{"beta", "alpha"}));
  EXPECT_EQ(c.stream, (std::vector<int32_t>{1, 0, 0})); // a, then b
  EXPECT_NE(errorOf([&] {
              readCorpus(t.path("missing"), 2, 1);
            }).find("missing: cannot open"),
            std::string::npos);
  writeFile(t.path("empty"), "123 ...");
  EXPECT_NE(
      errorOf([&] { readCorpus(t.path("empty"), 2, 1); }).find("no words"),
      std::string::npos);
}

/// A descriptor of the fake model with `data words` over `path`.
static ModelDesc wordsDesc(const std::string &path, int64_t window,
                           int64_t negatives) {
  ModelDesc d;
  d.seed = 7;
  d.words.path = path;
  d.words.vocab = 4;
  d.words.window = window;
  d.words.negatives = negatives;
  d.words.minCount = 1;
  d.words.subsample = 0;
  return d;
}

TEST(Words, PairsOfATinyCorpus) {
  TempDir t;
  // 100 words, so the test part (the last 2%) is the last 2.
  std::string text;
  for (int i = 0; i < 25; ++i)
    text += "a b c d ";
  writeFile(t.path("c"), text);
  Dataset train = wordsSplit(wordsDesc(t.path("c"), 1, 0), "", false);
  // Window 1: every position pairs with its two neighbours, the ends with
  // one: 98 positions give 2 * 98 - 2 pairs.
  ASSERT_EQ(train.n, 194);
  EXPECT_EQ(train.xPer, 1);
  EXPECT_EQ(train.yPer, 1);
  // ids: a b c d all once per 4 words, ties alphabetical: a=0 ... d=3.
  EXPECT_EQ(train.xI[0], 0);
  EXPECT_EQ(train.yI[0], 1);
  for (int64_t i = 0; i < train.n; ++i)
    EXPECT_EQ((train.yI[i] - train.xI[i] + 4) % 4 == 1 ||
                  (train.xI[i] - train.yI[i] + 4) % 4 == 1,
              true);
  Dataset test = wordsSplit(wordsDesc(t.path("c"), 1, 0), "", true);
  EXPECT_EQ(test.n, 2); // "c d": c>d and d>c
}

TEST(Words, NegativesAreOtherVocabularyWords) {
  TempDir t;
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "a a a b c d ";
  writeFile(t.path("c"), text);
  Dataset ds = wordsSplit(wordsDesc(t.path("c"), 2, 3), "", false);
  ASSERT_GT(ds.n, 1000);
  ASSERT_EQ(ds.yPer, 4);
  std::vector<int64_t> seen(4, 0);
  for (int64_t i = 0; i < ds.n; ++i)
    for (int k = 1; k < 4; ++k) {
      int32_t neg = ds.yI[i * 4 + k];
      ASSERT_GE(neg, 0);
      ASSERT_LT(neg, 4);
      EXPECT_NE(neg, ds.yI[i * 4]);
      ++seen[neg];
    }
  // Unigram^0.75: `a` (3 of 6 words) is drawn more often than each other.
  for (int w = 1; w < 4; ++w)
    EXPECT_GT(seen[0], seen[w]);
}

TEST(Words, NeighboursAndWord2VecText) {
  // Rows: 0 (1, 0), 1 (0.9, 0.1), 2 (0, 1), 3 (-1, 0).
  std::vector<float> e = {1, 0, 0.9f, 0.1f, 0, 1, -1, 0};
  auto nn = nearestWords(e.data(), 4, 2, 0, 3);
  ASSERT_EQ(nn.size(), 3u);
  EXPECT_EQ(nn[0].first, 1);
  EXPECT_EQ(nn[1].first, 2);
  EXPECT_EQ(nn[2].first, 3);
  EXPECT_NEAR(nn[2].second, -1.0f, 1e-6);
  TempDir t;
  writeWord2Vec(t.path("v.txt"), {"w", "x", "y", "z"}, e.data(), 2);
  EXPECT_EQ(readFile(t.path("v.txt")),
            "4 2\nw 1 0\nx 0.9 0.1\ny 0 1\nz -1 0\n");
  EXPECT_NE(errorOf([&] {
              writeWord2Vec(t.path("no/v.txt"), {"w"}, e.data(), 2);
            }).find("no/v.txt: cannot write"),
            std::string::npos);
}

TEST(Words, WindowsStayInsideADocument) {
  TempDir t;
  writeFile(t.path("f"), "a b\n%\nc d\n");
  writeFile(t.path("g"), "a c");
  Corpus c = readCorpus(t.dir, 4, 1);
  // Three documents: "a b", "c d" (fortunes' % line) and "a c" (a new file).
  EXPECT_EQ(c.docEnds, (std::vector<int64_t>{2, 4, 6}));
  Dataset ds = wordsSplit(wordsDesc(t.dir, 5, 0), "", false);
  std::set<std::pair<int32_t, int32_t>> pairs;
  for (int64_t i = 0; i < ds.n; ++i)
    pairs.insert({ds.xI[i], ds.yI[i]});
  // ids: a 0, c 1 (twice each), b 2, d 3.
  EXPECT_EQ(pairs, (std::set<std::pair<int32_t, int32_t>>{
                       {0, 2}, {2, 0}, {1, 3}, {3, 1}, {0, 1}, {1, 0}}));
  EXPECT_EQ(ds.n, 6);
}
