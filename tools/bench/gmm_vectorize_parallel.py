# A simple schedule for the zoo's gmm (C = A @ B), the one the code generator's old timing
# test used: k before j so that the innermost loop walks B and C contiguously, j split by 16
# and vectorized, i parallel, the reduction's init in a loop of its own. Needs N % 16 == 0.
#   loom-bench gmm --set M=512 --set N=512 --set K=512 --schedule tools/bench/gmm_vectorize_parallel.py --unscheduled
b0 = sch.get_block("C")
i, j, k = sch.get_loops(b0)
sch.reorder(i, k, j)
j0, j1 = sch.split(j, factors=[None, 16])
sch.vectorize(j1)
sch.parallel(i)
sch.decompose_reduction(b0, k)
