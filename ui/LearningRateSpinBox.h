#pragma once
// A spin box for learning rates: shows plain decimals ("0.0001", never "1e-04", which non-programmers
// misread) and steps along 1-2-5 per decade, because a learning rate matters by its order of
// magnitude, not by fixed increments.

#include <QDoubleSpinBox>

namespace attune::ui {

class LearningRateSpinBox : public QDoubleSpinBox {
  Q_OBJECT

 public:
  static constexpr double kSmallestStep = 1e-6;

  explicit LearningRateSpinBox(QWidget* parent = nullptr);

  void stepBy(int steps) override;
  QString textFromValue(double value) const override;
  double valueFromText(const QString& text) const override;

  // The next value on the 1-2-5 ladder above (up) or below `value`.
  static double ladderStep(double value, bool up);
};

}  // namespace attune::ui
