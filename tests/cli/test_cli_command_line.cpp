// The front every attune-cli command shares, without a process or a model: arguments that fit are
// parsed; an unknown option, a missing value, a wrong count of positional arguments or a missing
// required option is a usage error (exit status 2) with the parser's reason or the usage line on
// stderr; --help prints the usage, description and options on stdout (exit status 0); a project that
// does not exist is ProjectFile's one-line error (and an "error" event with --json). And the Ctrl-C
// guard: a SIGINT while it lives sets its flag and the process goes on, a second one ends the
// process, and once it is gone the handler from before is back.

#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/CommandSettings.h"
#include "app/cli/InterruptGuard.h"
#include "core/project/ProjectFile.h"
#include "core/project/SettingTable.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>

using namespace attune;
using namespace attune::cli;

namespace {

const QString kUsage = QStringLiteral("usage: attune-cli export PROJECT.attune --out DIR [--json]");
const QString kDescription = QStringLiteral("A run's model as a folder.");

// A command like export: one project, a required --out and --json.
CommandSpec exportSpec() {
  return {
      .name = QStringLiteral("export"),
      .usage = kUsage,
      .description = kDescription,
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune project.")}},
      .options = {{QStringLiteral("out"), QStringLiteral("The folder to create."), QStringLiteral("dir")},
                  {QStringLiteral("json"), QStringLiteral("One JSON object per line on stdout.")}},
      .requiredOptions = {QStringLiteral("out")},
  };
}

struct Printed {
  QByteArray out;
  QByteArray err;
};

// What `call` printed. The commands write to the C streams, so their file descriptors are pointed at
// files while it runs.
template <typename Call>
Printed capture(const QTemporaryDir& dir, Call&& call) {
  const QString outPath = dir.filePath(QStringLiteral("stdout"));
  const QString errPath = dir.filePath(QStringLiteral("stderr"));
  QFile outFile(outPath);
  QFile errFile(errPath);
  if (!outFile.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
      !errFile.open(QIODevice::WriteOnly | QIODevice::Truncate))
    qFatal("cannot create the capture files in %s", qPrintable(dir.path()));
  std::fflush(stdout);
  std::fflush(stderr);
  const int savedOut = dup(STDOUT_FILENO);
  const int savedErr = dup(STDERR_FILENO);
  dup2(outFile.handle(), STDOUT_FILENO);
  dup2(errFile.handle(), STDERR_FILENO);
  call();
  std::fflush(stdout);
  std::fflush(stderr);
  dup2(savedOut, STDOUT_FILENO);
  dup2(savedErr, STDERR_FILENO);
  close(savedOut);
  close(savedErr);
  outFile.close();
  errFile.close();
  QFile out(outPath);
  QFile err(errPath);
  if (!out.open(QIODevice::ReadOnly) || !err.open(QIODevice::ReadOnly))
    qFatal("cannot read the capture files in %s", qPrintable(dir.path()));
  return {out.readAll(), err.readAll()};
}

volatile std::sig_atomic_t g_customHandlerCalls = 0;

extern "C" void countingHandler(int) {
  g_customHandlerCalls = g_customHandlerCalls + 1;
}

using SignalHandler = void (*)(int);

SignalHandler currentInterruptHandler() {
  struct sigaction current {};
  sigaction(SIGINT, nullptr, &current);
  return current.sa_handler;
}

}  // namespace

class TestCliCommandLine : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  // Names read from files reach the terminal as text: an escape sequence in a tensor name or a class
  // cannot clear the screen or recolour what follows. Newlines and tabs (usage, tables) stay.
  void controlCharactersAreEscapedForTheTerminal() {
    QCOMPARE(terminalSafe(QStringLiteral("conv1\x1b[2J.weight")), QStringLiteral("conv1\\x1b[2J.weight"));
    QCOMPARE(terminalSafe(QStringLiteral("bell\x07 and del\x7f")), QStringLiteral("bell\\x07 and del\\x7f"));
    QCOMPARE(terminalSafe(QString(QChar(0x9b)) + QStringLiteral("31m")),
             QStringLiteral("\\x9b31m"));  // C1 CSI
    QCOMPARE(terminalSafe(QStringLiteral("a\tb\nc é 猫")), QStringLiteral("a\tb\nc é 猫"));
  }

  void argumentsThatFitAreParsed() {
    CommandLine command(exportSpec());
    bool parsed = false;
    const Printed printed = capture(m_dir, [&] {
      parsed = command.parse({QStringLiteral("p.attune"), QStringLiteral("--out"), QStringLiteral("dir"),
                              QStringLiteral("--json")});
    });
    QVERIFY(parsed);
    QCOMPARE(command.exitStatus(), int(kExitSuccess));
    QCOMPARE(command.positionals(), QStringList{QStringLiteral("p.attune")});
    QCOMPARE(command.value(QStringLiteral("out")), QStringLiteral("dir"));
    QVERIFY(command.asJson());
    QVERIFY(printed.out.isEmpty());
    QVERIFY(printed.err.isEmpty());
  }

  void badArgumentsAreAUsageError_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("reason");
    const QString p = QStringLiteral("p.attune");
    const QString out = QStringLiteral("--out");
    const QString dir = QStringLiteral("dir");
    QTest::newRow("unknown option") << QStringList{p, out, dir, QStringLiteral("--frobnicate")}
                                    << QStringLiteral("Unknown option 'frobnicate'.");
    // The parser's error comes first, as QCommandLineParser::process has it.
    QTest::newRow("unknown option and --help") << QStringList{QStringLiteral("--help"), QStringLiteral("-z")}
                                               << QStringLiteral("Unknown option 'z'.");
    QTest::newRow("missing value") << QStringList{p, out} << QStringLiteral("Missing value after '--out'.");
    QTest::newRow("no project") << QStringList{out, dir} << kUsage;
    QTest::newRow("two projects") << QStringList{p, p, out, dir} << kUsage;
    QTest::newRow("no --out") << QStringList{p} << kUsage;
  }
  void badArgumentsAreAUsageError() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, reason);
    CommandLine command(exportSpec());
    bool parsed = true;
    const Printed printed = capture(m_dir, [&] { parsed = command.parse(arguments); });
    QVERIFY(!parsed);
    QCOMPARE(command.exitStatus(), int(kExitUsage));
    QCOMPARE(QString::fromUtf8(printed.err), QStringLiteral("attune-cli: ") + reason + QLatin1Char('\n'));
    QVERIFY(printed.out.isEmpty());
  }

  void positionalCountsFollowTheSpec_data() {
    QTest::addColumn<int>("minimum");
    QTest::addColumn<int>("maximum");
    QTest::addColumn<int>("given");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("none of none") << 0 << 0 << 0 << true;
    QTest::newRow("one of none") << 0 << 0 << 1 << false;
    QTest::newRow("one of two or more") << 2 << int(CommandSpec::kNoLimit) << 1 << false;
    QTest::newRow("two of two or more") << 2 << int(CommandSpec::kNoLimit) << 2 << true;
    QTest::newRow("five of two or more") << 2 << int(CommandSpec::kNoLimit) << 5 << true;
  }
  void positionalCountsFollowTheSpec() {
    QFETCH(int, minimum);
    QFETCH(int, maximum);
    QFETCH(int, given);
    QFETCH(bool, accepted);
    CommandLine command({.name = QStringLiteral("predict"),
                         .usage = QStringLiteral("usage: attune-cli predict PROJECT INPUT..."),
                         .minPositionals = minimum,
                         .maxPositionals = maximum});
    QStringList arguments;
    for (int i = 0; i < given; ++i) arguments << QStringLiteral("input%1").arg(i);
    bool parsed = false;
    const Printed printed = capture(m_dir, [&] { parsed = command.parse(arguments); });
    QCOMPARE(parsed, accepted);
    QCOMPARE(command.exitStatus(), int(accepted ? kExitSuccess : kExitUsage));
    QCOMPARE(printed.err.isEmpty(), accepted);
    if (accepted) QCOMPARE(command.positionals(), arguments);
  }

  void helpPrintsTheUsageAndOptions_data() {
    QTest::addColumn<QStringList>("arguments");
    // Help needs none of the other arguments, not even the required ones.
    QTest::newRow("--help") << QStringList{QStringLiteral("--help")};
    QTest::newRow("-h") << QStringList{QStringLiteral("-h")};
    QTest::newRow("with a project") << QStringList{QStringLiteral("p.attune"), QStringLiteral("--help")};
  }
  void helpPrintsTheUsageAndOptions() {
    QFETCH(QStringList, arguments);
    CommandLine command(exportSpec());
    bool parsed = true;
    const Printed printed = capture(m_dir, [&] { parsed = command.parse(arguments); });
    QVERIFY(!parsed);
    QCOMPARE(command.exitStatus(), int(kExitSuccess));
    QVERIFY(printed.err.isEmpty());
    const QString help = QString::fromUtf8(printed.out);
    QVERIFY2(help.startsWith(kUsage + QStringLiteral("\n\n") + kDescription + QStringLiteral("\n\n")),
             qPrintable(help));
    QVERIFY2(help.contains(QRegularExpression(QStringLiteral("\n  project +The .attune project.\n"))),
             qPrintable(help));
    QVERIFY2(help.contains(QRegularExpression(QStringLiteral("\n  --out <dir> +The folder to create.\n"))),
             qPrintable(help));
    QVERIFY2(help.contains(QRegularExpression(QStringLiteral("\n  --json +One JSON object"))),
             qPrintable(help));
    QVERIFY2(help.contains(QRegularExpression(QStringLiteral("\n  -h, --help +Show this help.\n$"))),
             qPrintable(help));
  }

  void usageErrorGivesTheReasonThenTheUsage() {
    CommandLine command(exportSpec());
    int status = -1;
    Printed printed = capture(m_dir, [&] {
      status = command.usageError(QStringLiteral("--checkpoint takes best, last or an epoch number."));
    });
    QCOMPARE(status, int(kExitUsage));
    QCOMPARE(QString::fromUtf8(printed.err),
             QStringLiteral("attune-cli: --checkpoint takes best, last or an epoch number.\n") + kUsage +
                 QLatin1Char('\n'));
    printed = capture(m_dir, [&] { status = command.usageError(); });
    QCOMPARE(status, int(kExitUsage));
    QCOMPARE(QString::fromUtf8(printed.err), QStringLiteral("attune-cli: ") + kUsage + QLatin1Char('\n'));
    QVERIFY(printed.out.isEmpty());
  }

  void missingProjectIsAPlainError() {
    const QString path = m_dir.filePath(QStringLiteral("nowhere.attune"));
    const auto expected = ProjectFile::load(path);
    QVERIFY(!expected);
    CommandLine command(exportSpec());
    std::optional<Project> project;
    const Printed printed = capture(m_dir, [&] {
      if (command.parse({path, QStringLiteral("--out"), QStringLiteral("dir")}))
        project = command.loadProject();
    });
    QVERIFY(!project);
    // ProjectFile's own words, on one line, and nothing on stdout.
    QCOMPARE(QString::fromUtf8(printed.err),
             QStringLiteral("attune-cli: ") + expected.error().text() + QLatin1Char('\n'));
    QVERIFY2(printed.err.contains(path.toUtf8()), printed.err.constData());
    QVERIFY(printed.out.isEmpty());
  }

  void missingProjectWithJsonIsAlsoAnErrorEvent() {
    const QString path = m_dir.filePath(QStringLiteral("nowhere.attune"));
    CommandLine command(exportSpec());
    std::optional<Project> project;
    const Printed printed = capture(m_dir, [&] {
      if (command.parse({path, QStringLiteral("--out"), QStringLiteral("dir"), QStringLiteral("--json")}))
        project = command.loadProject();
    });
    QVERIFY(!project);
    const auto event = nlohmann::json::parse(printed.out.toStdString());
    QCOMPARE(event["event"].get<std::string>(), std::string("error"));
    QCOMPARE(QString::fromStdString(event["message"].get<std::string>()),
             ProjectFile::load(path).error().text());
    QCOMPARE(printed.err.count('\n'), 1);
  }

  // A command without --json: asking does not make QCommandLineParser warn about an unknown name.
  void asJsonIsFalseWithoutAJsonOption() {
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    CommandLine command({.name = QStringLiteral("models"),
                         .usage = QStringLiteral("usage: attune-cli models"),
                         .minPositionals = 0,
                         .maxPositionals = 0});
    QVERIFY(command.parse({}));
    QVERIFY(!command.asJson());
  }

  void interruptSetsTheFlagAndTheProcessGoesOn() {
    const InterruptGuard interrupt;
    QVERIFY(!interrupt.interrupted());
    QCOMPARE(std::raise(SIGINT), 0);
    QVERIFY(interrupt.interrupted());  // and this process is still here to check it
  }

  void aNewGuardStartsCleared() {
    {
      const InterruptGuard first;
      std::raise(SIGINT);
      QVERIFY(first.interrupted());
    }
    const InterruptGuard second;
    QVERIFY(!second.interrupted());
  }

  void previousHandlerIsBackAfterTheGuard() {
    struct sigaction custom {};
    custom.sa_handler = countingHandler;
    sigemptyset(&custom.sa_mask);
    struct sigaction testLibrary {};
    QCOMPARE(sigaction(SIGINT, &custom, &testLibrary), 0);
    g_customHandlerCalls = 0;
    bool flagSet = false;
    {
      const InterruptGuard interrupt;
      std::raise(SIGINT);
      flagSet = interrupt.interrupted();
    }
    const auto restored = currentInterruptHandler();
    std::raise(SIGINT);
    const int calls = g_customHandlerCalls;
    sigaction(SIGINT, &testLibrary, nullptr);
    QVERIFY(flagSet);
    QVERIFY(restored == countingHandler);
    QCOMPARE(calls, 1);  // only the Ctrl-C after the guard reached the handler from before
  }

  void secondInterruptEndsTheProcess() {
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      // Only async-signal-safe calls in the child of a process that may have other threads.
      const InterruptGuard interrupt;
      std::raise(SIGINT);
      if (!interrupt.interrupted()) _exit(3);
      std::raise(SIGINT);
      _exit(0);  // not reached when the second Ctrl-C ends the process
    }
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY2(WIFSIGNALED(status), qPrintable(QStringLiteral("exit status %1").arg(WEXITSTATUS(status))));
    QCOMPARE(WTERMSIG(status), SIGINT);
  }

  // attune-cli settings: one entry per setting of core's table, with its help and default.
  void settingsListNamesEverySetting() {
    int status = -1;
    const Printed printed = capture(m_dir, [&] { status = commandSettings({}); });
    QCOMPARE(status, int(kExitSuccess));
    const QString text = QString::fromUtf8(printed.out);
    for (const SettingInfo& info : settingInfos()) {
      const QString entry = QStringLiteral("\n%1: ").arg(info.key);
      QVERIFY2(text.contains(entry) || text.startsWith(entry.mid(1)), qPrintable(info.key));
      const qsizetype start = text.startsWith(entry.mid(1)) ? 0 : text.indexOf(entry) + 1;
      const QString line = text.mid(start, text.indexOf(QLatin1Char('\n'), start) - start);
      if (info.type != SettingType::YesNo && info.type != SettingType::Text &&
          info.type != SettingType::Choice)
        QVERIFY2(line.contains(info.range.describe()), qPrintable(line));
      if (info.type == SettingType::Choice) QVERIFY2(line.contains(settingTypeName(info)), qPrintable(line));
      const QString shownDefault = formatSettingValue(info, settingDefault(info));
      QVERIFY2(text.contains(QStringLiteral("default %1\n    %2\n")
                                 .arg(shownDefault.isEmpty() ? QStringLiteral("\"\" (empty)") : shownDefault,
                                      info.help)),
               qPrintable(info.key));
    }
  }

  void settingsListAsJsonHasOneObjectPerSetting() {
    int status = -1;
    const Printed printed = capture(m_dir, [&] { status = commandSettings({QStringLiteral("--json")}); });
    QCOMPARE(status, int(kExitSuccess));
    const QList<QByteArray> lines = printed.out.trimmed().split('\n');
    QCOMPARE(lines.size(), qsizetype(settingInfos().size()));
    for (qsizetype i = 0; i < lines.size(); ++i) {
      const SettingInfo& info = settingInfos()[size_t(i)];
      const auto object = nlohmann::json::parse(lines[i].toStdString());
      QCOMPARE(QString::fromStdString(object.at("key").get<std::string>()), info.key);
      QCOMPARE(QString::fromStdString(object.at("help").get<std::string>()), info.help);
      QVERIFY(object.at("default") == settingValueToJson(info, settingDefault(info)));
      if (info.type == SettingType::Integer || info.type == SettingType::Number)
        QCOMPARE(object.at("max").get<double>(), info.range.max);
    }
  }

  void settingsListRefusesAnUnknownKey() {
    int status = -1;
    const Printed printed =
        capture(m_dir, [&] { status = commandSettings({QStringLiteral("optim.learning_rate")}); });
    QCOMPARE(status, int(kExitUsage));
    QVERIFY(QString::fromUtf8(printed.err).contains(QStringLiteral("optim.learning_rate")));
    const Printed one = capture(m_dir, [&] { status = commandSettings({QStringLiteral("epochs")}); });
    QCOMPARE(status, int(kExitSuccess));
    QVERIFY(QString::fromUtf8(one.out).startsWith(QStringLiteral("epochs: ")));
    QCOMPARE(one.out.count('\n'), 2);
  }
};

QTEST_GUILESS_MAIN(TestCliCommandLine)
#include "test_cli_command_line.moc"
