//===- Sample.cpp - Generating text from a character model ----------------===//
#include "Sample.h"
#include "Data.h"
#include "Error.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

namespace nnrt {

std::string sampleText(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                       const std::string &prime, int64_t length,
                       double temperature, uint64_t seed) {
  const int64_t c = kTextClasses;
  if (!d.hasStep() || d.textFile.empty() || !ep.sampleStep)
    throw Error("'sample' needs a character model: trained on text(...) "
                "data, with a stateful recurrent layer (model " +
                d.model + " has " +
                (d.textFile.empty() ? "no text data" : "no stateful layer") +
                "), or images: a train section with `sample = ...`");
  if (d.stepOut.shape != std::vector<int64_t>({d.batch, 1, c}))
    throw Error("'sample' needs the model output per character [B, T, " +
                std::to_string(c) + "]; at T = 1 it is " +
                shapeStr(d.stepOut.shape));
  std::vector<int> classes = {textClass('\n')};
  for (unsigned char ch : prime) {
    int k = textClass(ch);
    if (k < 0) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02x", ch);
      throw Error(std::string("--prime: byte ") + byte +
                  " is not one of the model's characters (tab, newline, ' ' "
                  "to '~')");
    }
    classes.push_back(k);
  }
  resetCarried(d, arena);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  float *x = arena.f32(d.stepX);           // [B, 1, C]
  const float *out = arena.f32(d.stepOut); // [B, 1, C]
  int64_t calls = 0;
  auto feed = [&](int k) {
    std::memset(x, 0, d.stepX.bytes());
    x[k] = 1.0f; // row 0; the other rows stay zero
    setHyper(d, arena, 0, ++calls, seed);
    ep.sampleStep(arena.base());
  };
  for (int k : classes)
    feed(k);
  std::string text = prime;
  std::vector<double> p(c);
  for (int64_t n = 0; n < length; ++n) {
    int next = 0;
    for (int64_t k = 1; k < c; ++k)
      if (out[k] > out[next])
        next = int(k);
    if (temperature > 0) {
      double sum = 0;
      for (int64_t k = 0; k < c; ++k)
        sum += p[k] = std::exp((out[k] - out[next]) / temperature);
      double u = uniform(rng) * sum;
      for (next = 0; next < c - 1 && (u -= p[next]) > 0; ++next)
        ;
    }
    text.push_back(textChar(next));
    feed(next);
  }
  return text;
}

} // namespace nnrt
