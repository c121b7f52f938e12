#include "ui/ExportDialog.h"

#include "ui/FileDialogHook.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace attune::ui {
namespace {

ExportDialog::TestHandler& testHandler() {
  static ExportDialog::TestHandler handler;
  return handler;
}

QString titleOf(ModelExportFormat format) {
  switch (format) {
    case ModelExportFormat::Safetensors:
      return ExportDialog::tr("Attune folder (safetensors)");
    case ModelExportFormat::Onnx:
      return ExportDialog::tr("ONNX (Attune folder + model.onnx)");
    case ModelExportFormat::HuggingFace:
      return ExportDialog::tr("Hugging Face folder (Attune folder + Transformers files)");
  }
  return {};
}

QString objectNameOf(ModelExportFormat format) {
  return QStringLiteral("exportFormat_") + nameOf(format);
}

}  // namespace

ExportDialog::ExportDialog(const QString& architecture, const QString& startDirectory, QWidget* parent)
    : QDialog(parent) {
  setObjectName(QStringLiteral("exportDialog"));
  setWindowTitle(tr("Export the Model"));
  auto* layout = new QVBoxLayout(this);
  auto* intro = new QLabel(tr("Who will use the model? Every choice keeps the Attune folder, so Attune can still "
                              "open it and check the export against it."),
                           this);
  intro->setWordWrap(true);
  layout->addWidget(intro);
  for (auto format : {ModelExportFormat::Safetensors, ModelExportFormat::Onnx, ModelExportFormat::HuggingFace}) {
    auto* button = new QRadioButton(titleOf(format), this);
    button->setObjectName(objectNameOf(format));
    auto* audience = new QLabel(audienceOf(format), this);
    audience->setWordWrap(true);
    audience->setIndent(24);
    audience->setEnabled(formatFits(format, architecture));
    button->setEnabled(formatFits(format, architecture));
    if (!button->isEnabled())
      button->setToolTip(tr("Only BERT and DistilBERT models can be Hugging Face folders; this model is %1.")
                             .arg(architecture));
    layout->addWidget(button);
    layout->addWidget(audience);
    m_formats[format] = button;
  }
  m_formats[ModelExportFormat::Safetensors]->setChecked(true);

  auto* where = new QHBoxLayout;
  where->addWidget(new QLabel(tr("Save in:"), this));
  m_directory = new QLineEdit(QDir::toNativeSeparators(startDirectory), this);
  m_directory->setObjectName(QStringLiteral("exportDirectoryEdit"));
  m_directory->setToolTip(tr("A new folder named after the project, run and epoch is made inside this one."));
  where->addWidget(m_directory, 1);
  auto* choose = new QPushButton(tr("Choose…"), this);
  choose->setObjectName(QStringLiteral("exportChooseButton"));
  connect(choose, &QPushButton::clicked, this, &ExportDialog::chooseDirectory);
  where->addWidget(choose);
  layout->addLayout(where);

  m_check = new QCheckBox(tr("Afterwards, run the exported model on the validation examples and compare its "
                             "answers with this run's"),
                          this);
  m_check->setObjectName(QStringLiteral("exportCheckBox"));
  m_check->setChecked(true);
  layout->addWidget(m_check);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  auto* exportButton = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
  exportButton->setObjectName(QStringLiteral("exportAcceptButton"));
  exportButton->setDefault(true);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_directory, &QLineEdit::textChanged, this,
          [exportButton](const QString& text) { exportButton->setEnabled(!text.trimmed().isEmpty()); });
  layout->addWidget(buttons);
  setMinimumWidth(520);
}

ModelExportFormat ExportDialog::format() const {
  for (const auto& [format, button] : m_formats)
    if (button->isChecked()) return format;
  return ModelExportFormat::Safetensors;
}

void ExportDialog::setFormat(ModelExportFormat format) {
  if (isOffered(format)) m_formats.at(format)->setChecked(true);
}

bool ExportDialog::isOffered(ModelExportFormat format) const {
  return m_formats.at(format)->isEnabled();
}

QString ExportDialog::parentDirectory() const {
  return QDir::fromNativeSeparators(m_directory->text().trimmed());
}

void ExportDialog::setParentDirectory(const QString& directory) {
  m_directory->setText(QDir::toNativeSeparators(directory));
}

bool ExportDialog::checkAfterwards() const {
  return m_check->isChecked();
}

bool ExportDialog::ask() {
  if (testHandler()) {
    testHandler()(*this);
    return result() == QDialog::Accepted;
  }
  return exec() == QDialog::Accepted;
}

void ExportDialog::setTestHandler(TestHandler handler) {
  testHandler() = std::move(handler);
}

void ExportDialog::chooseDirectory() {
  const QString directory =
      FileDialogHook::existingDirectory(this, tr("Export the Model Into (a new folder is made inside)"), parentDirectory());
  if (!directory.isEmpty()) setParentDirectory(directory);
}

}  // namespace attune::ui
