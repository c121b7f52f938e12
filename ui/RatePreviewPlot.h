#pragma once
// A small chart of every layer group's learning rate over the run as configured (previewRates):
// x in epochs, y on a log axis; a group's line has a gap while it is frozen (rate 0).

#include "core/training/LayerGroupPlan.h"

#include <QWidget>

#include <cstdint>
#include <vector>

class QCustomPlot;

namespace attune::ui {

class RatePreviewPlot : public QWidget {
  Q_OBJECT

 public:
  explicit RatePreviewPlot(QWidget* parent = nullptr);

  void setPreview(const TrainingConfig& config, const std::vector<LayerGroupPlan>& plan,
                  int64_t stepsPerEpoch);
  QCustomPlot* plot() const { return m_plot; }

 private:
  QCustomPlot* m_plot = nullptr;
};

}  // namespace attune::ui
