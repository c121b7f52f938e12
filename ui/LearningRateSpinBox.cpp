#include "ui/LearningRateSpinBox.h"

#include <QLocale>

#include <algorithm>
#include <array>
#include <cmath>

namespace attune::ui {
namespace {

constexpr int kDecimals = 8;
constexpr double kTolerance = 1e-9;  // relative; keeps 0.3 * 10 from counting as "above 3"

}  // namespace

LearningRateSpinBox::LearningRateSpinBox(QWidget* parent) : QDoubleSpinBox(parent) {
  setDecimals(kDecimals);
  setRange(kSmallestStep, 1.0);
  setAccelerated(false);
}

double LearningRateSpinBox::ladderStep(double value, bool up) {
  if (value < kSmallestStep) return up ? kSmallestStep : 0.0;
  const double decade = std::pow(10.0, std::floor(std::log10(value)));
  const double mantissa = value / decade;
  if (up) {
    for (double m : std::array{1.0, 2.0, 5.0, 10.0})
      if (m > mantissa * (1.0 + kTolerance)) return m * decade;
    return 10.0 * decade;
  }
  for (double m : std::array{5.0, 2.0, 1.0, 0.5})
    if (m < mantissa * (1.0 - kTolerance)) return m * decade;
  return 0.5 * decade;
}

void LearningRateSpinBox::stepBy(int steps) {
  double v = value();
  for (int i = 0; i < std::abs(steps); ++i) v = ladderStep(v, steps > 0);
  if (steps < 0 && v < kSmallestStep) v = minimum();
  setValue(std::clamp(v, minimum(), maximum()));
  selectAll();
}

QString LearningRateSpinBox::textFromValue(double value) const {
  if (value == 0.0) return QStringLiteral("0");
  QString text = locale().toString(value, 'f', kDecimals);
  const QChar point = locale().decimalPoint().front();
  if (text.contains(point)) {
    while (text.endsWith(QLatin1Char('0'))) text.chop(1);
    if (text.endsWith(point)) text.chop(1);
  }
  return text;
}

double LearningRateSpinBox::valueFromText(const QString& text) const {
  bool ok = false;
  const double value = locale().toDouble(text.trimmed(), &ok);
  return ok ? value : this->value();
}

}  // namespace attune::ui
