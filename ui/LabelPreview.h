#pragma once
// The Label tab's large view of the current item: the image, filling the space (large images are
// decoded at that size, small ones scaled up), or the text in a big reader; under it a caption with
// the item's name, its class and the model's suggestion.

#include <QWidget>

class QLabel;
class QStackedWidget;
class QTextBrowser;

namespace attune::ui {

struct LabelItem;

class LabelPreview : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kMinWidth_px = 320;

  explicit LabelPreview(QWidget* parent = nullptr);

  // Images or texts (the reader).
  void setTexts(bool texts);
  // `className`: its label (empty: none); `suggested`: the model's class (empty: none) at
  // `confidence` (0-1).
  void show(const LabelItem& item, bool text, const QString& className, const QString& suggested,
            double confidence);
  void clear();

 private:
  void showImage(const QString& path);

  QStackedWidget* m_stack;
  QLabel* m_image;
  QTextBrowser* m_reader;
  QLabel* m_caption;
};

}  // namespace attune::ui
