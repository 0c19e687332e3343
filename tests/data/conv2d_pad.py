# A 3x3 convolution, NHWC, stride 1, padding 1, with an explicit padding block.
from tvm.script import tir as T

@T.prim_func
def conv2d(a: T.handle, w: T.handle, c: T.handle):
    A = T.match_buffer(a, (1, 16, 16, 8), "float32")
    W = T.match_buffer(w, (3, 3, 8, 16), dtype="float32")
    C = T.match_buffer(c, (1, 16, 16, 16), "float32")
    pad = T.alloc_buffer((1, 18, 18, 8), "float32")
    for n, h, ww, ci in T.grid(1, 18, 18, 8):
        with T.block("pad"):
            vn, vh, vw, vc = T.axis.remap("SSSS", [n, h, ww, ci])
            pad[vn, vh, vw, vc] = T.if_then_else(1 <= vh and vh < 17 and 1 <= vw and vw < 17, A[vn, vh - 1, vw - 1, vc], T.float32(0))
    for n, h, ww, co, rh, rw, rc in T.grid(1, 16, 16, 16, 3, 3, 8):
        with T.block("conv"):
            vn, vh, vw, vco, vrh, vrw, vrc = T.axis.remap("SSSSRRR", [n, h, ww, co, rh, rw, rc])
            with T.init():
                C[vn, vh, vw, vco] = 0.0
            C[vn, vh, vw, vco] = C[vn, vh, vw, vco] + pad[vn, vh + vrh, vw + vrw, vrc] * W[vrh, vrw, vrc, vco]
