# A hand schedule for the zoo's gmm (C = A @ B) in TVM's schedule API: tile i and j, keep a
# local accumulator tile, stage A in a shared copy per k tile, run the outer tiles in parallel,
# vectorize the innermost j and unroll the inner k. Needs M % 8 == 0, N % 32 == 0, K % 4 == 0.
#   loom print gmm --set M=128 --set N=128 --set K=128 > gmm.py
#   loom apply gmm.py configs/schedules/gmm_tiled.py
b0 = sch.get_block("C")
i, j, k = sch.get_loops(b0)
i0, i1 = sch.split(i, factors=[None, 8])
j0, j1 = sch.split(j, factors=[None, 32])
k0, k1 = sch.split(k, factors=[None, 4])
sch.reorder(i0, j0, k0, i1, k1, j1)
cw = sch.cache_write(b0, 0, "local")
sch.reverse_compute_at(cw, j0)
a_shared = sch.cache_read(b0, 0, "shared")
sch.compute_at(a_shared, k0)
ij = sch.fuse(i0, j0)
sch.parallel(ij)
sch.vectorize(j1)
sch.unroll(k1)
