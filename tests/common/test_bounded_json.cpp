// core/common/BoundedJson.h: JSON parsed in one pass, refused past a nesting bound, duplicate keys
// caught on request, and the same values as nlohmann::json::parse builds.

#include "core/common/BoundedJson.h"

#include <QTest>

#include <string>

using namespace attune;

namespace {

BoundedJson parse(const std::string& text, int maxDepth, DuplicateKeys duplicates = DuplicateKeys::LastWins) {
  return parseBoundedJson(text.data(), text.data() + text.size(), maxDepth, duplicates);
}

std::string nested(int depth) {
  return std::string(size_t(depth), '[') + std::string(size_t(depth), ']');
}

}  // namespace

class TestBoundedJson : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void sameValuesAsNlohmann() {
    const std::string text =
        "{\"b\": [1, -2, 3.5, 1e3, 18446744073709551615, true, null, \"x\\u00e9\\\"y\"], \"a\": {\"k\": {}, "
        "\"l\": []},"
        " \"b2\": {\"z\": 1, \"y\": [[2]]}, \"a\": 7}";
    const BoundedJson parsed = parse(text, 4);
    QCOMPARE(int(parsed.failure), int(BoundedJson::Failure::None));
    QVERIFY(parsed.value == nlohmann::json::parse(text));  // the last "a" wins, as there
    QCOMPARE(parsed.value["a"].get<int>(), 7);
  }

  void depthIsBounded() {
    QCOMPARE(int(parse(nested(5), 5).failure), int(BoundedJson::Failure::None));
    QCOMPARE(int(parse(nested(6), 5).failure), int(BoundedJson::Failure::TooDeep));
    QCOMPARE(int(parse("{\"a\": {\"b\": {\"c\": 1}}}", 3).failure), int(BoundedJson::Failure::None));
    QCOMPARE(int(parse("{\"a\": {\"b\": {\"c\": []}}}", 3).failure), int(BoundedJson::Failure::TooDeep));
    QCOMPARE(int(parse("42", 0).failure), int(BoundedJson::Failure::None));
    // A hostile megabyte of '[' stops at the bound (it would otherwise become a million nested arrays).
    QCOMPARE(int(parse(std::string(1 << 20, '['), 64).failure), int(BoundedJson::Failure::TooDeep));
  }

  void notJson() {
    for (const char* text : {"", "{", "[1,]", "{\"a\" 1}", "[1] x", "nul", "1e999", "\"\\ud800\""}) {
      const BoundedJson parsed = parse(text, 8);
      QVERIFY2(parsed.failure == BoundedJson::Failure::NotJson, text);
      QVERIFY(parsed.value.is_discarded());
    }
  }

  void duplicateKeysOnRequest() {
    const std::string text = "{\"t\": {\"x\": 1, \"x\": 2}, \"u\": 3}";
    const BoundedJson refused = parse(text, 4, DuplicateKeys::Refuse);
    QCOMPARE(int(refused.failure), int(BoundedJson::Failure::DuplicateKey));
    QCOMPARE(refused.duplicateKey, std::string("x"));
    QCOMPARE(int(parse(text, 4).failure), int(BoundedJson::Failure::None));
    // The same key in two objects is no duplicate.
    QCOMPARE(int(parse("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}", 4, DuplicateKeys::Refuse).failure),
             int(BoundedJson::Failure::None));
    // Damaged text is reported as such even when it repeats a key first.
    QCOMPARE(int(parse("{\"x\": 1, \"x\": 2,", 4, DuplicateKeys::Refuse).failure),
             int(BoundedJson::Failure::NotJson));
  }

  // 200,000 keys in one object and 200,000 values in one array: each read once (the callback parser
  // this replaces rescanned the object after each entry and took minutes for such a size).
  void largeContainers() {
    std::string object = "{";
    std::string array = "[";
    for (int i = 0; i < 200'000; ++i) {
      object += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":{\"v\":[" + std::to_string(i) + "]}";
      array += (i ? "," : "") + std::to_string(i);
    }
    object += "}";
    array += "]";
    const BoundedJson parsedObject = parse(object, 3, DuplicateKeys::Refuse);
    QCOMPARE(int(parsedObject.failure), int(BoundedJson::Failure::None));
    QCOMPARE(parsedObject.value.size(), size_t(200'000));
    QCOMPARE(parsedObject.value["k199999"]["v"][0].get<int>(), 199'999);
    const BoundedJson parsedArray = parse(array, 1);
    QCOMPARE(parsedArray.value.size(), size_t(200'000));
  }
};

QTEST_GUILESS_MAIN(TestBoundedJson)
#include "test_bounded_json.moc"
