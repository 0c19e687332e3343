/*
 * loom/plugin.h: the stable C ABI between loom and its plugins.
 *
 * A plugin is a shared library exporting one function, loom_plugin_entry (see
 * LOOM_PLUGIN_ENTRY below), which returns a static loom_plugin_info. The host checks the
 * ABI version in it, then calls its register_components with the host's function table
 * (loom_host_api); the plugin registers its components there: schedule rules, mutators,
 * postprocessors, cost models, runners (and, later, more kinds).
 *
 * Rules of the contract:
 * - Versions. LOOM_ABI_MAJOR must match between host and plugin; the minor versions may
 *   differ. A minor version only appends: fields at the end of structs, functions at the
 *   end of tables; every addition is marked with the minor version it came in ("ABI 1.1").
 *   Nothing is ever removed, reordered or retyped within a major version (names may change:
 *   that is a source change, not a binary one).
 * - Struct sizes. Every struct that crosses the boundary begins with its size, struct_size,
 *   set to LOOM_<NAME>_STRUCT_SIZE: the offset of the struct's last field plus that field's
 *   size (LOOM_STRUCT_SIZE), never sizeof (an appended small field could hide in sizeof's
 *   trailing padding and make the size claim a field the peer never wrote). A field is
 *   present iff struct_size >= its offset + its size (LOOM_HAS_FIELD); each side reads only
 *   the fields both know and treats the others as absent (a NULL function pointer, zero).
 *   Structs expected to grow also end in an `extension` pointer (NULL today) for optional
 *   features that are not worth a minor version.
 * - Nothing of C++ crosses: no exceptions, no C++ types, no allocation freed by the other
 *   side. Strings cross as loom_str (pointer + length, not necessarily NUL-terminated).
 * - Handles are opaque. Random variables of a schedule have distinct handle types
 *   (loom_block_rv, loom_loop_rv, loom_expr_rv) where a function takes one kind; loom_value
 *   carries any of them, tagged, where any value is allowed (schedule calls, traces).
 * - Ownership is in the name: a function whose name ends in _new or _copy (sch_copy,
 *   sch_trace_copy, trace_replay_new, ...), or whose doc says "owned", gives the caller a
 *   handle it must release with the matching *_free; everything else is borrowed, valid for
 *   the time documented (at least until the call that received it returns).
 * - Errors: a function that can fail returns loom_status and takes a loom_error* last;
 *   on failure it fills the error (message and, for a schedule primitive that refused,
 *   the schedule error's kind). Error objects belong to the host: the host passes one into
 *   every plugin callback, and a plugin may create more with error_new/error_free.
 * - Life cycle. Every component kind has the same one: create (from its TOML table) ->
 *   initialize (with the tuning context: the target and its properties, the workload) ->
 *   apply / measure / predict ... -> clone (a fresh instance with the same configuration and
 *   initialization, for another task or thread) -> destroy. Components read the target from
 *   the context, never from the machine they happen to run on.
 *
 * ABI history:
 *   1.0  the first release.
 *   1.1  config_get_string_list, trace_with_input_new (both first shipped unlabelled in
 *        1.0 hosts: check for them by size, as for everything below); struct sizes by
 *        LOOM_STRUCT_SIZE; typed random-variable handles and the sch_get_* functions that
 *        take them; the component life cycle (initialize, clone) and extension pointers on
 *        every component kind; loom_target and loom_tuning_context; the runner's
 *        resolve_target and export_func; func_lower_opts_new with loom_lower_options;
 *        trace_postproc_start. Renamed (same slots): sch_func -> sch_func_copy, sch_trace
 *        -> sch_trace_copy, trace_with_decision -> trace_with_decision_new, trace_replay ->
 *        trace_replay_new, func_lower -> func_lower_new, trace_with_input ->
 *        trace_with_input_new.
 *   1.2  the queries that do not record: sch_query_loops, sch_query_producers,
 *        sch_query_consumers, sch_query_block_info, sch_query_loop_info.
 *
 * Most plugins are written against the header-only C++ wrapper loom/plugin.hpp instead
 * of this header directly.
 */
#ifndef LOOM_PLUGIN_H_
#define LOOM_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#define LOOM_ABI_MAJOR 1
#define LOOM_ABI_MINOR 2

#if defined(_WIN32)
#define LOOM_PLUGIN_EXPORT __declspec(dllexport)
#else
#define LOOM_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* The name of the one symbol a plugin exports. */
#define LOOM_PLUGIN_ENTRY_SYMBOL "loom_plugin_entry"

/* The size of a struct up to and including `last_field` (what struct_size holds). */
#define LOOM_STRUCT_SIZE(type, last_field) (offsetof(type, last_field) + sizeof(((type*)0)->last_field))
/* Whether the struct at `ptr` (of the peer's size ptr->struct_size) holds `field`. */
#define LOOM_HAS_FIELD(ptr, type, field) \
  ((size_t)(ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Basic types
 * ------------------------------------------------------------------------------------- */

/* A string: `size` bytes at `data` (UTF-8, not necessarily NUL-terminated). */
typedef struct loom_str {
  const char* data;
  size_t size;
} loom_str;

typedef enum loom_status {
  LOOM_OK = 0,
  LOOM_ERROR = 1,                 /* any other failure; the message says what */
  LOOM_ERROR_SCHEDULE = 2,        /* a schedule primitive refused: error_kind says which rule */
  LOOM_ERROR_ARGUMENT = 3,        /* a malformed argument (wrong kind of value, out of range) */
  LOOM_ERROR_CONFIG = 4,          /* a config value missing, of the wrong type or out of range */
  LOOM_ERROR_NOT_FOUND = 5,       /* no such field, key, instruction, function */
  LOOM_ERROR_UNSUPPORTED = 6,     /* the peer is too old for this call */
  LOOM_ERROR_INTERNAL = 7,        /* a bug in loom or the plugin */
  LOOM_ERROR_BUFFER_TOO_SMALL = 8 /* an output array was too small; the count says how many */
} loom_status;

typedef enum loom_log_level {
  LOOM_LOG_DEBUG = 0,
  LOOM_LOG_INFO = 1,
  LOOM_LOG_WARNING = 2,
  LOOM_LOG_ERROR = 3
} loom_log_level;

/* Opaque handles. */
typedef struct loom_error loom_error;                 /* an error (host-owned) */
typedef struct loom_schedule loom_schedule;           /* a schedule: a module being transformed */
typedef struct loom_trace loom_trace;                 /* an immutable trace and its original module */
typedef struct loom_func loom_func;                   /* an immutable function (a snapshot) */
typedef struct loom_config loom_config;               /* a component's TOML table */
typedef struct loom_rng loom_rng;                     /* a random number generator */
typedef struct loom_schedule_list loom_schedule_list; /* where a rule puts its results */
typedef struct loom_registrar loom_registrar;         /* where a plugin registers components */

/* Random variables of a schedule, one handle type per kind (ABI 1.1): the `rv` of a
 * loom_value of kind LOOM_VALUE_BLOCK / LOOP / EXPR. */
typedef struct loom_block_rv {
  uint32_t id;
} loom_block_rv;
typedef struct loom_loop_rv {
  uint32_t id;
} loom_loop_rv;
typedef struct loom_expr_rv {
  uint32_t id;
} loom_expr_rv;

/* ---------------------------------------------------------------------------------------
 * Values: the inputs, attributes, outputs and decisions of schedule instructions, as in
 * the trace (None, bool, int, float, string, a random variable, or a list of values).
 * ------------------------------------------------------------------------------------- */

typedef enum loom_value_kind {
  LOOM_VALUE_NONE = 0,
  LOOM_VALUE_BOOL = 1,  /* i: 0 or 1 */
  LOOM_VALUE_INT = 2,   /* i */
  LOOM_VALUE_FLOAT = 3, /* f */
  LOOM_VALUE_STR = 4,   /* s */
  LOOM_VALUE_BLOCK = 5, /* rv: a BlockRV of the schedule */
  LOOM_VALUE_LOOP = 6,  /* rv: a LoopRV */
  LOOM_VALUE_EXPR = 7,  /* rv: an ExprRV (a sampled integer) */
  LOOM_VALUE_LIST = 8   /* items[0 .. n_items) */
} loom_value_kind;

typedef struct loom_value {
  uint32_t kind; /* loom_value_kind */
  uint32_t rv;
  int64_t i;
  double f;
  loom_str s;
  const struct loom_value* items;
  size_t n_items;
} loom_value;

/* ---------------------------------------------------------------------------------------
 * IR views: read-only access to every node of a function. A view is a value (a pointer to
 * the node and its kind) valid as long as the handle it came from (a loom_func, or a
 * schedule until its next change). Two views denote the same object iff their `ptr`s are
 * equal (use that for variable identity).
 *
 * Fields are looked up by name (node_field); list fields give their length and their items
 * through node_field_item. The IR functions accept a NULL loom_error* (read a field without
 * an error object; create one only to learn why a read failed). The fields of each kind, in
 * node_field_name's order (every kind of expression also has "dtype", as its last field):
 *   IntImm: value (INT)           FloatImm: value (FLOAT)        Var: name (STR)
 *   BufferLoad: buffer, indices   Add..Or (binary): a, b          Not: a
 *   Select: condition, true_value, false_value                    Cast: value
 *   Ramp: base, stride, lanes (INT)                               Broadcast: value, lanes
 *   Call: op (STR, e.g. "exp", "if_then_else"), args
 *   For: loop_var, min, extent, kind (STR: serial|parallel|vectorized|unroll|thread_binding),
 *        thread_tag (STR), annotations, body
 *   BlockRealize: iter_values, predicate, block
 *   Block: name (STR), iter_vars, reads, writes, init (may be NULL), alloc_buffers,
 *          match_buffers, annotations, body
 *   BufferStore: buffer, value, indices            IfThenElse: condition, then_case, else_case
 *   SeqStmt: seq      Evaluate: value      LetStmt: var, value, body      Allocate: buffer, body
 *   Buffer: name, dtype, shape, strides, elem_offset (may be NULL), scope (STR)
 *   PrimFunc: name, params, buffer_map, body, attrs
 * and the records that hang off them:
 *   IterVar: var, dom, iter_type (STR: spatial|reduce|scan|opaque)
 *   Range: min, extent            BufferRegion: buffer, region       MatchBufferRegion: buffer, source
 *   BufferMapEntry: param, buffer Annotation: key (STR), value (INT, FLOAT, STR, an expression,
 *                                 or a LIST whose items are AnnValue records)
 *   AnnValue: value (as Annotation's value)
 * ------------------------------------------------------------------------------------- */

typedef enum loom_node_kind {
  /* expressions */
  LOOM_NODE_INT_IMM = 0,
  LOOM_NODE_FLOAT_IMM = 1,
  LOOM_NODE_VAR = 2,
  LOOM_NODE_BUFFER_LOAD = 3,
  LOOM_NODE_NOT = 4,
  LOOM_NODE_SELECT = 5,
  LOOM_NODE_CAST = 6,
  LOOM_NODE_RAMP = 7,
  LOOM_NODE_BROADCAST = 8,
  LOOM_NODE_CALL = 9,
  LOOM_NODE_ADD = 10,
  LOOM_NODE_SUB = 11,
  LOOM_NODE_MUL = 12,
  LOOM_NODE_DIV = 13,
  LOOM_NODE_MOD = 14,
  LOOM_NODE_FLOOR_DIV = 15,
  LOOM_NODE_FLOOR_MOD = 16,
  LOOM_NODE_MIN = 17,
  LOOM_NODE_MAX = 18,
  LOOM_NODE_EQ = 19,
  LOOM_NODE_NE = 20,
  LOOM_NODE_LT = 21,
  LOOM_NODE_LE = 22,
  LOOM_NODE_GT = 23,
  LOOM_NODE_GE = 24,
  LOOM_NODE_AND = 25,
  LOOM_NODE_OR = 26,
  /* statements */
  LOOM_NODE_FOR = 27,
  LOOM_NODE_BLOCK_REALIZE = 28,
  LOOM_NODE_BLOCK = 29,
  LOOM_NODE_BUFFER_STORE = 30,
  LOOM_NODE_IF_THEN_ELSE = 31,
  LOOM_NODE_SEQ_STMT = 32,
  LOOM_NODE_EVALUATE = 33,
  LOOM_NODE_LET_STMT = 34,
  LOOM_NODE_ALLOCATE = 35,
  /* objects */
  LOOM_NODE_BUFFER = 36,
  LOOM_NODE_PRIM_FUNC = 37,
  /* records */
  LOOM_NODE_ITER_VAR = 64,
  LOOM_NODE_RANGE = 65,
  LOOM_NODE_BUFFER_REGION = 66,
  LOOM_NODE_MATCH_BUFFER_REGION = 67,
  LOOM_NODE_BUFFER_MAP_ENTRY = 68,
  LOOM_NODE_ANNOTATION = 69,
  LOOM_NODE_ANN_VALUE = 70
} loom_node_kind;

typedef struct loom_node {
  const void* ptr; /* NULL for an absent node */
  uint32_t kind;   /* loom_node_kind */
} loom_node;

typedef enum loom_dtype_code {
  LOOM_DTYPE_INT = 0,
  LOOM_DTYPE_UINT = 1,
  LOOM_DTYPE_FLOAT = 2,
  LOOM_DTYPE_BFLOAT = 3,
  LOOM_DTYPE_BOOL = 4,
  LOOM_DTYPE_HANDLE = 5,
  LOOM_DTYPE_VOID = 6
} loom_dtype_code;

typedef struct loom_dtype {
  uint8_t code; /* loom_dtype_code */
  uint8_t bits;
  uint16_t lanes;
} loom_dtype;

typedef enum loom_field_kind {
  LOOM_FIELD_NULL = 0,  /* an absent optional node */
  LOOM_FIELD_NODE = 1,  /* node */
  LOOM_FIELD_LIST = 2,  /* n_items; items through node_field_item */
  LOOM_FIELD_INT = 3,   /* i */
  LOOM_FIELD_FLOAT = 4, /* f */
  LOOM_FIELD_STR = 5,   /* s */
  LOOM_FIELD_DTYPE = 6  /* dtype */
} loom_field_kind;

typedef struct loom_field {
  uint32_t kind; /* loom_field_kind */
  loom_node node;
  size_t n_items;
  int64_t i;
  double f;
  loom_str s;
  loom_dtype dtype;
} loom_field;

/* ---------------------------------------------------------------------------------------
 * Analysis results (caller-allocated; set struct_size = LOOM_<NAME>_STRUCT_SIZE before the
 * call, the host fills the fields it knows within that size).
 * ------------------------------------------------------------------------------------- */

typedef enum loom_iter_kind {
  LOOM_ITER_SPATIAL = 0,
  LOOM_ITER_REDUCE = 1,
  LOOM_ITER_SCAN = 2,
  LOOM_ITER_OPAQUE = 3,
  LOOM_ITER_MIXED = 4 /* a loop driving both spatial and reduction variables */
} loom_iter_kind;

typedef struct loom_block_info {
  uint32_t struct_size;
  uint32_t n_iter_vars;
  uint32_t n_reads;
  uint32_t n_writes;
  uint8_t is_root;
  uint8_t is_spatial;   /* every iteration variable is spatial */
  uint8_t is_reduction; /* TVM's reduction block: an init, spatial/reduce vars only,
                           writes independent of the reduction variables */
  uint8_t is_output;    /* writes a function parameter buffer */
  uint8_t has_init;
  uint8_t has_trivial_binding; /* each iteration variable is bound to one loop variable */
  uint8_t can_compute_inline;  /* sch.compute_inline would succeed */
  uint8_t can_reverse_compute_inline;
  uint32_t n_consumers; /* blocks of the scope reading what this block writes */
  uint32_t n_producers;
  uint8_t is_elementwise; /* spatial, one write, every read at the write's indices */
} loom_block_info;

typedef struct loom_loop_info {
  uint32_t struct_size;
  uint32_t iter_kind; /* loom_iter_kind of the variables the loop drives */
  int64_t extent;     /* -1 when not a constant */
  int64_t min;        /* -1 when not a constant */
  loom_str for_kind;  /* "serial", "parallel", ...; valid until the schedule changes */
  loom_str thread_tag;
  uint32_t n_child_blocks;
  uint8_t is_only_child; /* the loop's parent loop has no other child */
} loom_loop_info;

/* One recorded instruction of a trace; every pointer is valid as long as the trace. */
typedef struct loom_instruction {
  uint32_t struct_size;
  loom_str kind;        /* TVM's instruction kind name: "Split", "SamplePerfectTile", ... */
  loom_str python_name; /* "split", "sample_perfect_tile", ... */
  const loom_value* inputs;
  size_t n_inputs;
  const loom_value* attrs;
  size_t n_attrs;
  const loom_value* outputs;
  size_t n_outputs;
  const loom_value* decision; /* NULL when the instruction has none */
  uint8_t is_sampling;
  uint8_t is_pure; /* does not change the IR */
} loom_instruction;

/* Features of candidates for a cost model: candidate c has the rows
 * [row_offsets[c], row_offsets[c + 1]) of a row-major matrix with n_features columns
 * (one row per buffer store, as the core's feature extractor documents). */
typedef struct loom_features {
  uint32_t struct_size;
  size_t n_candidates;
  size_t n_features;
  const size_t* row_offsets; /* n_candidates + 1 entries */
  const float* data;
} loom_features;

/* One candidate to measure, and its result (caller-allocated). */
typedef struct loom_measure_input {
  uint32_t struct_size;
  const loom_func* func; /* the scheduled function */
  loom_str target;       /* the target's description, e.g. "llvm -mcpu=znver3 -mattr=+avx2,+fma" */
  /* The function whose outputs the candidate's must match when the runner checks
   * correctness (typically the unscheduled function): same parameters (count, shapes,
   * dtypes). NULL: no check for this candidate. */
  const loom_func* reference;
} loom_measure_input;

typedef struct loom_measure_result {
  uint32_t struct_size;
  uint32_t status;   /* LOOM_OK, or the failure (the error holds the reason) */
  loom_error* error; /* host-owned, for the reason of a failure: its message says what
                        happened ("build failed: ...", "crashed: SIGSEGV ...", "timed out
                        after 10 s", "wrong result: ..."), its kind which class of failure
                        ("build", "check", "crash", "timeout", "wrong_result", "run") */
  double* times_s;   /* caller-provided array of times_cap entries: seconds per call, one
                        per sample, in the order measured */
  size_t times_cap;
  size_t n_times; /* set by the runner: the samples measured (only the first times_cap of
                     them are written when there are more) */
  double build_s; /* seconds spent building the candidate (lowering, code generation) */
  double run_s;   /* seconds spent running it (loading, checking, timing) */
  int64_t number; /* calls per sample (after min_repeat_ms raised it); 0 when not timed */
} loom_measure_result;

/* ---------------------------------------------------------------------------------------
 * The target and the tuning context (ABI 1.1)
 * ------------------------------------------------------------------------------------- */

/* A target and the properties of the hardware behind it. The run's config asks for one
 * (kind, cpu, features, cores; or arch); the runner resolves it on its machine
 * (resolve_target) and every component is initialized with the result. A property that is
 * unknown is 0 (or an empty string); a component falls back to its own default then. Strings
 * are valid as long as the struct that holds them (the context, or the runner instance that
 * resolved it). */
typedef struct loom_target {
  uint32_t struct_size;
  loom_str kind;        /* "llvm" (a CPU) or "cuda" */
  loom_str description; /* the string recorded with each candidate, e.g.
                           "llvm -mcpu=znver4 -mattr=+avx2,+fma -num-cores=2" */
  /* -- kind "llvm" -- */
  loom_str cpu;                 /* an LLVM CPU name ("znver4"); a request may say "host" */
  loom_str features;            /* LLVM features ("+avx2,+fma,..."); a request may leave it empty */
  int32_t num_cores;            /* cores parallel loops may use; 0 in a request: all */
  int32_t vector_bits;          /* the widest usable SIMD register: 128, 256, 512 */
  int32_t num_vector_registers; /* architectural SIMD registers: 16 (AVX2), 32 (AVX-512) */
  int32_t cache_line_bytes;
  int64_t l1d_bytes; /* per core */
  int64_t l2_bytes;  /* per core */
  int64_t l3_bytes;  /* in all */
  /* -- kind "cuda" -- */
  loom_str arch; /* "sm_90"; a request may say "auto" (ask the device) */
  int32_t device;
  int32_t max_threads_per_block;
  int32_t max_shared_memory_per_block; /* bytes */
  int32_t warp_size;
  int32_t max_registers_per_thread;
  int32_t multiprocessor_count;
  const void* extension; /* NULL */
} loom_target;

/* What a component is initialized with. */
typedef struct loom_tuning_context {
  uint32_t struct_size;
  const loom_target* target; /* the resolved target; never NULL */
  /* The task's function, or NULL for a component that serves every task of the run (the
   * runner, the cost model). */
  const loom_func* workload;
  loom_str task_name;    /* empty without a workload */
  uint64_t seed;         /* the run's seed */
  int32_t num_threads;   /* threads the tuner may call apply / predict from at once */
  const void* extension; /* NULL */
} loom_tuning_context;

/* How func_lower_opts_new lowers a function (caller-allocated). */
typedef enum loom_lower_pipeline {
  LOOM_LOWER_PIPELINE_CPU = 0, /* loops for a CPU code generator (lower.h's pipeline) */
  LOOM_LOWER_PIPELINE_GPU = 1  /* kernels for a GPU code generator (lower.h's lower_gpu; the
                                  form is docs/ARCHITECTURE.md "The GPU-lowered form") */
} loom_lower_pipeline;

typedef struct loom_lower_options {
  uint32_t struct_size;
  uint32_t pipeline;     /* loom_lower_pipeline */
  uint8_t unroll;        /* 1: unroll `unroll` loops (0 keeps them as loops, e.g. for features) */
  uint8_t vectorize;     /* 1: vectorized loops become vector statements; 0: serial loops */
  uint8_t verify;        /* 1: check well-formedness after every pass (slower) */
  const void* extension; /* NULL */
} loom_lower_options;

/* What a runner's export_func writes (ABI 1.1): the scheduled function compiled for a target
 * as files a program links without loom. */
typedef struct loom_export_request {
  uint32_t struct_size;
  const loom_func* func; /* the scheduled function */
  loom_str name;         /* the files' stem, e.g. "gmm_fast" (gmm_fast.o, gmm_fast.h) */
  loom_str symbol;       /* the kernel's C symbol; empty: the stem */
  loom_str directory;    /* where the files go (exists) */
  loom_str origin;       /* where the kernel came from, for the files' comments ("loom export
                            gmm.py tiled.py"); may be empty */
  /* The target to build for; NULL: the target the runner was initialized with. A request
   * (cpu "host", empty features) is resolved as resolve_target would. */
  const loom_target* target;
  /* Called once per file written, with its path. */
  void (*on_file)(void* userdata, loom_str path);
  /* Called with a line for the user about the files (e.g. what to link them with); may be
   * NULL. */
  void (*on_note)(void* userdata, loom_str note);
  void* userdata;
  const void* extension; /* NULL */
} loom_export_request;

/* ---------------------------------------------------------------------------------------
 * Components
 * ------------------------------------------------------------------------------------- */

typedef enum loom_component_kind {
  LOOM_COMPONENT_SCHEDULE_RULE = 1,
  LOOM_COMPONENT_MUTATOR = 2,
  LOOM_COMPONENT_POSTPROC = 3,
  LOOM_COMPONENT_COST_MODEL = 4,
  LOOM_COMPONENT_RUNNER = 5,
  LOOM_COMPONENT_SPACE_GENERATOR = 6,  /* reserved */
  LOOM_COMPONENT_SEARCH_STRATEGY = 7,  /* reserved */
  LOOM_COMPONENT_FEATURE_EXTRACTOR = 8 /* reserved */
} loom_component_kind;

/* The start of every component struct. struct_size is the size of the whole
 * kind-specific struct (e.g. LOOM_SCHEDULE_RULE_STRUCT_SIZE). */
typedef struct loom_component {
  uint32_t struct_size;
  uint32_t kind;        /* loom_component_kind */
  loom_str name;        /* "vendor.name", unique among loaded plugins */
  loom_str version;     /* the component's own version, e.g. "1.2" */
  loom_str description; /* one line */
  void* userdata;       /* passed to create */
  /* Makes an instance configured by `config` (borrowed, valid during the call; read what
   * you need). A component may be instantiated several times with different configs. */
  loom_status (*create)(void* userdata, const loom_config* config, void** instance, loom_error* error);
  void (*destroy)(void* instance);
} loom_component;

/* Threads: the tuner calls apply of rules, mutators and postprocessors, and predict of cost
 * models, from several threads at once, on the same instance (each call with its own
 * schedule / trace / rng). An instance must therefore not change shared state in these
 * calls without its own synchronization; update, save, load and measure are never called
 * concurrently with anything else on the same instance. */
typedef struct loom_schedule_rule {
  loom_component base;
  /* Applies the rule to `block` (a LOOM_VALUE_BLOCK of `sch`). `sch` is borrowed and must
   * not be changed: the rule copies it (sch_copy), transforms the copies and pushes each
   * result onto `out` (ownership moves to the list). A rule that does not apply pushes an
   * unchanged copy, as TVM's rules return the schedule they were given. */
  loom_status (*apply)(void* instance, const loom_schedule* sch, loom_value block, loom_schedule_list* out,
                       loom_error* error);
  /* -- life cycle (ABI 1.1; NULL: the component needs no initialization / cannot be
   *    cloned) -- */
  /* Prepares the instance for `context` (borrowed, valid during the call: copy what you
   * keep). Called once after create, before any apply, from one thread. */
  loom_status (*initialize)(void* instance, const loom_tuning_context* context, loom_error* error);
  /* A new instance (owned by the caller, released with destroy) configured and initialized
   * as this one, with no state shared with it. */
  loom_status (*clone)(void* instance, void** out, loom_error* error);
  const void* extension; /* NULL */
} loom_schedule_rule;

typedef struct loom_mutator {
  loom_component base;
  /* Proposes a mutation of `trace` (borrowed): sets *out to a new trace (owned by the
   * caller), or to NULL when the trace offers nothing to mutate. */
  loom_status (*apply)(void* instance, const loom_trace* trace, loom_rng* rng, loom_trace** out, loom_error* error);
  /* -- life cycle (ABI 1.1; NULL: the component needs no initialization / cannot be
   *    cloned) -- */
  /* Prepares the instance for `context` (borrowed, valid during the call: copy what you
   * keep). Called once after create, before any apply, from one thread. */
  loom_status (*initialize)(void* instance, const loom_tuning_context* context, loom_error* error);
  /* A new instance (owned by the caller, released with destroy) configured and initialized
   * as this one, with no state shared with it. */
  loom_status (*clone)(void* instance, void** out, loom_error* error);
  const void* extension; /* NULL */
} loom_mutator;

typedef struct loom_postproc {
  loom_component base;
  /* Finishes a candidate in place; sets *ok to 0 when the candidate must be dropped. */
  loom_status (*apply)(void* instance, loom_schedule* sch, int* ok, loom_error* error);
  /* -- life cycle (ABI 1.1; NULL: the component needs no initialization / cannot be
   *    cloned) -- */
  /* Prepares the instance for `context` (borrowed, valid during the call: copy what you
   * keep). Called once after create, before any apply, from one thread. */
  loom_status (*initialize)(void* instance, const loom_tuning_context* context, loom_error* error);
  /* A new instance (owned by the caller, released with destroy) configured and initialized
   * as this one, with no state shared with it. */
  loom_status (*clone)(void* instance, void** out, loom_error* error);
  const void* extension; /* NULL */
} loom_postproc;

typedef struct loom_cost_model {
  loom_component base;
  /* Learns from measured candidates: throughputs[c] is candidate c's measured throughput
   * (higher is better; 0 for a failed candidate). */
  loom_status (*update)(void* instance, const loom_features* features, const double* throughputs, loom_error* error);
  /* Scores candidates (higher is better) into scores[0 .. n_candidates). */
  loom_status (*predict)(void* instance, const loom_features* features, double* scores, loom_error* error);
  loom_status (*save)(void* instance, loom_str path, loom_error* error);
  loom_status (*load)(void* instance, loom_str path, loom_error* error);
  /* -- life cycle (ABI 1.1; NULL: the component needs no initialization / cannot be
   *    cloned) -- */
  /* Prepares the instance for `context` (borrowed, valid during the call: copy what you
   * keep). Called once after create, before any apply, from one thread. */
  loom_status (*initialize)(void* instance, const loom_tuning_context* context, loom_error* error);
  /* A new instance (owned by the caller, released with destroy) configured and initialized
   * as this one, with no state shared with it. */
  loom_status (*clone)(void* instance, void** out, loom_error* error);
  const void* extension; /* NULL */
} loom_cost_model;

typedef struct loom_runner {
  loom_component base;
  /* Builds and times each input into results[0 .. n) (caller-allocated: struct_size,
   * error, times_s and times_cap set by the caller); a failure of one candidate is its
   * result's status, not the call's (the call fails only when the runner itself cannot
   * work), and never loses the other results. */
  loom_status (*measure)(void* instance, const loom_measure_input* inputs, size_t n, loom_measure_result* results,
                         loom_error* error);
  /* -- life cycle (ABI 1.1; NULL: the component needs no initialization / cannot be
   *    cloned) -- */
  /* Prepares the instance for `context` (borrowed, valid during the call: copy what you
   * keep). Called once after create, before any apply, from one thread. */
  loom_status (*initialize)(void* instance, const loom_tuning_context* context, loom_error* error);
  /* A new instance (owned by the caller, released with destroy) configured and initialized
   * as this one, with no state shared with it. */
  loom_status (*clone)(void* instance, void** out, loom_error* error);
  const void* extension; /* NULL */
  /* -- the runner's hardware (ABI 1.1) -- */
  /* Resolves a requested target (the run's [target]: kind, cpu, features, num_cores; or
   * arch, device) on this runner's machine into *resolved: every property the runner knows
   * filled in ("host" -> the CPU's name, empty features -> the CPU's, 0 cores -> all). The
   * strings stay valid until the next call on the instance or its destruction. A target the
   * runner cannot build for, or a machine that does not match it, is LOOM_ERROR_UNSUPPORTED
   * saying why. May be called before initialize. */
  loom_status (*resolve_target)(void* instance, const loom_target* requested, loom_target* resolved, loom_error* error);
  /* Compiles request->func for the request's target into files a program links without
   * loom (for a CPU: an object file and a C header), reporting each through on_file. */
  loom_status (*export_func)(void* instance, const loom_export_request* request, loom_error* error);
} loom_runner;

/* ---------------------------------------------------------------------------------------
 * The host's function table.
 * ------------------------------------------------------------------------------------- */

typedef struct loom_host_api {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;

  /* -- registration (only during register_components) -- */
  /* Registers a component; the host copies the struct and its strings. */
  loom_status (*register_component)(loom_registrar* registrar, const loom_component* component, loom_error* error);

  /* -- errors -- */
  loom_error* (*error_new)(void);
  void (*error_free)(loom_error* error);
  /* Sets the error's status, message and (optionally, may be empty) schedule error kind. */
  void (*error_set)(loom_error* error, loom_status status, loom_str message, loom_str kind);
  loom_status (*error_status)(const loom_error* error);
  loom_str (*error_message)(const loom_error* error); /* valid until the error changes */
  loom_str (*error_kind)(const loom_error* error);

  /* -- logging -- */
  void (*log)(loom_log_level level, loom_str component, loom_str message);

  /* -- config: the component's TOML table. A missing key gives the default; a key of
   *    another type is a LOOM_ERROR_CONFIG naming the file, line, column and both types. -- */
  int (*config_has)(const loom_config* config, loom_str key);
  loom_status (*config_get_int)(const loom_config* config, loom_str key, int64_t default_value, int64_t* out,
                                loom_error* error);
  loom_status (*config_get_float)(const loom_config* config, loom_str key, double default_value, double* out,
                                  loom_error* error);
  loom_status (*config_get_bool)(const loom_config* config, loom_str key, int default_value, int* out,
                                 loom_error* error);
  /* The string is valid while the config is. */
  loom_status (*config_get_string)(const loom_config* config, loom_str key, loom_str default_value, loom_str* out,
                                   loom_error* error);
  /* A list of integers: writes up to `cap` into out, the count into *n (with
   * LOOM_ERROR_BUFFER_TOO_SMALL when cap < *n). A missing key gives *n = 0 and LOOM_OK;
   * check config_has to tell an empty list from a missing one. */
  loom_status (*config_get_int_list)(const loom_config* config, loom_str key, int64_t* out, size_t cap, size_t* n,
                                     loom_error* error);
  loom_status (*config_get_float_list)(const loom_config* config, loom_str key, double* out, size_t cap, size_t* n,
                                       loom_error* error);

  /* -- random numbers -- */
  /* Uniform in [lo, hi) (requires lo < hi). */
  int64_t (*rng_uniform_int)(loom_rng* rng, int64_t lo, int64_t hi);
  /* Uniform in [0, 1). */
  double (*rng_uniform_real)(loom_rng* rng);
  /* A seed for a child generator. */
  int64_t (*rng_fork_seed)(loom_rng* rng);

  /* -- schedules -- */
  loom_schedule* (*sch_copy)(const loom_schedule* sch); /* owned */
  void (*sch_free)(loom_schedule* sch);
  /* The schedule's RNG (borrowed, valid as long as the schedule). */
  loom_rng* (*sch_rng)(loom_schedule* sch);
  void (*sch_seed)(loom_schedule* sch, int64_t seed);
  /* Calls a schedule primitive or sampling instruction by its Python name ("split",
   * "sample_perfect_tile", ...), with arguments bound as in TVM's Python API: positional
   * `args`, then keyword arguments (kw_names[k] = kw_values[k]); sampling calls take the
   * keyword "decision". The call is recorded in the trace exactly as the same call from
   * C++ or a schedule script. The first `cap` outputs (random variables) go to outputs and
   * their full count to *n_outputs (when it exceeds cap the call still succeeded: the trace's
   * last instruction holds every output). On failure the schedule is unchanged and the
   * error names the primitive and the violated rule (status LOOM_ERROR_SCHEDULE, kind set). */
  loom_status (*sch_call)(loom_schedule* sch, loom_str primitive, const loom_value* args, size_t n_args,
                          const loom_str* kw_names, const loom_value* kw_values, size_t n_kw, loom_value* outputs,
                          size_t cap, size_t* n_outputs, loom_error* error);
  /* Whether a random variable still refers to something. */
  int (*sch_is_valid)(const loom_schedule* sch, loom_value rv);
  /* The integer an ExprRV holds. */
  loom_status (*sch_expr_value)(const loom_schedule* sch, loom_value rv, int64_t* out, loom_error* error);
  /* Views of the block / loop an RV refers to, valid until the schedule changes. */
  loom_status (*sch_block_node)(const loom_schedule* sch, loom_value block, loom_node* out, loom_error* error);
  loom_status (*sch_loop_node)(const loom_schedule* sch, loom_value loop, loom_node* out, loom_error* error);
  /* The current function of that name ("" for the module's only or "main" function), an
   * owned snapshot. */
  loom_status (*sch_func_copy)(const loom_schedule* sch, loom_str func_name, loom_func** out, loom_error* error);
  /* The trace so far (owned snapshot, carrying the schedule's original module). */
  loom_trace* (*sch_trace_copy)(const loom_schedule* sch);
  /* The current module as TVMScript (valid until the schedule changes). */
  loom_str (*sch_script)(const loom_schedule* sch);
  /* Structural hash of the current module (equal modules modulo names hash equal). */
  uint64_t (*sch_structural_hash)(const loom_schedule* sch);
  /* Adds a schedule (owned: ownership moves to the list). */
  void (*sch_list_push)(loom_schedule_list* list, loom_schedule* sch);

  /* -- analysis -- */
  loom_status (*sch_block_info)(const loom_schedule* sch, loom_value block, loom_block_info* out, loom_error* error);
  loom_status (*sch_loop_info)(const loom_schedule* sch, loom_value loop, loom_loop_info* out, loom_error* error);

  /* -- traces -- */
  loom_trace* (*trace_copy)(const loom_trace* trace); /* owned */
  void (*trace_free)(loom_trace* trace);
  size_t (*trace_size)(const loom_trace* trace);
  loom_status (*trace_instruction)(const loom_trace* trace, size_t index, loom_instruction* out, loom_error* error);
  /* A new trace (owned) with instruction `index`'s decision replaced; remove_postproc drops
   * the instructions from EnterPostproc on. */
  loom_status (*trace_with_decision_new)(const loom_trace* trace, size_t index, const loom_value* decision,
                                         int remove_postproc, loom_trace** out, loom_error* error);
  /* Replays the trace onto a fresh schedule of its original module seeded with `seed`
   * (owned result). An invalid decision fails with LOOM_ERROR_SCHEDULE. */
  loom_status (*trace_replay_new)(const loom_trace* trace, int64_t seed, loom_schedule** out, loom_error* error);
  /* JSON in TVM's shape and the schedule script (valid as long as the trace). */
  loom_str (*trace_json)(const loom_trace* trace);
  loom_str (*trace_python)(const loom_trace* trace);

  /* -- IR inspection -- */
  loom_func* (*func_copy)(const loom_func* func); /* owned */
  void (*func_free)(loom_func* func);
  /* The function's node (LOOM_NODE_PRIM_FUNC), valid as long as the handle. */
  loom_node (*func_node)(const loom_func* func);
  loom_str (*node_kind_name)(uint32_t kind);
  /* The field names of a node's kind, in order. */
  size_t (*node_num_fields)(loom_node node);
  loom_str (*node_field_name)(loom_node node, size_t index);
  loom_status (*node_field)(loom_node node, loom_str name, loom_field* out, loom_error* error);
  loom_status (*node_field_item)(loom_node node, loom_str name, size_t index, loom_field* out, loom_error* error);
  /* A node as text into a buffer the caller owns (writes up to cap bytes, the full length
   * into *size): an expression with loom's expression printer, a statement as a TVMScript
   * fragment, a buffer as `A: T.Buffer(...)`, a function as a whole script; a record kind
   * is LOOM_ERROR_ARGUMENT. */
  loom_status (*node_script)(loom_node node, char* buffer, size_t cap, size_t* size, loom_error* error);

  /* -- lowering -- */
  /* The function lowered by the CPU pipeline with every pass on (func_lower_opts_new with
   * LOOM_LOWER_PIPELINE_CPU, unroll, vectorize, verify), an owned result. */
  loom_status (*func_lower_new)(const loom_func* func, loom_func** out, loom_error* error);

  /* -- reference data and execution (for runners' correctness checks) --
   * `args` holds one entry per parameter of `func`, in parameter order, as the CPU code
   * generator's packed convention: for a buffer parameter a pointer to its storage (compact
   * row-major, the buffer's shape, integers in their width, bool one byte, float16 /
   * bfloat16 as 16-bit patterns), for a scalar parameter a pointer to its value in its
   * dtype. Buffer shapes must be constants. */
  /* Fills every buffer parameter's storage with the core's deterministic random data for
   * `seed` (the data the reference interpreter's random_params gives); scalar entries are
   * ignored and may be NULL. */
  loom_status (*func_fill_random)(const loom_func* func, uint64_t seed, void* const* args, loom_error* error);
  /* Runs the reference interpreter on args, reading and writing the buffers in place
   * (slow: meant for small shapes). An out-of-bounds access or other runtime failure is
   * LOOM_ERROR_ARGUMENT with the interpreter's message. */
  loom_status (*func_interpret)(const loom_func* func, void* const* args, loom_error* error);
  /* An estimate of the floating-point operations of one call (every float + - * / % min
   * max and math call, once per lane per execution); 0 when a loop extent is symbolic. */
  double (*func_flops)(const loom_func* func);
  /* A hash of the function's structure (names of variables ignored), equal for
   * structurally equal functions. */
  uint64_t (*func_structural_hash)(const loom_func* func);

  /* -- config, continued (ABI 1.1) -- */
  /* A list of strings, as config_get_int_list: up to `cap` into out (each valid while the
   * config is), the count into *n (LOOM_ERROR_BUFFER_TOO_SMALL when cap < *n); a missing
   * key gives *n = 0 and LOOM_OK. */
  loom_status (*config_get_string_list)(const loom_config* config, loom_str key, loom_str* out, size_t cap, size_t* n,
                                        loom_error* error);

  /* -- traces, continued (ABI 1.1) -- */
  /* A new trace (owned) with input `input_index` of instruction `index` replaced by `value`
   * (e.g. the value of an Annotate, for mutators that change annotations); remove_postproc
   * as trace_with_decision. Whether the new input suits the instruction is checked by
   * replay, not here. */
  loom_status (*trace_with_input_new)(const loom_trace* trace, size_t index, size_t input_index,
                                      const loom_value* value, int remove_postproc, loom_trace** out,
                                      loom_error* error);

  /* -- analysis and inspection by typed handles (ABI 1.1; the loom_value forms above stay
   *    for older plugins) -- */
  loom_status (*sch_get_block_info)(const loom_schedule* sch, loom_block_rv block, loom_block_info* out,
                                    loom_error* error);
  loom_status (*sch_get_loop_info)(const loom_schedule* sch, loom_loop_rv loop, loom_loop_info* out, loom_error* error);
  loom_status (*sch_get_block_node)(const loom_schedule* sch, loom_block_rv block, loom_node* out, loom_error* error);
  loom_status (*sch_get_loop_node)(const loom_schedule* sch, loom_loop_rv loop, loom_node* out, loom_error* error);
  loom_status (*sch_get_expr_value)(const loom_schedule* sch, loom_expr_rv rv, int64_t* out, loom_error* error);

  /* -- traces, continued (ABI 1.1) -- */
  /* The index of the trace's EnterPostproc instruction (where postprocessing starts), or
   * trace_size when it has none. */
  size_t (*trace_postproc_start)(const loom_trace* trace);

  /* -- lowering (ABI 1.1) -- */
  /* The function lowered to a codegen-ready form by the pipeline `options` names (owned
   * result). The CPU pipeline (core lower.h): reduction inits as guarded stores, no blocks,
   * allocations compacted and placed innermost, every buffer flattened to one dimension
   * (parameters too, over the caller's contiguous storage), `unroll` loops unrolled (unless
   * options->unroll is 0), vectorized loops turned into vector statements over Ramp /
   * Broadcast or, where that is not possible (and with options->vectorize 0), serial loops
   * -- no vectorized loop is left; parallel loops stay for the code generator. Allocations
   * start zeroed. LOOM_LOWER_PIPELINE_GPU (core lower.h's lower_gpu) gives the GPU-lowered
   * form: global allocations at the top, then one kernel per top-level statement whose
   * blockIdx / threadIdx loops give its launch extents, shared allocations below the
   * blockIdx loops, barriers as storage_sync calls, cross-thread reductions as warp
   * shuffles; a schedule a GPU cannot run as written fails with LOOM_ERROR_ARGUMENT and a
   * message naming the loop, buffer or block. */
  loom_status (*func_lower_opts_new)(const loom_func* func, const loom_lower_options* options, loom_func** out,
                                     loom_error* error);

  /* -- queries that do not record (ABI 1.2) --
   * Questions about the schedule's current IR. Unlike the get_loops / get_producers /
   * get_consumers primitives (sch_call), they record nothing in the trace, define no random
   * variable and leave the schedule as it is, so a rule asks them of the borrowed schedule
   * itself, without copying it. Blocks and loops go in and come out as views of the current
   * IR (LOOM_NODE_BLOCK, LOOM_NODE_FOR), valid until the schedule changes: the view of a
   * random variable's block is sch_get_block_node's. A view that is not a block (loop) of
   * the schedule's current IR -- another schedule's, or one from before a change -- is
   * LOOM_ERROR_ARGUMENT. To transform what a query found, obtain a random variable for it
   * with the recording primitive (get_block, get_loops, ...). The list queries write up to
   * `cap` views into out and the count into *n (LOOM_ERROR_BUFFER_TOO_SMALL when cap < *n,
   * with *n set). */
  /* The loops between the block's scope (the nearest block above it) and the block,
   * outermost first: what get_loops gives random variables of. */
  loom_status (*sch_query_loops)(const loom_schedule* sch, loom_node block, loom_node* out, size_t cap, size_t* n,
                                 loom_error* error);
  /* The blocks of the block's scope before it that write a buffer it reads, in program
   * order (get_producers). */
  loom_status (*sch_query_producers)(const loom_schedule* sch, loom_node block, loom_node* out, size_t cap, size_t* n,
                                     loom_error* error);
  /* The blocks of the block's scope after it that read a buffer it writes, in program order
   * (get_consumers). */
  loom_status (*sch_query_consumers)(const loom_schedule* sch, loom_node block, loom_node* out, size_t cap, size_t* n,
                                     loom_error* error);
  /* sch_get_block_info / sch_get_loop_info of a block / loop view (for_kind and thread_tag
   * valid until the schedule changes). */
  loom_status (*sch_query_block_info)(const loom_schedule* sch, loom_node block, loom_block_info* out,
                                      loom_error* error);
  loom_status (*sch_query_loop_info)(const loom_schedule* sch, loom_node loop, loom_loop_info* out, loom_error* error);
} loom_host_api;

/* ---------------------------------------------------------------------------------------
 * The plugin's entry point.
 * ------------------------------------------------------------------------------------- */

typedef struct loom_plugin_info {
  uint32_t struct_size;
  uint32_t abi_major; /* LOOM_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;
  loom_str name; /* the plugin's name, e.g. "acme.rules" */
  loom_str version;
  /* Registers the plugin's components with host->register_component. */
  loom_status (*register_components)(const loom_host_api* host, loom_registrar* registrar, loom_error* error);
} loom_plugin_info;

typedef const loom_plugin_info* (*loom_plugin_entry_fn)(void);

/* Declares the entry function: LOOM_PLUGIN_ENTRY { static const loom_plugin_info info = ...;
 * return &info; } */
#define LOOM_PLUGIN_ENTRY LOOM_PLUGIN_EXPORT const loom_plugin_info* loom_plugin_entry(void)

/* ---------------------------------------------------------------------------------------
 * Struct sizes: what struct_size holds (see "Struct sizes" at the top). Appending a field
 * means moving its struct's macro to the new last field; the static_asserts below catch a
 * forgotten move whenever the new field does not fit in the old padding.
 * ------------------------------------------------------------------------------------- */
#define LOOM_BLOCK_INFO_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_block_info, is_elementwise)
#define LOOM_LOOP_INFO_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_loop_info, is_only_child)
#define LOOM_INSTRUCTION_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_instruction, is_pure)
#define LOOM_FEATURES_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_features, data)
#define LOOM_MEASURE_INPUT_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_measure_input, reference)
#define LOOM_MEASURE_RESULT_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_measure_result, number)
#define LOOM_TARGET_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_target, extension)
#define LOOM_TUNING_CONTEXT_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_tuning_context, extension)
#define LOOM_LOWER_OPTIONS_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_lower_options, extension)
#define LOOM_EXPORT_REQUEST_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_export_request, extension)
#define LOOM_COMPONENT_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_component, destroy)
#define LOOM_SCHEDULE_RULE_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_schedule_rule, extension)
#define LOOM_MUTATOR_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_mutator, extension)
#define LOOM_POSTPROC_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_postproc, extension)
#define LOOM_COST_MODEL_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_cost_model, extension)
#define LOOM_RUNNER_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_runner, export_func)
#define LOOM_HOST_API_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_host_api, sch_query_loop_info)
#define LOOM_PLUGIN_INFO_STRUCT_SIZE LOOM_STRUCT_SIZE(loom_plugin_info, register_components)

#ifdef __cplusplus
} /* extern "C" */

#define LOOM_CHECK_STRUCT_SIZE_(type, size) \
  static_assert(sizeof(type) - (size) < alignof(type), #size " does not end at " #type "'s last field")
LOOM_CHECK_STRUCT_SIZE_(loom_block_info, LOOM_BLOCK_INFO_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_loop_info, LOOM_LOOP_INFO_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_instruction, LOOM_INSTRUCTION_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_features, LOOM_FEATURES_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_measure_input, LOOM_MEASURE_INPUT_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_measure_result, LOOM_MEASURE_RESULT_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_target, LOOM_TARGET_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_tuning_context, LOOM_TUNING_CONTEXT_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_lower_options, LOOM_LOWER_OPTIONS_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_export_request, LOOM_EXPORT_REQUEST_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_component, LOOM_COMPONENT_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_schedule_rule, LOOM_SCHEDULE_RULE_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_mutator, LOOM_MUTATOR_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_postproc, LOOM_POSTPROC_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_cost_model, LOOM_COST_MODEL_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_runner, LOOM_RUNNER_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_host_api, LOOM_HOST_API_STRUCT_SIZE);
LOOM_CHECK_STRUCT_SIZE_(loom_plugin_info, LOOM_PLUGIN_INFO_STRUCT_SIZE);
#undef LOOM_CHECK_STRUCT_SIZE_
#endif

#endif /* LOOM_PLUGIN_H_ */
