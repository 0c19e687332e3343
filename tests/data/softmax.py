from tvm.script import tir as T

# Row softmax in four blocks: max, exp, sum, normalize.
@T.prim_func
def softmax(A: T.Buffer((64, 32), "float32"), B: T.Buffer((64, 32), "float32")):
    row_max = T.alloc_buffer((64,), "float32")
    e = T.alloc_buffer((64, 32), "float32")
    row_sum = T.alloc_buffer((64,), "float32")
    for i, k in T.grid(64, 32):
        with T.block("max"):
            vi = T.axis.spatial(64, i)
            vk = T.axis.reduce(32, k)
            T.reads(A[vi, vk])
            T.writes(row_max[vi])
            with T.init():
                row_max[vi] = T.float32("-inf")
            row_max[vi] = T.max(row_max[vi], A[vi, vk])
    for i, j in T.grid(64, 32):
        with T.block("exp"):
            vi, vj = T.axis.remap("SS", [i, j])
            e[vi, vj] = T.exp(A[vi, vj] - row_max[vi])
    for i in range(64):
        for k in range(32):
            with T.block("sum"):
                vi, vk = T.axis.remap("SR", [i, k])
                with T.init():
                    row_sum[vi] = T.float32(0)
                row_sum[vi] = row_sum[vi] + e[vi, vk]
    for i, j in T.grid(64, 32):
        with T.block("norm"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = e[vi, vj] / row_sum[vi]
