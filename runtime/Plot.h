//===- Plot.h - Line charts of training curves, drawn with cairo -*- C++
//-*-===//
//
// A Chart is a title over one or more panels side by side; a panel is a set of
// named series (x, y) drawn as lines in one box with ticks, grid, axis labels
// and a legend. drawChart renders it with cairo (vector drawing, antialiased
// text from fontconfig's sans-serif) on a white RGB surface and writes an
// 8-bit RGB PNG atomically (Images.h: a temporary file, fsync, rename).
// Series colours are fixed by name, so pictures of different runs compare:
// train blue, test orange, val green, then the rest of matplotlib's tab10
// palette in order of appearance.
//
// niceAxis picks an axis range and tick step of 1, 2, 2.5 or 5 times a power
// of ten covering the data, with at most `maxTicks` ticks.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_PLOT_H
#define NNRT_PLOT_H

#include <cstdint>
#include <string>
#include <vector>

namespace nnrt {

/// One line of a panel. A NaN y (null in the metrics) breaks the line there.
struct Series {
  std::string name;
  std::vector<double> x, y;
  bool markers = true; ///< dots at the points (dropped past 40 points)
};

struct Panel {
  std::string title, xLabel = "epoch", yLabel;
  std::vector<Series> series;
};

struct Chart {
  std::string title;
  std::vector<Panel> panels;
};

/// An axis from lo to hi with ticks lo, lo + step, ..., hi.
struct Axis {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> ticks() const;
};

/// The smallest axis with a step of {1, 2, 2.5, 5} x 10^k (integers >= 1 when
/// `integer`, e.g. epochs) whose range covers [lo, hi] in at most maxTicks
/// ticks. lo == hi is widened around the value. Needs finite lo <= hi.
Axis niceAxis(double lo, double hi, int maxTicks = 7, bool integer = false);

/// A tick label: as many decimals as `step` needs ("0.25", "90", "1e-05").
std::string tickLabel(double v, double step);

/// The colour of a series, 0xRRGGBB: by name (train, test, val), else the
/// palette entry after them for the index-th other series.
uint32_t seriesColour(const std::string &name, int index);

/// The panels' data range: min and max over every finite point (false if the
/// panel has none).
bool dataRange(const Panel &p, double &xlo, double &xhi, double &ylo,
               double &yhi);

/// Draws `c` and writes it to `path` as a PNG (atomically); throws Error
/// naming the path on failure. Each panel is 560 x 420 pixels, under a 44
/// pixel title band.
void drawChart(const Chart &c, const std::string &path);

} // namespace nnrt

#endif // NNRT_PLOT_H
