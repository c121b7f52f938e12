#pragma once
// A plain HTTP server on 127.0.0.1 for tests that run attune-cli or widgets against "the internet":
// Python's http.server (Debian's /usr/bin/python3) serving one folder, with its request log readable.

#include <QProcess>
#include <QRegularExpression>
#include <QString>

namespace attune::testing {

class PythonHttpServer {
 public:
  ~PythonHttpServer() {
    m_process.kill();
    m_process.waitForFinished();
  }

  // Serves `folder` on a free port; false (with log() saying why) if it did not come up in 10 s.
  bool start(const QString& python, const QString& folder) {
    m_process.setWorkingDirectory(folder);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(python, {QStringLiteral("-u"), QStringLiteral("-m"), QStringLiteral("http.server"),
                             QStringLiteral("0"), QStringLiteral("--bind"), QStringLiteral("127.0.0.1")});
    if (!m_process.waitForStarted()) return false;
    // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
    const QRegularExpression portLine(QStringLiteral("port (\\d+)"));
    for (int i = 0; i < 100 && m_port == 0; ++i) {
      m_process.waitForReadyRead(100);
      m_log += m_process.readAll();
      if (const auto match = portLine.match(QString::fromUtf8(m_log)); match.hasMatch())
        m_port = match.captured(1).toInt();
    }
    return m_port > 0;
  }

  int port() const { return m_port; }
  QString url(const QString& path) const {
    return QStringLiteral("http://127.0.0.1:%1/%2").arg(m_port).arg(path);
  }

  // Everything the server printed so far, including one line per request ("GET /file HTTP/1.1").
  QByteArray log() {
    while (m_process.waitForReadyRead(300)) m_log += m_process.readAll();
    m_log += m_process.readAll();
    return m_log;
  }

 private:
  QProcess m_process;
  QByteArray m_log;
  int m_port = 0;
};

}  // namespace attune::testing
