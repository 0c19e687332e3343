# A hand schedule for the zoo's c2d (ResNet's first layer by default: NHWC 1x224x224x3,
# 7x7 kernel HWIO, stride 2, 64 output channels): a register tile of 4 output pixels x 64
# output channels (the channels vectorized: 4 AVX-512 or 8 AVX2 registers per pixel) kept in
# a local accumulator, its init split out of the reduction, the reduction over (rh, rw) with
# the 3 input channels and the 4 pixels unrolled; rows of output in parallel; the padding
# stage as one contiguous, parallel copy. Needs OW % 4 == 0 and CO % 64 == 0.
#   loom-bench c2d --schedule configs/schedules/c2d.py --threads 2
pad = sch.get_block("pad_temp")
conv = sch.get_block("conv2d_nhwc")
n, oh, ow, co, rh, rw, rc = sch.get_loops(conv)
ow0, ow1 = sch.split(ow, factors=[None, 4])
sch.reorder(n, oh, ow0, rh, rw, rc, ow1, co)
cw = sch.cache_write(conv, 0, "local")
sch.reverse_compute_at(cw, ow0)
sch.vectorize(co)
sch.unroll(ow1)
sch.unroll(rc)
noh = sch.fuse(n, oh)
sch.parallel(noh)
wn, wow0, wi, wc = sch.get_loops(cw)
sch.vectorize(wc)
sch.decompose_reduction(conv, rh)
p0, p1, p2, p3 = sch.get_loops(pad)
p01 = sch.fuse(p0, p1)
p23 = sch.fuse(p2, p3)
sch.parallel(p01)
