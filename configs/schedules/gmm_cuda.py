# A hand CUDA schedule of the zoo's matmul: 16 x 16 output tiles, one per thread block, one
# output element per thread. `loom export gmm configs/schedules/gmm_cuda.py --target cuda -o gmm`
b = sch.get_block("C")
i, j, k = sch.get_loops(b)
i0, i1 = sch.split(i, factors=[None, 16])
j0, j1 = sch.split(j, factors=[None, 16])
sch.reorder(i0, j0, i1, j1, k)
bx = sch.fuse(i0, j0)
sch.bind(bx, "blockIdx.x")
tx = sch.fuse(i1, j1)
sch.bind(tx, "threadIdx.x")
