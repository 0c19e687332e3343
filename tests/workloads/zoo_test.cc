// The zoo registry: the list of workloads and their parameters, the default-shape
// functions (buffer shapes, blocks and their iteration types, well-formedness), parameter
// overrides, structural equality of rebuilt workloads and the errors for bad requests.
#include "loom/workloads/zoo.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "block_helpers.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/verify.h"

namespace loom::workloads {
namespace {

using testing::const_shape;
using ::testing::HasSubstr;
using testing::iter_types;
using testing::stage_blocks;
using Shape = std::vector<int64_t>;

const std::vector<std::string> kAllNames = {"gmm", "bmm", "c1d", "c2d", "c3d", "dep", "dil",
                                            "grp", "t2d", "cbr", "tbg", "nrm", "sfm", "gmm_bias_relu"};

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no UserError thrown>";
}

TEST(Zoo, ListsEveryWorkloadOnceInOrder) {
  std::vector<std::string> names;
  for (const WorkloadInfo& info : workloads()) names.push_back(info.name);
  EXPECT_EQ(names, kAllNames);
}

TEST(Zoo, EveryEntryIsDocumented) {
  for (const WorkloadInfo& info : workloads()) {
    EXPECT_GT(info.description.size(), 20u) << info.name;
    EXPECT_FALSE(info.params.empty()) << info.name;
    std::set<std::string> seen;
    for (const WorkloadParam& p : info.params) {
      EXPECT_TRUE(seen.insert(p.name).second) << info.name << " repeats parameter " << p.name;
      EXPECT_FALSE(p.doc.empty()) << info.name << "." << p.name;
      EXPECT_GE(p.default_value, p.min_value) << info.name << "." << p.name;
    }
  }
}

TEST(Zoo, ConvolutionDescriptionsNameTheirLayout) {
  for (std::string name : {"c1d", "c2d", "c3d", "dep", "dil", "grp", "t2d", "cbr"}) {
    const std::string& d = workload_info(name).description;
    EXPECT_TRUE(d.find("NWC") != std::string::npos || d.find("NHWC") != std::string::npos ||
                d.find("NDHWC") != std::string::npos)
        << name << ": " << d;
    EXPECT_TRUE(d.find("IO)") != std::string::npos || d.find("HWOI") != std::string::npos) << name << ": " << d;
  }
}

int64_t default_of(const std::string& workload, const std::string& param) {
  for (const WorkloadParam& p : workload_info(workload).params) {
    if (p.name == param) return p.default_value;
  }
  ADD_FAILURE() << workload << " has no parameter " << param;
  return -1;
}

TEST(Zoo, DefaultsAreTheIssueShapes) {
  EXPECT_EQ(default_of("gmm", "M"), 1024);
  EXPECT_EQ(default_of("gmm", "K"), 1024);
  EXPECT_EQ(default_of("bmm", "B"), 16);
  EXPECT_EQ(default_of("bmm", "K"), 128);
  EXPECT_EQ(default_of("c1d", "L"), 256);
  EXPECT_EQ(default_of("c1d", "stride"), 2);
  EXPECT_EQ(default_of("c2d", "H"), 224);
  EXPECT_EQ(default_of("c2d", "K"), 7);
  EXPECT_EQ(default_of("c2d", "padding"), 3);
  EXPECT_EQ(default_of("c3d", "D"), 16);
  EXPECT_EQ(default_of("dep", "C"), 32);
  EXPECT_EQ(default_of("dil", "dilation"), 2);
  EXPECT_EQ(default_of("c2d", "dilation"), 1);
  EXPECT_EQ(default_of("grp", "groups"), 4);
  EXPECT_EQ(default_of("t2d", "CI"), 512);
  EXPECT_EQ(default_of("tbg", "H"), 12);
  EXPECT_EQ(default_of("nrm", "M"), 256);
  EXPECT_EQ(default_of("sfm", "N"), 256);
}

struct Expected {
  std::string name;
  std::vector<std::pair<std::string, Shape>> params;        // buffer name and shape, in order
  std::vector<std::pair<std::string, std::string>> blocks;  // block name and iter types
};

const std::vector<Expected>& expected_defaults() {
  static const std::vector<Expected> table = {
      {"gmm", {{"A", {1024, 1024}}, {"B", {1024, 1024}}, {"C", {1024, 1024}}}, {{"C", "SSR"}}},
      {"bmm", {{"A", {16, 128, 128}}, {"B", {16, 128, 128}}, {"C", {16, 128, 128}}}, {{"C", "SSSR"}}},
      {"c1d",
       {{"data", {1, 256, 64}}, {"weight", {3, 64, 128}}, {"conv1d_nwc", {1, 128, 128}}},
       {{"pad_temp", "SSS"}, {"conv1d_nwc", "SSSRR"}}},
      {"c2d",
       {{"data", {1, 224, 224, 3}}, {"weight", {7, 7, 3, 64}}, {"conv2d_nhwc", {1, 112, 112, 64}}},
       {{"pad_temp", "SSSS"}, {"conv2d_nhwc", "SSSSRRR"}}},
      {"c3d",
       {{"data", {1, 16, 224, 224, 3}}, {"weight", {7, 7, 7, 3, 64}}, {"conv3d_ndhwc", {1, 8, 112, 112, 64}}},
       {{"pad_temp", "SSSSS"}, {"conv3d_ndhwc", "SSSSSRRRR"}}},
      {"dep",
       {{"data", {1, 112, 112, 32}}, {"weight", {3, 3, 32, 1}}, {"depthwise_conv2d_nhwc", {1, 112, 112, 32}}},
       {{"pad_temp", "SSSS"}, {"depthwise_conv2d_nhwc", "SSSSRR"}}},
      {"dil",
       {{"data", {1, 224, 224, 3}}, {"weight", {7, 7, 3, 64}}, {"conv2d_nhwc", {1, 109, 109, 64}}},
       {{"pad_temp", "SSSS"}, {"conv2d_nhwc", "SSSSRRR"}}},
      {"grp",
       {{"data", {1, 56, 56, 64}}, {"weight", {3, 3, 16, 128}}, {"group_conv2d_nhwc", {1, 28, 28, 128}}},
       {{"pad_temp", "SSSS"}, {"group_conv2d_nhwc", "SSSSRRR"}}},
      {"t2d",
       {{"data", {1, 4, 4, 512}}, {"weight", {4, 4, 512, 256}}, {"conv2d_transpose_nhwc", {1, 8, 8, 256}}},
       {{"data_dilate_pad", "SSSS"}, {"conv2d_transpose_nhwc", "SSSSRRR"}}},
      {"cbr",
       {{"data", {1, 224, 224, 3}},
        {"weight", {7, 7, 3, 64}},
        {"bias", {64}},
        {"bn_scale", {64}},
        {"bn_offset", {64}},
        {"relu", {1, 112, 112, 64}}},
       {{"pad_temp", "SSSS"},
        {"conv2d_nhwc", "SSSSRRR"},
        {"bias_add", "SSSS"},
        {"bn_mul", "SSSS"},
        {"bn_add", "SSSS"},
        {"relu", "SSSS"}}},
      {"tbg",
       {{"query", {1, 128, 12, 64}}, {"key", {1, 128, 12, 64}}, {"C", {1, 12, 128, 128}}},
       {{"query_T", "SSSS"}, {"key_T", "SSSS"}, {"C", "SSSSR"}}},
      {"nrm", {{"A", {1, 256, 256}}, {"D", {1}}}, {{"C", "SRR"}, {"D", "S"}}},
      {"sfm",
       {{"A", {256, 256}}, {"T_softmax_norm", {256, 256}}},
       {{"T_softmax_maxelem", "SR"}, {"T_softmax_exp", "SS"}, {"T_softmax_expsum", "SR"}, {"T_softmax_norm", "SS"}}},
      {"gmm_bias_relu",
       {{"A", {1024, 1024}}, {"B", {1024, 1024}}, {"bias", {1024}}, {"relu", {1024, 1024}}},
       {{"matmul", "SSR"}, {"bias_add", "SS"}, {"relu", "SS"}}},
  };
  return table;
}

TEST(Zoo, ExpectationTableCoversEveryWorkload) {
  std::vector<std::string> names;
  for (const Expected& e : expected_defaults()) names.push_back(e.name);
  EXPECT_EQ(names, kAllNames);
}

TEST(Zoo, DefaultFunctionsHaveTheDocumentedBuffersAndBlocks) {
  for (const Expected& e : expected_defaults()) {
    SCOPED_TRACE(e.name);
    ir::PrimFunc func = make_workload(e.name);
    EXPECT_EQ(func->name, e.name);
    std::vector<ir::Buffer> buffers = func->param_buffers();
    ASSERT_EQ(buffers.size(), e.params.size());
    for (size_t i = 0; i < buffers.size(); ++i) {
      EXPECT_EQ(buffers[i]->name, e.params[i].first);
      EXPECT_EQ(const_shape(buffers[i]), e.params[i].second) << buffers[i]->name;
      EXPECT_EQ(buffers[i]->dtype, ir::DataType::Float(32)) << buffers[i]->name;
    }
    std::vector<const ir::BlockNode*> blocks = stage_blocks(func);
    ASSERT_EQ(blocks.size(), e.blocks.size());
    for (size_t i = 0; i < blocks.size(); ++i) {
      EXPECT_EQ(blocks[i]->name, e.blocks[i].first);
      EXPECT_EQ(iter_types(blocks[i]), e.blocks[i].second) << blocks[i]->name;
      // Reductions, and only reductions, have an init.
      bool reduces = e.blocks[i].second.find('R') != std::string::npos;
      EXPECT_EQ(blocks[i]->init.defined(), reduces) << blocks[i]->name;
      EXPECT_EQ(blocks[i]->writes.size(), 1u) << blocks[i]->name;
      EXPECT_FALSE(blocks[i]->reads.empty()) << blocks[i]->name;
    }
    // Every stage that is not a parameter is allocated by the root block.
    size_t intermediates = testing::root_block(func)->alloc_buffers.size();
    EXPECT_EQ(intermediates, e.blocks.size() - 1) << "one output, the rest intermediate";
    EXPECT_THAT(ir::verify_well_formed(func), ::testing::IsEmpty());
  }
}

TEST(Zoo, NamesAreCaseInsensitive) {
  ir::PrimFunc a = make_workload("GMM", {{"M", 8}, {"N", 8}, {"K", 8}});
  ir::PrimFunc b = make_workload("gmm", {{"M", 8}, {"N", 8}, {"K", 8}});
  EXPECT_TRUE(ir::structural_equal(a, b));
  EXPECT_EQ(workload_info("Sfm").name, "sfm");
}

TEST(Zoo, OverridesChangeShapes) {
  ir::PrimFunc f = make_workload("gmm", {{"M", 32}, {"K", 16}});
  std::vector<ir::Buffer> bufs = f->param_buffers();
  EXPECT_EQ(const_shape(bufs[0]), (Shape{32, 16}));
  EXPECT_EQ(const_shape(bufs[1]), (Shape{16, 1024}));
  EXPECT_EQ(const_shape(bufs[2]), (Shape{32, 1024}));

  ir::PrimFunc c = make_workload("c2d", {{"H", 32}, {"W", 16}, {"stride", 1}, {"padding", 0}, {"K", 3}});
  EXPECT_EQ(const_shape(c->param_buffers()[2]), (Shape{1, 30, 14, 64}));
  // The pad stage shrinks to the input with no padding.
  const ir::BlockNode* pad = stage_blocks(c)[0];
  EXPECT_EQ(const_shape(pad->writes[0].buffer), (Shape{1, 32, 16, 3}));

  ir::PrimFunc g = make_workload("grp", {{"groups", 8}});
  EXPECT_EQ(const_shape(g->param_buffers()[1]), (Shape{3, 3, 8, 128}));

  ir::PrimFunc t = make_workload("t2d", {{"stride", 1}, {"padding", 0}});
  EXPECT_EQ(const_shape(t->param_buffers()[2]), (Shape{1, 7, 7, 256}));
}

TEST(Zoo, RebuiltWorkloadsAreStructurallyEqual) {
  for (const std::string& name : kAllNames) {
    ir::PrimFunc a = make_workload(name);
    ir::PrimFunc b = make_workload(name);
    EXPECT_FALSE(a.same_as(b)) << name;
    auto diff = ir::structural_diff(a, b);
    EXPECT_FALSE(diff.has_value()) << name << ": " << diff->to_string();
    ir::StructuralEqualOptions strict;
    strict.strict_names = true;
    EXPECT_TRUE(ir::structural_equal(a, b, strict)) << name;
    EXPECT_EQ(ir::structural_hash(a), ir::structural_hash(b)) << name;
  }
}

TEST(Zoo, DifferentShapesAreNotEqual) {
  for (const WorkloadInfo& info : workloads()) {
    const WorkloadParam& first = info.params.front();
    ir::PrimFunc a = make_workload(info.name);
    ir::PrimFunc b = make_workload(info.name, {{first.name, first.default_value + 1}});
    EXPECT_FALSE(ir::structural_equal(a, b)) << info.name << " with " << first.name << " + 1";
  }
}

TEST(Zoo, DilIsC2dWithDilationTwo) {
  // Same program modulo names: only the function name differs, which equality ignores.
  EXPECT_TRUE(ir::structural_equal(make_workload("c2d", {{"dilation", 2}}), make_workload("dil")));
  EXPECT_FALSE(ir::structural_equal(make_workload("c2d"), make_workload("dil")));
}

TEST(ZooErrors, UnknownWorkloadListsTheKnownOnes) {
  std::string msg = message_of([] { make_workload("conv9d"); });
  EXPECT_THAT(msg, HasSubstr("unknown workload 'conv9d'"));
  for (const std::string& name : kAllNames) EXPECT_THAT(msg, HasSubstr(name));
  EXPECT_THAT(message_of([] { workload_info("nope"); }), HasSubstr("unknown workload 'nope'"));
}

TEST(ZooErrors, UnknownParameterListsTheValidOnes) {
  std::string msg = message_of([] { make_workload("gmm", {{"Q", 3}}); });
  EXPECT_THAT(msg, HasSubstr("workload gmm has no parameter 'Q'"));
  EXPECT_THAT(msg, HasSubstr("M, N, K"));
  // Parameter names are case-sensitive ("m" is not "M").
  EXPECT_THAT(message_of([] { make_workload("gmm", {{"m", 3}}); }), HasSubstr("no parameter 'm'"));
}

TEST(ZooErrors, InvalidValuesAreRejectedWithTheRule) {
  EXPECT_THAT(message_of([] {
                make_workload("gmm", {{"M", 0}});
              }),
              HasSubstr("workload gmm: parameter M = 0 is invalid; it must be at least 1"));
  EXPECT_THAT(message_of([] {
                make_workload("c2d", {{"padding", -1}});
              }),
              HasSubstr("parameter padding = -1 is invalid; it must be at least 0"));
  EXPECT_THAT(message_of([] { make_workload("gmm", {{"N", int64_t{1} << 33}}); }), HasSubstr("fit in int32"));
  EXPECT_THAT(message_of([] {
                make_workload("grp", {{"groups", 3}});
              }),
              HasSubstr("workload grp: the input channels (64) must be divisible by groups (3)"));
  EXPECT_THAT(message_of([] {
                make_workload("grp", {{"groups", 64}, {"CO", 96}});
              }),
              HasSubstr("the output channels (96) must be divisible by groups (64)"));
  EXPECT_THAT(message_of([] {
                make_workload("c2d", {{"H", 4}, {"padding", 0}});
              }),
              HasSubstr("workload c2d: the dilated kernel (7) is larger than the padded h extent (4)"));
  EXPECT_THAT(message_of([] {
                make_workload("dil", {{"W", 6}});
              }),
              HasSubstr("the dilated kernel (13) is larger than the padded w extent (12)"));
  EXPECT_THAT(message_of([] {
                make_workload("t2d", {{"padding", 4}});
              }),
              HasSubstr("workload t2d: padding (4) must be at most K - 1 (3)"));
}

}  // namespace
}  // namespace loom::workloads
