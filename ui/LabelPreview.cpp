#include "ui/LabelPreview.h"
#include "core/data/ImageFile.h"

#include "ui/LabelItemsModel.h"

#include <QImageReader>
#include <QLabel>
#include <QStackedWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <cmath>

namespace attune::ui {
namespace {

constexpr int kReaderPointSize = 14;

}  // namespace

LabelPreview::LabelPreview(QWidget* parent)
    : QWidget(parent),
      m_stack(new QStackedWidget(this)),
      m_image(new QLabel(this)),
      m_reader(new QTextBrowser(this)),
      m_caption(new QLabel(this)) {
  m_image->setObjectName(QStringLiteral("labelImagePreview"));
  m_image->setAlignment(Qt::AlignCenter);
  m_image->setMinimumWidth(kMinWidth_px);
  m_image->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  m_reader->setObjectName(QStringLiteral("labelTextReader"));
  m_reader->setFocusPolicy(Qt::NoFocus);  // the keys stay with the labelling
  QFont readerFont = m_reader->font();
  readerFont.setPointSize(kReaderPointSize);
  m_reader->setFont(readerFont);
  m_stack->addWidget(m_image);
  m_stack->addWidget(m_reader);
  m_caption->setObjectName(QStringLiteral("labelCaption"));
  m_caption->setWordWrap(true);
  m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_stack, 1);
  layout->addWidget(m_caption);
}

void LabelPreview::setTexts(bool texts) {
  m_stack->setCurrentWidget(texts ? static_cast<QWidget*>(m_reader) : m_image);
}

void LabelPreview::clear() {
  m_image->clear();
  m_reader->clear();
  m_caption->clear();
}

void LabelPreview::show(const LabelItem& item, bool text, const QString& className, const QString& suggested,
                        double confidence) {
  QStringList caption;
  caption << (text ? tr("Line %1").arg(item.line) : item.key);
  caption << (className.isEmpty() ? tr("No label yet")
                                  : tr("Class: <b>%1</b>").arg(className.toHtmlEscaped()));
  if (!suggested.isEmpty())
    caption << tr("The model suggests <b>%1</b> (%2 %)")
                   .arg(suggested.toHtmlEscaped())
                   .arg(int(std::lround(100 * confidence)));
  m_caption->setText(caption.join(QStringLiteral(" · ")));
  if (text)
    m_reader->setPlainText(item.source);
  else
    showImage(item.source);
}

void LabelPreview::showImage(const QString& path) {
  // The image fills the preview: large ones are decoded at that size, small ones scaled up.
  ImageFile file(path);
  QImageReader& reader = file.reader();
  reader.setAutoTransform(true);
  const QSize area = m_image->size().expandedTo({kMinWidth_px, kMinWidth_px});
  const QSize full = reader.size();
  if (full.isValid() && (full.width() > area.width() || full.height() > area.height()))
    reader.setScaledSize(full.scaled(area, Qt::KeepAspectRatio));
  QImage image = reader.read();
  if (image.isNull()) {
    m_image->setText(tr("This image cannot be shown: %1").arg(file.errorString()));
    return;
  }
  if (image.width() < area.width() && image.height() < area.height())
    image = image.scaled(area, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  m_image->setPixmap(QPixmap::fromImage(image));
}

}  // namespace attune::ui
