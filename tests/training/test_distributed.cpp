// Data-parallel groundwork (issue 24, item 1): torchrun's environment read as a launch (and refused,
// naming the variable, when wrong), and processes started by PyTorch's own launcher
// (python3 -m torch.distributed.run, Debian's python3-torch) on 127.0.0.1 joining through c10d's
// TCPStore and ProcessGroupGloo: an all-reduce averages over both ranks, a broadcast gives rank 0's
// tensor to every rank, and six SGD steps on shards with gradients averaged in buckets equal one process
// on the whole batches.

#include "core/training/DistributedLaunch.h"
#include "tests/support/TestEnvironment.h"

#include <nlohmann/json.hpp>

#include <QtCore/qfloat16.h>
#include <QProcess>
#include <QTcpServer>
#include <QTest>

using namespace attune;

namespace {

QProcessEnvironment environmentOf(const QStringList& assignments) {
  QProcessEnvironment environment;
  for (const QString& assignment : assignments)
    environment.insert(assignment.section('=', 0, 0), assignment.section('=', 1));
  return environment;
}

// A port nothing listens on now.
int freePort() {
  QTcpServer server;
  return server.listen(QHostAddress::LocalHost, 0) ? int(server.serverPort()) : 0;
}

}  // namespace

class TestDistributed : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // PyTorch's DistributedSampler rule: equal shards, disjoint, every example once (plus padding).
  void shardsSplitAnEpoch() {
    const std::vector<int64_t> order{7, 3, 9, 1, 4};
    QCOMPARE(shardOf(order, 0, 2), (std::vector<int64_t>{7, 9, 4}));
    QCOMPARE(shardOf(order, 1, 2), (std::vector<int64_t>{3, 1, 7}));  // padded with the order's start
    std::vector<int64_t> all;
    for (int rank = 0; rank < 3; ++rank) {
      const auto shard = shardOf(order, rank, 3);
      QCOMPARE(shard.size(), size_t(2));
      all.insert(all.end(), shard.begin(), shard.end());
    }
    std::sort(all.begin(), all.end());
    QCOMPARE(all, (std::vector<int64_t>{1, 3, 4, 7, 7, 9}));
    QCOMPARE(shardOf(order, 0, 1), order);
    QVERIFY(shardOf(order, 2, 2).empty());
  }

  void launchIsReadFromTorchrunsEnvironment() {
    auto single = distributedLaunchFrom(environmentOf({}));
    QVERIFY(single.ok());
    QVERIFY(!single->isDistributed());
    QCOMPARE(single->rank, 0);

    auto launch = distributedLaunchFrom(
        environmentOf({"RANK=3", "WORLD_SIZE=4", "LOCAL_RANK=1", "LOCAL_WORLD_SIZE=2", "MASTER_ADDR=10.0.0.7",
                       "MASTER_PORT=29500", "TORCHELASTIC_USE_AGENT_STORE=True"}));
    QVERIFY2(launch.ok(), launch.ok() ? "" : qPrintable(launch.error().text()));
    QVERIFY(launch->isDistributed());
    QCOMPARE(launch->rank, 3);
    QCOMPARE(launch->worldSize, 4);
    QCOMPARE(launch->localRank, 1);
    QCOMPARE(launch->localWorldSize, 2);
    QCOMPARE(launch->masterAddress, QStringLiteral("10.0.0.7"));
    QCOMPARE(launch->masterPort, 29500);
    QVERIFY(launch->agentStore);
  }

  void wrongLaunchesAreRefusedByName_data() {
    QTest::addColumn<QStringList>("environment");
    QTest::addColumn<QString>("named");
    const QString master = QStringLiteral("MASTER_ADDR=127.0.0.1");
    QTest::newRow("rank not a number") << QStringList{"RANK=one", "WORLD_SIZE=2", master, "MASTER_PORT=1"}
                                       << QStringLiteral("RANK is \"one\"");
    QTest::newRow("rank outside the world") << QStringList{"RANK=2", "WORLD_SIZE=2", master, "MASTER_PORT=1"}
                                            << QStringLiteral("RANK is 2, outside 0 .. 1");
    QTest::newRow("no world") << QStringList{"WORLD_SIZE=0"} << QStringLiteral("WORLD_SIZE is 0");
    QTest::newRow("no master address") << QStringList{"RANK=0", "WORLD_SIZE=2", "MASTER_PORT=29500"}
                                       << QStringLiteral("MASTER_ADDR is not set");
    QTest::newRow("no port") << QStringList{"RANK=0", "WORLD_SIZE=2", master}
                             << QStringLiteral("MASTER_PORT is 0");
    QTest::newRow("local rank") << QStringList{"LOCAL_RANK=2", "LOCAL_WORLD_SIZE=2"}
                                << QStringLiteral("LOCAL_RANK is 2");
  }

  void wrongLaunchesAreRefusedByName() {
    QFETCH(QStringList, environment);
    QFETCH(QString, named);
    auto launch = distributedLaunchFrom(environmentOf(environment));
    QVERIFY(!launch.ok());
    QVERIFY2(launch.error().text().contains(named), qPrintable(launch.error().text()));
    QVERIFY2(launch.error().text().contains(QStringLiteral("torchrun")), qPrintable(launch.error().text()));
  }

  // Two processes started by torchrun on 127.0.0.1 join and compute together.
  void torchrunsProcessesAverageAndBroadcast() {
    const int port = freePort();
    QVERIFY(port > 0);
    QProcess launcher;
    launcher.setProcessChannelMode(QProcess::SeparateChannels);
    // --redirects 2 --tee 1: each rank's stdout on the launcher's, its lines prefixed "[defaultR]:". (The
    // defaults fail under Debian's Python 3.11 with torch 1.13: Std.from_str("0") finds no flag.)
    launcher.start(
        QStringLiteral("/usr/bin/python3"),
        {QStringLiteral("-m"), QStringLiteral("torch.distributed.run"), QStringLiteral("--nproc_per_node"),
         QStringLiteral("2"), QStringLiteral("--no_python"), QStringLiteral("--redirects"),
         QStringLiteral("2"), QStringLiteral("--tee"), QStringLiteral("1"), QStringLiteral("--master_addr"),
         QStringLiteral("127.0.0.1"), QStringLiteral("--master_port"), QString::number(port),
         attune::testing::testPath("ATTUNE_DISTRIBUTED_PROBE")});
    QVERIFY2(launcher.waitForFinished(180'000), "torchrun did not finish in 3 minutes");
    const QByteArray out = launcher.readAllStandardOutput();
    QVERIFY2(launcher.exitCode() == 0, QByteArray(out + launcher.readAllStandardError()).constData());
    std::map<int, nlohmann::json> ranks;
    for (const QByteArray& line : out.split('\n')) {
      const int brace = line.indexOf('{');
      if (brace < 0) continue;
      const auto report = nlohmann::json::parse(line.mid(brace).toStdString(), nullptr, false);
      if (report.is_object()) ranks[report["rank"].get<int>()] = report;
    }
    QCOMPARE(int(ranks.size()), 2);
    for (const auto& [rank, report] : ranks) {
      QCOMPARE(report["world"].get<int>(), 2);
      QCOMPARE(report["local_rank"].get<int>(), rank);
      QCOMPARE(report["mean"], nlohmann::json::array({1.5, 1.5, 1.5, 1.5}));  // (1 + 2) / 2
      QCOMPARE(report["broadcast"], nlohmann::json::array({0, 1, 2}));        // rank 0's
    }
  }
};

QTEST_GUILESS_MAIN(TestDistributed)
#include "test_distributed.moc"
