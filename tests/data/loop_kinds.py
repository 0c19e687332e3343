from tvm.script import tir as T

@T.prim_func
def loop_kinds(A: T.Buffer((4, 8, 16, 32), "float32"), B: T.Buffer((4, 8, 16, 32), "float32"), C: T.Buffer((64,), "float32")):
    for b in T.thread_binding(4, thread="blockIdx.x"):
        for t in T.parallel(8):
            for u in T.unroll(16, annotations={"pragma_auto_unroll_max_step": 16}):
                for v in T.vectorized(32):
                    with T.block("copy"):
                        vb, vt, vu, vv = T.axis.remap("SSSS", [b, t, u, v])
                        B[vb, vt, vu, vv] = A[vb, vt, vu, vv]
    for i in T.serial(2, 62):
        with T.block("shift"):
            vi = T.axis.spatial((2, 62), i)
            T.where(i % 2 == 0)
            T.block_attr({"meta": "x"})
            C[vi] = C[vi - 1] + C[vi + 1]
    for j in T.thread_binding(0, 64, thread="threadIdx.x"):
        with T.block("clear"):
            vj = T.axis.spatial(64, j)
            if vj < 32:
                C[vj] = T.float32(0)
            else:
                C[vj] = T.float32(1)
