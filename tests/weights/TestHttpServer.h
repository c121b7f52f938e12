#pragma once
// A small HTTP/1.1 server for the Downloader tests, on 127.0.0.1 with a free port. Each route serves
// a body with one behaviour (whole, cut short, dropped, redirected, slow, ignoring Range); it records
// every connection and request so that tests can assert what the client asked for. One response per
// connection ("Connection: close"), which keeps the bookkeeping exact.

#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <memory>

namespace attune::test {

enum class Behaviour {
  Serve,        // 200, or 206 for "Range: bytes=N-" (416 when N is past the end)
  CutShort,     // headers announce the whole body; `cut_bytes` of it are sent, then a clean close
  Drop,         // like CutShort, but the connection is reset (abort) a moment later
  IgnoreRange,  // always 200 with the whole body, whatever Range says
  Slow,         // the body in `chunk_bytes` pieces every `interval_ms`
  Redirect,     // 302 to `location`
};

struct Route {
  // Positional, in the order of the members (a constructor, so that leaving the later ones out is not
  // a missing-initializer warning).
  Route() = default;
  Route(QByteArray body_, Behaviour behaviour_ = Behaviour::Serve, int failingRequests = 1,
        qint64 cutBytes = 0, QByteArray location_ = {}, int chunkBytes = 4096, int intervalMs = 5,
        QList<QByteArray> headers_ = {})
      : body(std::move(body_)),
        behaviour(behaviour_),
        failing_requests(failingRequests),
        cut_bytes(cutBytes),
        location(std::move(location_)),
        chunk_bytes(chunkBytes),
        interval_ms(intervalMs),
        headers(std::move(headers_)) {}

  QByteArray body;
  Behaviour behaviour = Behaviour::Serve;
  int failing_requests = 1;  // CutShort / Drop: this many requests fail, later ones are served whole
  qint64 cut_bytes = 0;
  QByteArray location;
  int chunk_bytes = 4096;
  int interval_ms = 5;
  QList<QByteArray> headers;  // sent with the response as they are ("ETag: \"...\"")
};

struct SeenRequest {
  QByteArray path;
  QByteArray range;  // the Range header, empty when none
};

class TestHttpServer {
 public:
  TestHttpServer() {
    m_server.listen(QHostAddress::LocalHost, 0);
    QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
      while (QTcpSocket* socket = m_server.nextPendingConnection()) accept(socket);
    });
  }

  bool isListening() const { return m_server.isListening(); }
  QUrl url(const QString& path) const {
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path));
  }
  void addRoute(const QByteArray& path, const Route& route) { m_routes.insert(path, route); }
  int connectionCount() const { return m_connections; }
  const QList<SeenRequest>& requests() const { return m_requests; }

 private:
  void accept(QTcpSocket* socket) {
    ++m_connections;
    auto buffer = std::make_shared<QByteArray>();
    QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
      buffer->append(socket->readAll());
      const qsizetype end = buffer->indexOf("\r\n\r\n");
      if (end < 0) return;
      const QList<QByteArray> lines = buffer->left(end).split('\n');
      buffer->clear();
      SeenRequest request;
      request.path = lines.value(0).split(' ').value(1);
      for (const QByteArray& line : lines.mid(1)) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().toLower() == "range")
          request.range = line.mid(colon + 1).trimmed();
      }
      m_requests.append(request);
      respond(socket, request);
    });
  }

  static QByteArray head(const QByteArray& status, const QList<QByteArray>& headers) {
    QByteArray out = "HTTP/1.1 " + status + "\r\n";
    for (const QByteArray& header : headers) out += header + "\r\n";
    return out + "Connection: close\r\n\r\n";
  }

  void respond(QTcpSocket* socket, const SeenRequest& request) {
    if (!m_routes.contains(request.path)) {
      const QByteArray page = "<html><body>Not Found</body></html>";
      socket->write(head("404 Not Found", {"Content-Length: " + QByteArray::number(page.size())}) + page);
      socket->disconnectFromHost();
      return;
    }
    Route& route = m_routes[request.path];
    if (route.behaviour == Behaviour::Redirect) {
      socket->write(head("302 Found", QList<QByteArray>{"Location: " + route.location, "Content-Length: 0"} +
                                          route.headers));
      socket->disconnectFromHost();
      return;
    }
    const qint64 size = route.body.size();
    qint64 first = 0;
    QByteArray status = "200 OK";
    QList<QByteArray> headers;
    if (request.range.startsWith("bytes=") && route.behaviour != Behaviour::IgnoreRange) {
      first = request.range.mid(6, request.range.indexOf('-') - 6).toLongLong();
      if (first >= size) {
        socket->write(head("416 Range Not Satisfiable",
                           {"Content-Range: bytes */" + QByteArray::number(size), "Content-Length: 0"}));
        socket->disconnectFromHost();
        return;
      }
      status = "206 Partial Content";
      headers.append("Content-Range: bytes " + QByteArray::number(first) + "-" +
                     QByteArray::number(size - 1) + "/" + QByteArray::number(size));
    }
    const QByteArray slice = route.body.mid(first);
    headers.append("Content-Length: " + QByteArray::number(slice.size()));
    headers.append("Content-Type: application/octet-stream");
    headers += route.headers;
    socket->write(head(status, headers));

    const bool failing = (route.behaviour == Behaviour::CutShort || route.behaviour == Behaviour::Drop) &&
                         route.failing_requests > 0;
    if (failing) {
      --route.failing_requests;
      socket->write(slice.left(route.cut_bytes));
      if (route.behaviour == Behaviour::CutShort) {
        socket->disconnectFromHost();
      } else {
        socket->flush();
        QTimer::singleShot(50, socket, [socket] { socket->abort(); });
      }
      return;
    }
    if (route.behaviour == Behaviour::Slow) {
      auto sent = std::make_shared<qint64>(0);
      auto* timer = new QTimer(socket);
      QObject::connect(timer, &QTimer::timeout, socket,
                       [socket, timer, slice, sent, chunk = route.chunk_bytes] {
                         if (socket->state() != QAbstractSocket::ConnectedState) return timer->stop();
                         socket->write(slice.mid(*sent, chunk));
                         *sent += chunk;
                         if (*sent >= slice.size()) {
                           timer->stop();
                           socket->disconnectFromHost();
                         }
                       });
      timer->start(route.interval_ms);
      return;
    }
    socket->write(slice);
    socket->disconnectFromHost();
  }

  QTcpServer m_server;
  QMap<QByteArray, Route> m_routes;
  QList<SeenRequest> m_requests;
  int m_connections = 0;
};

}  // namespace attune::test
