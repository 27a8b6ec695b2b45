//===- Words.h - A word corpus for skip-gram --------------------*- C++ -*-===//
//
// `data words <vocab> <window> <negatives> <min_count> <subsample> <path>`:
// plain text (a file, or every regular file of a directory in name order,
// skipping symlinks and the `.dat` indexes of Debian's fortunes), read as
// words: runs of ASCII letters and apostrophes, lower-cased; everything else
// separates them. The vocabulary is the `vocab` most frequent words with at
// least `min_count` occurrences (ties alphabetical), id 0 the most frequent;
// other words are dropped from the stream.
//
// Samples are (centre, context) pairs of one document (fortunes' `%` lines
// and file ends separate documents), as word2vec's skip-gram makes them:
// each position is kept with probability min(1, sqrt(t / f) + t / f) (f the
// word's frequency, t = subsample; 0: keep all), a window b uniform in
// [1, window] is drawn for it, and its contexts are the kept words within b
// on either side. With negatives K > 0 a sample's y is the context and K
// words drawn from the unigram distribution to the power 0.75 (never the
// context itself); with K = 0, y is the context alone (a full softmax). The
// draws come from the run's seed, once: the pairs and their negatives are
// the same every epoch (the runtime shuffles their order). The last 2% of
// the stream's positions give the test pairs.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_WORDS_H
#define NNRT_WORDS_H

#include "Data.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnrt {

/// The corpus as ids and its vocabulary (words by id).
struct Corpus {
  std::vector<std::string> words;
  std::vector<int64_t> counts; ///< occurrences of each vocabulary word
  std::vector<int32_t> stream; ///< ids of the text's in-vocabulary words
  /// Where documents end (positions in `stream`, increasing): a line that is
  /// only `%` (fortunes' separator) and every file's end.
  std::vector<int64_t> docEnds;
  int64_t totalWords = 0; ///< words of the text, in the vocabulary or not
};

/// Reads and tokenises `path`; Error when it cannot be read, holds no words,
/// or fewer than `vocab` distinct words occur `minCount` times.
Corpus readCorpus(const std::string &path, int64_t vocab, int64_t minCount);

/// `data words`: the training (or test) pairs of d's corpus (see above).
Dataset wordsSplit(const ModelDesc &d, const std::string &fileOverride,
                   bool test);

/// The k words nearest to `id` by cosine similarity of the rows of E [V, D]
/// (not `id` itself), best first, with their similarities.
std::vector<std::pair<int32_t, float>>
nearestWords(const float *e, int64_t v, int64_t d, int32_t id, int64_t k);

/// word2vec's text format: "V D", then one line per word: the word and its D
/// values (6 significant digits). Written to a temporary file and renamed;
/// Error naming `path` when it cannot be written.
void writeWord2Vec(const std::string &path,
                   const std::vector<std::string> &words, const float *e,
                   int64_t d);

} // namespace nnrt

#endif // NNRT_WORDS_H
