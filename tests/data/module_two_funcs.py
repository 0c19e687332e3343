# from tvm.script import ir as I
# from tvm.script import tir as T

@I.ir_module
class Module:
    @T.prim_func
    def add_one(A: T.Buffer((16,), "int32"), B: T.Buffer((16,), "int32")):
        for i in range(16):
            with T.block("B"):
                vi = T.axis.spatial(16, i)
                B[vi] = A[vi] + 1

    @T.prim_func
    def scale(a: T.handle, n: T.int32):
        A = T.match_buffer(a, (n,), "float32")
        for i in T.serial(n):
            with T.block("scale"):
                vi = T.axis.spatial(n, i)
                A[vi] = A[vi] * T.float32(2)
