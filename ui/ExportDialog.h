#pragma once
// The export dialog: who will use the model (an Attune folder, ONNX, a Hugging Face folder for BERT and
// DistilBERT), each with one plain sentence; where the new folder goes; whether to check the exported
// model on the run's validation examples afterwards (the result shows when the export is done).

#include "core/export/ModelExport.h"

#include <QDialog>

#include <functional>
#include <map>

class QCheckBox;
class QLineEdit;
class QRadioButton;

namespace attune::ui {

class ExportDialog : public QDialog {
  Q_OBJECT

 public:
  // `architecture`: the run's model (the Hugging Face choice is offered for BERT and DistilBERT only).
  ExportDialog(const QString& architecture, const QString& startDirectory, QWidget* parent = nullptr);

  ModelExportFormat format() const;
  void setFormat(ModelExportFormat format);
  bool isOffered(ModelExportFormat format) const;
  // The folder the new export folder is made inside.
  QString parentDirectory() const;
  void setParentDirectory(const QString& directory);
  bool checkAfterwards() const;

  // exec(), or the test handler (which must accept() or reject() the dialog): true when accepted.
  bool ask();
  // For tests: answer every export dialog with `handler`; an empty handler shows real dialogs again.
  using TestHandler = std::function<void(ExportDialog&)>;
  static void setTestHandler(TestHandler handler);

 private:
  void chooseDirectory();

  std::map<ModelExportFormat, QRadioButton*> m_formats;
  QLineEdit* m_directory = nullptr;
  QCheckBox* m_check = nullptr;
};

}  // namespace attune::ui
