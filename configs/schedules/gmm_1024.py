# A hand schedule for the zoo's gmm (C = A @ B) at 1024^3: B packed per 32-column panel into
# a contiguous 1024x32 copy (read once per panel, streamed by the micro-kernel from L2), an
# 8x32 register tile of C in a local accumulator (16 AVX-512 registers), k unrolled by 8,
# panels in parallel. Needs M % 8 == 0, N % 32 == 0, K % 8 == 0.
#   loom-bench gmm --schedule configs/schedules/gmm_1024.py --threads 2
b0 = sch.get_block("C")
i, j, k = sch.get_loops(b0)
i0, i1 = sch.split(i, factors=[None, 8])
j0, j1 = sch.split(j, factors=[None, 32])
k0, k1 = sch.split(k, factors=[None, 8])
sch.reorder(j0, i0, k0, k1, i1, j1)
cw = sch.cache_write(b0, 0, "local")
sch.reverse_compute_at(cw, i0)
bp = sch.cache_read(b0, 1, "global")
sch.compute_at(bp, j0)
lj0, pk, pj = sch.get_loops(bp)
sch.vectorize(pj)
sch.parallel(j0)
sch.vectorize(j1)
sch.unroll(i1)
sch.unroll(k1)
