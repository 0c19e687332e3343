// Tests of DataType: the predicates, the TVMScript spelling and parsing it back.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "loom/ir/dtype.h"
#include "loom/ir/printer.h"

namespace loom::ir {
namespace {

TEST(DataType, FactoriesSetCodeBitsLanes) {
  DataType f = DataType::Float(32, 8);
  EXPECT_EQ(f.code(), DataType::Code::Float);
  EXPECT_EQ(f.bits(), 32);
  EXPECT_EQ(f.lanes(), 8);
  EXPECT_EQ(f.bytes(), 4);
  EXPECT_TRUE(f.is_vector());
  EXPECT_FALSE(f.is_scalar());
  EXPECT_EQ(f.element_of(), DataType::Float(32));
  EXPECT_EQ(DataType::Int(8).with_lanes(4), DataType::Int(8, 4));

  EXPECT_EQ(DataType::Bool().bits(), 1);
  EXPECT_EQ(DataType::Bool().bytes(), 1);  // a bool takes one byte in memory
  EXPECT_EQ(DataType::Handle().bits(), 64);
  EXPECT_EQ(DataType(), DataType::Void());
}

TEST(DataType, Predicates) {
  EXPECT_TRUE(DataType::Int(32).is_int());
  EXPECT_TRUE(DataType::Int(32).is_integer());
  EXPECT_FALSE(DataType::Int(32).is_uint());
  EXPECT_TRUE(DataType::UInt(8).is_uint());
  EXPECT_TRUE(DataType::UInt(8).is_integer());
  EXPECT_FALSE(DataType::Bool().is_integer());
  EXPECT_TRUE(DataType::Bool().is_bool());
  EXPECT_TRUE(DataType::Float(16).is_float16());
  EXPECT_TRUE(DataType::Float(16).is_float());
  EXPECT_FALSE(DataType::Float(16).is_bfloat16());
  EXPECT_TRUE(DataType::BFloat16().is_bfloat16());
  EXPECT_TRUE(DataType::BFloat16().is_float());
  EXPECT_FALSE(DataType::BFloat16().is_float16());
  EXPECT_TRUE(DataType::Handle().is_handle());
  EXPECT_TRUE(DataType::Void().is_void());
  EXPECT_NE(DataType::Int(32), DataType::UInt(32));
  EXPECT_NE(DataType::Float(32), DataType::Float(32, 4));
}

TEST(DataType, ToString) {
  EXPECT_EQ(DataType::Int(8).to_string(), "int8");
  EXPECT_EQ(DataType::Int(64).to_string(), "int64");
  EXPECT_EQ(DataType::UInt(16).to_string(), "uint16");
  EXPECT_EQ(DataType::Float(16).to_string(), "float16");
  EXPECT_EQ(DataType::Float(64).to_string(), "float64");
  EXPECT_EQ(DataType::BFloat16().to_string(), "bfloat16");
  EXPECT_EQ(DataType::Bool().to_string(), "bool");
  EXPECT_EQ(DataType::Bool(4).to_string(), "boolx4");
  EXPECT_EQ(DataType::Float(32, 8).to_string(), "float32x8");
  EXPECT_EQ(DataType::Handle().to_string(), "handle");
  EXPECT_EQ(DataType::Void().to_string(), "void");
  std::ostringstream os;
  os << DataType::Int(16, 2);
  EXPECT_EQ(os.str(), "int16x2");
}

TEST(DataType, ParsePrintRoundTrip) {
  std::vector<DataType> all = {DataType::Bool(),          DataType::Int(8),       DataType::Int(16),
                               DataType::Int(32),         DataType::Int(64),      DataType::UInt(8),
                               DataType::UInt(16),        DataType::UInt(32),     DataType::UInt(64),
                               DataType::Float(16),       DataType::Float(32),    DataType::Float(64),
                               DataType::BFloat16(),      DataType::Float(32, 4), DataType::Int(32, 16),
                               DataType::Bool(8),         DataType::UInt(8, 64),  DataType::BFloat16(2),
                               DataType::Float(16, 1024), DataType::Handle(),     DataType::Void()};
  for (DataType t : all) {
    std::string text = t.to_string();
    std::optional<DataType> back = DataType::parse(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, t) << text;
    EXPECT_EQ(back->to_string(), text);
  }
}

TEST(DataType, ParseKnownSpellings) {
  EXPECT_EQ(DataType::parse("float32"), DataType::Float(32));
  EXPECT_EQ(DataType::parse("int64"), DataType::Int(64));
  EXPECT_EQ(DataType::parse("uint8"), DataType::UInt(8));
  EXPECT_EQ(DataType::parse("bfloat16"), DataType::BFloat16());
  EXPECT_EQ(DataType::parse("float16x8"), DataType::Float(16, 8));
  EXPECT_EQ(DataType::parse("boolx2"), DataType::Bool(2));
}

TEST(DataType, ParseRejectsNonTypes) {
  const char* bad[] = {"float33",   "int7",       "x4",    "",         "float",    "int",      "uint",
                       "int0",      "int128",     "uint1", "float8",   "bfloat32", "float32x", "float32x0",
                       "int32x-1",  "int32x1025", "Int32", "float32 ", " int32",   "bool8",    "handlex4",
                       "int32x4x2", "double",     "half",  "i32",      "int-32"};
  for (const char* text : bad) {
    EXPECT_FALSE(DataType::parse(text).has_value()) << "'" << text << "' parsed as a dtype";
  }
}

}  // namespace
}  // namespace loom::ir
