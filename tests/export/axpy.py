# A kernel with scalar parameters, exported by test_export.sh: Y = a * X + Y over the first
# n elements (Y is read and written; a and n are passed by value).
@T.prim_func
def axpy(X: T.Buffer((256,), "float32"), Y: T.Buffer((256,), "float32"), a: T.float32, n: T.int32):
    for i in range(256):
        with T.block("Y"):
            vi = T.axis.spatial(256, i)
            if vi < n:
                Y[vi] = a * X[vi] + Y[vi]
