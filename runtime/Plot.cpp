//===- Plot.cpp - Line charts with cairo
//-----------------------------------===//
//
// See Plot.h. Layout of one panel (pixels, relative to its top-left corner
// below the title band): a 560 x 420 cell, the plot box inset 72 left, 24
// right, 34 top (the panel title) and 56 bottom (tick labels, x label).
//
//===----------------------------------------------------------------------===//
#include "Plot.h"
#include "Error.h"
#include "Images.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <unistd.h>

namespace nnrt {

std::vector<double> Axis::ticks() const {
  std::vector<double> t;
  int64_t n = std::llround((hi - lo) / step);
  for (int64_t i = 0; i <= n; ++i) {
    double v = lo + double(i) * step;
    t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  }
  return t;
}

Axis niceAxis(double lo, double hi, int maxTicks, bool integer) {
  maxTicks = std::max(maxTicks, 2);
  // Ranges wider than doubles hold (a diverged run's file) are cut.
  lo = std::clamp(lo, -1e300, 1e300);
  hi = std::clamp(hi, -1e300, 1e300);
  // A flat range (one point, or a constant series) is widened around it.
  double scale = std::max(std::fabs(lo), std::fabs(hi));
  if (hi - lo <= scale * 1e-9) {
    double pad = integer ? 1 : scale > 1e-300 ? scale * 0.05 : 1;
    lo -= pad;
    hi += pad;
  }
  double rough = (hi - lo) / double(maxTicks - 1);
  int e0 = int(std::floor(std::log10(rough)));
  for (int e = e0; e <= e0 + 2; ++e)
    for (double m : {1.0, 2.0, 2.5, 5.0}) {
      double step = m * std::pow(10.0, e);
      if (integer && (step < 1 || step != std::floor(step)))
        continue;
      double a = std::floor(lo / step + 1e-9) * step;
      double b = std::ceil(hi / step - 1e-9) * step;
      // (min/max: a multiple of step within rounding of lo is moved onto
      // lo, so the axis covers the data exactly.)
      if (std::llround((b - a) / step) + 1 <= maxTicks)
        return {std::min(a, lo), std::max(b, hi), step};
    }
  return {lo, hi, hi - lo}; // not reached: 10^(e0+2) covers the range
}

std::string tickLabel(double v, double step) {
  char buf[32];
  if (std::fabs(step) < 1e-4 || std::fabs(v) >= 1e6) {
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
  }
  int decimals = 0;
  while (decimals < 6) {
    double s = step * std::pow(10.0, decimals);
    if (std::fabs(s - std::round(s)) < 1e-6 * s)
      break;
    ++decimals;
  }
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  return s == "-0" || s.find_first_not_of("-0.") == std::string::npos
             ? std::string(buf + (buf[0] == '-'))
             : s;
}

uint32_t seriesColour(const std::string &name, int index) {
  // matplotlib's tab10.
  static const uint32_t palette[10] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728,
                                       0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f,
                                       0xbcbd22, 0x17becf};
  std::string word = name.substr(0, name.find(' '));
  if (word == "train")
    return palette[0];
  if (word == "test")
    return palette[1];
  if (word == "val")
    return palette[2];
  return palette[3 + index % 7];
}

bool dataRange(const Panel &p, double &xlo, double &xhi, double &ylo,
               double &yhi) {
  bool any = false;
  for (const Series &s : p.series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]))
        continue;
      xlo = any ? std::min(xlo, s.x[i]) : s.x[i];
      xhi = any ? std::max(xhi, s.x[i]) : s.x[i];
      ylo = any ? std::min(ylo, s.y[i]) : s.y[i];
      yhi = any ? std::max(yhi, s.y[i]) : s.y[i];
      any = true;
    }
  return any;
}

namespace {

constexpr double kPanelW = 560, kPanelH = 420, kTitleH = 44;
constexpr double kLeft = 72, kRight = 24, kTop = 34, kBottom = 56;

void setColour(cairo_t *cr, uint32_t rgb) {
  cairo_set_source_rgb(cr, ((rgb >> 16) & 255) / 255.0,
                       ((rgb >> 8) & 255) / 255.0, (rgb & 255) / 255.0);
}

void font(cairo_t *cr, double size, bool bold = false) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD
                              : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double textWidth(cairo_t *cr, const std::string &s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

/// Draws `s` with its baseline at y, anchored at x by `align` (0 left, 0.5
/// centre, 1 right).
void text(cairo_t *cr, const std::string &s, double x, double y, double align) {
  cairo_move_to(cr, x - align * textWidth(cr, s), y);
  cairo_show_text(cr, s.c_str());
}

struct Box {
  double x0, y0, x1, y1;
  bool contains(double x, double y) const {
    return x >= x0 && x <= x1 && y >= y0 && y <= y1;
  }
};

/// Maps data coordinates into the plot box, the axes' ends kInset pixels
/// inside it (points at the ends stay whole).
constexpr double kInset = 10;
struct Frame {
  Box box;
  Axis ax, ay;
  // (Clamped: cairo's fixed-point coordinates cannot hold a point far off.)
  double px(double x) const {
    return std::clamp(box.x0 + kInset +
                          (x - ax.lo) / (ax.hi - ax.lo) *
                              (box.x1 - box.x0 - 2 * kInset),
                      -1e4, 1e5);
  }
  double py(double y) const {
    return std::clamp(box.y1 - kInset -
                          (y - ay.lo) / (ay.hi - ay.lo) *
                              (box.y1 - box.y0 - 2 * kInset),
                      -1e4, 1e5);
  }
};

void drawAxes(cairo_t *cr, const Frame &f, const Panel &p) {
  const Box &b = f.box;
  cairo_set_line_width(cr, 1);
  font(cr, 12);
  for (double t : f.ax.ticks()) {
    double x = std::round(f.px(t)) + 0.5;
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, x, b.y0);
    cairo_line_to(cr, x, b.y1);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_move_to(cr, x, b.y1);
    cairo_line_to(cr, x, b.y1 + 5);
    cairo_stroke(cr);
    text(cr, tickLabel(t, f.ax.step), x, b.y1 + 20, 0.5);
  }
  for (double t : f.ay.ticks()) {
    double y = std::round(f.py(t)) + 0.5;
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, b.x0, y);
    cairo_line_to(cr, b.x1, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_move_to(cr, b.x0 - 5, y);
    cairo_line_to(cr, b.x0, y);
    cairo_stroke(cr);
    text(cr, tickLabel(t, f.ay.step), b.x0 - 8, y + 4, 1);
  }
  cairo_rectangle(cr, b.x0 + 0.5, b.y0 + 0.5, b.x1 - b.x0, b.y1 - b.y0);
  cairo_stroke(cr);
  font(cr, 13);
  text(cr, p.xLabel, (b.x0 + b.x1) / 2, b.y1 + 44, 0.5);
  cairo_save(cr);
  cairo_translate(cr, b.x0 - 54, (b.y0 + b.y1) / 2);
  cairo_rotate(cr, -M_PI / 2);
  text(cr, p.yLabel, 0, 0, 0.5);
  cairo_restore(cr);
}

void drawSeries(cairo_t *cr, const Frame &f, const Series &s, uint32_t rgb) {
  cairo_save(cr);
  cairo_rectangle(cr, f.box.x0 - 4, f.box.y0 - 4, f.box.x1 - f.box.x0 + 8,
                  f.box.y1 - f.box.y0 + 8);
  cairo_clip(cr);
  setColour(cr, rgb);
  cairo_set_line_width(cr, 2);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  bool drawing = false;
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (!std::isfinite(s.y[i])) {
      drawing = false;
      continue;
    }
    if (drawing)
      cairo_line_to(cr, f.px(s.x[i]), f.py(s.y[i]));
    else
      cairo_move_to(cr, f.px(s.x[i]), f.py(s.y[i]));
    drawing = true;
  }
  cairo_stroke(cr);
  if (s.markers && s.x.size() <= 40)
    for (size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i])) {
        cairo_new_sub_path(cr);
        cairo_arc(cr, f.px(s.x[i]), f.py(s.y[i]), 4, 0, 2 * M_PI);
        cairo_fill(cr);
      }
  cairo_restore(cr);
}

/// How much of the series' lines the box covers (points, and 16 samples
/// along every segment), within 8 pixels.
int covered(const Frame &f, const Box &b, const Series &s) {
  const Box near{b.x0 - 8, b.y0 - 8, b.x1 + 8, b.y1 + 8};
  int n = 0;
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (!std::isfinite(s.y[i]))
      continue;
    double x = f.px(s.x[i]), y = f.py(s.y[i]);
    n += 16 * near.contains(x, y);
    if (i + 1 == s.x.size() || !std::isfinite(s.y[i + 1]))
      continue;
    double x1 = f.px(s.x[i + 1]), y1 = f.py(s.y[i + 1]);
    for (int k = 1; k < 16; ++k)
      n += near.contains(x + (x1 - x) * k / 16, y + (y1 - y) * k / 16);
  }
  return n;
}

/// The legend in the corner of the box that covers the least of the lines.
void drawLegend(cairo_t *cr, const Frame &f,
                const std::vector<std::pair<const Series *, uint32_t>> &ls) {
  if (ls.empty())
    return;
  font(cr, 12);
  double w = 0;
  for (auto &[s, rgb] : ls)
    w = std::max(w, textWidth(cr, s->name));
  w += 44;
  double h = 18.0 * double(ls.size()) + 10;
  const Box &b = f.box;
  Box corners[4] = {{b.x1 - 10 - w, b.y0 + 10, b.x1 - 10, b.y0 + 10 + h},
                    {b.x1 - 10 - w, b.y1 - 10 - h, b.x1 - 10, b.y1 - 10},
                    {b.x0 + 10, b.y0 + 10, b.x0 + 10 + w, b.y0 + 10 + h},
                    {b.x0 + 10, b.y1 - 10 - h, b.x0 + 10 + w, b.y1 - 10}};
  Box best = corners[0];
  int fewest = -1;
  for (const Box &c : corners) {
    int n = 0;
    for (auto &[s, rgb] : ls)
      n += covered(f, c, *s);
    if (fewest < 0 || n < fewest) {
      fewest = n;
      best = c;
    }
  }
  cairo_rectangle(cr, best.x0 + 0.5, best.y0 + 0.5, w, h);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (size_t i = 0; i < ls.size(); ++i) {
    double y = best.y0 + 14 + 18.0 * double(i);
    setColour(cr, ls[i].second);
    cairo_set_line_width(cr, 2);
    cairo_move_to(cr, best.x0 + 8, y);
    cairo_line_to(cr, best.x0 + 32, y);
    cairo_stroke(cr);
    if (ls[i].first->markers) {
      cairo_arc(cr, best.x0 + 20, y, 4, 0, 2 * M_PI);
      cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, ls[i].first->name, best.x0 + 38, y + 4, 0);
  }
}

void drawPanel(cairo_t *cr, const Panel &p, double ox, double oy) {
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  font(cr, 14, true);
  text(cr, p.title, ox + kLeft + (kPanelW - kLeft - kRight) / 2, oy + 22, 0.5);
  Frame f;
  f.box = {ox + kLeft, oy + kTop, ox + kPanelW - kRight,
           oy + kPanelH - kBottom};
  double xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  bool any = dataRange(p, xlo, xhi, ylo, yhi);
  bool integerX = true;
  for (const Series &s : p.series)
    for (double x : s.x)
      integerX &= x == std::floor(x);
  f.ax = niceAxis(xlo, xhi, 9, integerX);
  f.ay = niceAxis(ylo, yhi, 7);
  drawAxes(cr, f, p);
  if (!any) {
    cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
    font(cr, 13);
    text(cr, "no finite values", (f.box.x0 + f.box.x1) / 2,
         (f.box.y0 + f.box.y1) / 2, 0.5);
    return;
  }
  std::vector<std::pair<const Series *, uint32_t>> legend;
  int others = 0;
  for (const Series &s : p.series) {
    std::string word = s.name.substr(0, s.name.find(' '));
    bool named = word == "train" || word == "test" || word == "val";
    legend.push_back({&s, seriesColour(s.name, named ? 0 : others++)});
  }
  for (auto &[s, rgb] : legend)
    drawSeries(cr, f, *s, rgb);
  drawLegend(cr, f, legend);
}

cairo_status_t writeToFile(void *closure, const unsigned char *data,
                           unsigned int length) {
  return std::fwrite(data, 1, length, static_cast<FILE *>(closure)) == length
             ? CAIRO_STATUS_SUCCESS
             : CAIRO_STATUS_WRITE_ERROR;
}

} // namespace

void drawChart(const Chart &c, const std::string &path) {
  const size_t n = std::max<size_t>(c.panels.size(), 1);
  const int width = int(kPanelW * double(n)), height = int(kTitleH + kPanelH);
  std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t *)> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height),
      cairo_surface_destroy);
  std::unique_ptr<cairo_t, void (*)(cairo_t *)> owner(
      cairo_create(surface.get()), cairo_destroy);
  cairo_t *cr = owner.get();
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    throw Error(path +
                ": cannot draw: " + cairo_status_to_string(cairo_status(cr)));
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
  font(cr, 17, true);
  text(cr, c.title, width / 2.0, 29, 0.5);
  for (size_t i = 0; i < c.panels.size(); ++i)
    drawPanel(cr, c.panels[i], kPanelW * double(i), kTitleH);
  cairo_surface_flush(surface.get());
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    throw Error(path +
                ": cannot draw: " + cairo_status_to_string(cairo_status(cr)));
  atomicWrite(path, [&](FILE *f) {
    return cairo_surface_write_to_png_stream(surface.get(), writeToFile, f) ==
               CAIRO_STATUS_SUCCESS &&
           std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  });
}

} // namespace nnrt
